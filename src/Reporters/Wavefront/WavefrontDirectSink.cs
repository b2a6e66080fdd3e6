using System.Globalization;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters.Wavefront;

/// <summary>
/// Lines to Wavefront's direct-ingestion endpoint: <c>POST {server}/report?f=wavefront|histogram|trace|spanLogs</c>,
/// gzip, <c>application/octet-stream</c>, <c>Authorization: Bearer {token}</c>. 401 and 403 (bad or missing
/// token), redirects (not followed) and other 4xx are permanent; 408, 429, 5xx and connection errors are transient.
/// </summary>
internal sealed class WavefrontDirectSink : IWavefrontSink
{
    private const string ContentType = "application/octet-stream";

    private readonly IHttpTransport _transport;
    private readonly Dictionary<WavefrontDataKind, Uri> _uris = new();
    private readonly IReadOnlyDictionary<string, string>? _headers;
    private readonly string? _token;
    private readonly string _server;
    private volatile bool _disposed;

    public WavefrontDirectSink(WavefrontDirectClientOptions options, IHttpTransport? transport = null)
    {
        // report?f=... goes under the server's path; a query the server carries (a gateway's key, say) follows it.
        var server = options.Server!;
        foreach (var kind in WavefrontDataKinds.All)
        {
            _uris[kind] = SafeUri.Below(server, "report", "f=" + kind.Format());
        }

        _server = Describe(SafeUri.Below(server, string.Empty, string.Empty));
        _token = string.IsNullOrWhiteSpace(options.Token) ? null : BearerToken.Check(options.Token, "The Wavefront API token (the Token option)");
        _headers = _token is null
            ? null
            : new Dictionary<string, string> { ["Authorization"] = "Bearer " + _token };
        // The default transport does not follow redirects (see HttpTransport): a 3xx is answered below.
        _transport = transport ?? new HttpTransport(options.RequestTimeout, time: options.TimeProvider);
    }

    public string Name => "direct";

    /// <summary>The server for messages and <c>ToString</c>: scheme, host, port and path, never user info or query (they may hold credentials).</summary>
    internal static string Describe(Uri? server) => SafeUri.Describe(server);

    public bool Supports(WavefrontDataKind kind) => true;

    public string Unsupported(WavefrontDataKind kind) => string.Empty;

    public async ValueTask<WavefrontSendStatus> SendAsync(WavefrontDataKind kind, ReadOnlyMemory<byte> lines, CancellationToken cancellationToken)
    {
        HttpTransportResponse response;
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            response = await _transport.PostAsync(_uris[kind], lines, ContentType, HttpContentEncoding.Gzip, _headers, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException) when (_disposed)
        {
            // A send that raced with closing the client.
            return WavefrontSendStatus.Rejected($"The Wavefront direct client was closed before the {kind.Describe()} could be sent to {_server}.");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var what = ex is TaskCanceledException ? "timed out" : ex.Message;
            return WavefrontSendStatus.Transient($"Sending {kind.Describe()} to {_server} failed: {what}", exception: ex);
        }

        var status = response.StatusCode;
        if (response.IsSuccess)
        {
            return WavefrontSendStatus.Delivered(status);
        }

        // A server may echo the request's Authorization header: the token never reaches a message.
        var scrubbed = BearerToken.Scrub(response.Body, _token);
        var body = scrubbed.Length > 200 ? scrubbed[..200] + "..." : scrubbed;
        var detail = string.IsNullOrWhiteSpace(body) ? string.Empty : ": " + body.Trim();
        var code = status.ToString(CultureInfo.InvariantCulture);
        return status switch
        {
            401 or 403 => WavefrontSendStatus.Rejected(
                $"{_server} refused the {kind.Describe()} with HTTP {code} (the API token is missing, wrong or lacks the direct data ingestion permission); the batch was dropped. Check WavefrontDirectClientOptions.Token{detail}",
                status),
            408 or 429 or >= 500 => WavefrontSendStatus.Transient($"{_server} answered HTTP {code} to the {kind.Describe()}{detail}", status, retryAfter: response.RetryAfter),
            >= 300 and < 400 => WavefrontSendStatus.Rejected(
                $"{_server} answered the {kind.Describe()} with HTTP {code}, a redirect, which is not followed (it would resend them without their body or token); the batch was dropped. Set the Server option to the address it redirects to (https rather than http?){detail}",
                status),
            _ => WavefrontSendStatus.Rejected($"{_server} rejected the {kind.Describe()} with HTTP {code}; the batch was dropped{detail}", status),
        };
    }

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        _transport.Dispose();
        return ValueTask.CompletedTask;
    }
}
