using Metrics.Reporters.Transports;
using Metrics.Reporters.Wavefront;

namespace Metrics.Reporters;

/// <summary>
/// Sends metrics, delta counters, distributions and spans to Wavefront by direct ingestion (HTTPS <c>POST /report</c>,
/// gzip, bearer token), the way the reference Wavefront SDKs do, so code ports line by line. The calls are those of
/// <see cref="WavefrontClient"/>.
/// </summary>
/// <remarks>
/// <para>A batch answered with 5xx, 408 or 429, or lost to a connection error or timeout, is kept and resent at the
/// next flush; one answered with 413 is split in halves and sent again; one answered with 401 or 403 (bad or missing
/// token) or another 4xx is dropped and counted. Each failed
/// request adds one to <see cref="WavefrontClient.FailureCount"/>. Thread-safe. Dispose flushes, then closes the HTTP client.</para>
/// </remarks>
public sealed class WavefrontDirectClient : WavefrontClient
{
    /// <summary>Creates a client; requests are sent on flushes.</summary>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public WavefrontDirectClient(WavefrontDirectClientOptions options)
        : this(options, (IHttpTransport?)null)
    {
    }

    internal WavefrontDirectClient(WavefrontDirectClientOptions options, IHttpTransport? transport)
        : base(CreateSender(options, transport))
    {
    }

    private static WavefrontSender CreateSender(WavefrontDirectClientOptions options, IHttpTransport? transport)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new WavefrontSender(options, new WavefrontDirectSink(options, transport));
    }
}
