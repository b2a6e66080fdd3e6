namespace Metrics.Reporters.Transports;

/// <summary>How a request body is compressed.</summary>
internal enum HttpContentEncoding
{
    /// <summary>Sent as it is.</summary>
    None,

    /// <summary>gzip, with <c>Content-Encoding: gzip</c>.</summary>
    Gzip,

    /// <summary>zlib (RFC 1950), with <c>Content-Encoding: deflate</c>.</summary>
    Deflate,
}

/// <summary>What the server answered.</summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="Body">The response body as text (by default at most 64 Ki characters are read).</param>
/// <param name="RetryAfter">The <c>Retry-After</c> header as a delay, when given.</param>
/// <param name="Location">The <c>Location</c> header, made absolute, when given (a redirect not followed).</param>
internal readonly record struct HttpTransportResponse(int StatusCode, string Body, TimeSpan? RetryAfter = null, Uri? Location = null)
{
    public bool IsSuccess => StatusCode is >= 200 and < 300;
}

/// <summary>Posts request bodies over HTTP (Apptuit, OpenTSDB HTTP, Wavefront direct ingestion).</summary>
internal interface IHttpTransport : IDisposable
{
    /// <summary>Posts <paramref name="body"/>, compressed as asked, with the given headers.</summary>
    /// <exception cref="HttpRequestException">The server could not be reached.</exception>
    /// <exception cref="TaskCanceledException">The request timed out or was cancelled.</exception>
    Task<HttpTransportResponse> PostAsync(
        Uri uri,
        ReadOnlyMemory<byte> body,
        string contentType,
        HttpContentEncoding encoding,
        IReadOnlyDictionary<string, string>? headers,
        CancellationToken cancellationToken);
}
