using Metrics.Reporters.Transports;
using Metrics.Reporters.Wavefront;

namespace Metrics.Reporters;

/// <summary>
/// Sends metrics, delta counters, distributions and spans to a Wavefront proxy over TCP (one connection per port),
/// the way the reference Wavefront SDKs do, so code ports line by line. The calls are those of <see cref="WavefrontClient"/>.
/// </summary>
/// <remarks>
/// <para>A socket error reconnects and resends once; when that fails too the batch is kept and resent at the next
/// flush, and <see cref="WavefrontClient.FailureCount"/> goes up. Sending a kind whose port is null throws an
/// <see cref="InvalidOperationException"/>. Thread-safe. Dispose flushes, then closes the connections.</para>
/// </remarks>
public sealed class WavefrontProxyClient : WavefrontClient
{
    /// <summary>Creates a client; connections open on the first flush.</summary>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public WavefrontProxyClient(WavefrontProxyClientOptions options)
        : this(options, null)
    {
    }

    internal WavefrontProxyClient(WavefrontProxyClientOptions options, Func<int, ILineTransport>? connect)
        : base(CreateSender(options, connect))
    {
    }

    private static WavefrontSender CreateSender(WavefrontProxyClientOptions options, Func<int, ILineTransport>? connect)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new WavefrontSender(options, new WavefrontProxySink(options, connect));
    }
}
