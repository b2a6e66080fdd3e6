using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;

namespace Metrics.Reporters.Transports;

/// <summary>
/// <see cref="IHttpTransport"/> over one <see cref="HttpClient"/> with pooled keep-alive connections.
/// </summary>
internal sealed class HttpTransport : IHttpTransport
{
    /// <summary>The default number of characters of a response body kept; the rest is not read.</summary>
    public const int DefaultMaxBodyChars = 64 * 1024;

    /// <summary>
    /// Characters kept of an answer that lists failed points (Apptuit's and OpenTSDB's 400 details echo each failed
    /// point, a few hundred characters each): a batch of thousands needs far more than the default, or the counts and
    /// errors are lost.
    /// </summary>
    public const int DetailsMaxBodyChars = 4 * 1024 * 1024;

    private readonly HttpClient _client;
    private readonly TimeProvider _time;
    private readonly int _maxBodyChars;

    /// <param name="timeout">Per-request timeout. Default 30 seconds.</param>
    /// <param name="handler">
    /// The message handler; default a <see cref="SocketsHttpHandler"/> with keep-alive that does not follow redirects:
    /// followed, a 301 or 302 turns the POST into a GET without the body, a redirect drops the Authorization header,
    /// and the answer to that request would stand for the batch (a 2xx: points lost as if delivered). The 3xx is
    /// handed to the backend, which drops the batch with an error naming the address to configure.
    /// </param>
    /// <param name="time">Clock for <c>Retry-After</c> dates.</param>
    /// <param name="connectTimeout">How long the default handler waits for a connection. Default 10 seconds.</param>
    /// <param name="maxBodyChars">Characters of a response body kept (the rest is not read). Default 64 Ki.</param>
    public HttpTransport(
        TimeSpan? timeout = null,
        HttpMessageHandler? handler = null,
        TimeProvider? time = null,
        TimeSpan? connectTimeout = null,
        int maxBodyChars = DefaultMaxBodyChars)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBodyChars);
        _maxBodyChars = maxBodyChars;
        handler ??= DefaultHandler(connectTimeout);
        _client = new HttpClient(handler, disposeHandler: true) { Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// The handler used when none is given: keep-alive connections, renewed every 5 minutes, and no redirects
    /// followed (see the constructor).
    /// </summary>
    /// <param name="connectTimeout">How long to wait for a connection. Default 10 seconds.</param>
    public static SocketsHttpHandler DefaultHandler(TimeSpan? connectTimeout = null) => new()
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(10),
    };

    public async Task<HttpTransportResponse> PostAsync(
        Uri uri,
        ReadOnlyMemory<byte> body,
        string contentType,
        HttpContentEncoding encoding,
        IReadOnlyDictionary<string, string>? headers,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri);
        var content = new ByteArrayContent(Compress(body, encoding));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (encoding != HttpContentEncoding.None)
        {
            content.Headers.ContentEncoding.Add(encoding == HttpContentEncoding.Gzip ? "gzip" : "deflate");
        }

        request.Content = content;
        if (headers != null)
        {
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        // The timeout covers the whole request, the response body included: HttpClient.Timeout alone stops once the
        // headers have arrived, and a server that then stalls would hold the send forever.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_client.Timeout);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var text = await ReadBodyAsync(response, _maxBodyChars, timeout.Token).ConfigureAwait(false);
            var location = response.Headers.Location is { } l ? (l.IsAbsoluteUri ? l : new Uri(uri, l)) : null;
            return new HttpTransportResponse((int)response.StatusCode, text, RetryAfter(response), location);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // As HttpClient reports its own timeout: a TaskCanceledException around a TimeoutException.
            throw new TaskCanceledException(
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The request did not finish within its timeout of {_client.Timeout.TotalSeconds} s."),
                new TimeoutException(ex.Message, ex));
        }
    }

    public void Dispose() => _client.Dispose();

    internal static byte[] Compress(ReadOnlyMemory<byte> body, HttpContentEncoding encoding)
    {
        if (encoding == HttpContentEncoding.None)
        {
            return body.ToArray();
        }

        using var output = new MemoryStream(body.Length / 4 + 64);
        using (Stream z = encoding == HttpContentEncoding.Gzip
                   ? new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)
                   : new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(body.Span);
        }

        return output.ToArray();
    }

    // At most maxChars characters, in a buffer that grows with what arrives (a large limit costs nothing for the
    // usual empty or short body).
    private static async Task<string> ReadBodyAsync(HttpResponseMessage response, int maxChars, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var buffer = new char[Math.Min(maxChars, DefaultMaxBodyChars)];
            var read = 0;
            while (read < maxChars)
            {
                if (read == buffer.Length)
                {
                    Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, maxChars));
                }

                var n = await reader.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            return new string(buffer, 0, read);
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }
}
