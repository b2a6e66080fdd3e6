using Metrics.Reporters.Transports;
using Metrics.Reporters.Wavefront;

namespace Metrics.Reporters;

/// <summary>
/// Reports a registry to Wavefront, through a proxy (TCP) or by direct ingestion (HTTPS): counters as plain or
/// delta counters, gauges, meters, timers and histograms expanded with the pyformance key set, and optionally
/// histograms and timers as native Wavefront distributions.
/// </summary>
/// <remarks>See <see cref="Reporter"/> for the threading, stop and disposal contract.</remarks>
public sealed class WavefrontReporter : Reporter
{
    /// <summary>Creates the reporter; call <see cref="Reporter.Start"/> to report every <see cref="ReporterOptions.Interval"/>.</summary>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public WavefrontReporter(MetricsRegistry registry, WavefrontReporterOptions options)
        : this(registry, options, sink: null)
    {
    }

    /// <summary>For tests: a proxy reporter whose connections come from <paramref name="connect"/> (port in, transport out).</summary>
    internal WavefrontReporter(MetricsRegistry registry, WavefrontReporterOptions options, Func<int, ILineTransport> connect)
        : this(registry, options, CreateSink(registry, options, connect, null))
    {
    }

    /// <summary>For tests: a direct-ingestion reporter over <paramref name="transport"/>.</summary>
    internal WavefrontReporter(MetricsRegistry registry, WavefrontReporterOptions options, IHttpTransport transport)
        : this(registry, options, CreateSink(registry, options, null, transport))
    {
    }

    private WavefrontReporter(MetricsRegistry registry, WavefrontReporterOptions options, IWavefrontSink? sink)
        : base(registry, options, CreateBackend(registry, options, sink))
    {
    }

    private static WavefrontBackend CreateBackend(MetricsRegistry registry, WavefrontReporterOptions options, IWavefrontSink? sink)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        sink ??= CreateSink(registry, options, null, null);
        var granularities = options.Distributions ? options.Granularities.ToFlags() : HistogramGranularities.Minute;
        return new WavefrontBackend(sink, options.Source, granularities, options.DeltaCounters, options.Distributions);
    }

    private static IWavefrontSink CreateSink(MetricsRegistry registry, WavefrontReporterOptions options, Func<int, ILineTransport>? connect, IHttpTransport? transport)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.ProxyHost is { } host)
        {
            var proxy = new WavefrontProxyClientOptions
            {
                Host = host,
                MetricsPort = options.MetricsPort,
                DistributionPort = options.Distributions ? options.DistributionPort : null,
                TracingPort = null,
                WriteTimeout = options.RequestTimeout,
                TimeProvider = registry.TimeProvider,
            };
            return new WavefrontProxySink(proxy, connect);
        }

        var direct = new WavefrontDirectClientOptions
        {
            Server = options.Server,
            Token = options.Token,
            RequestTimeout = options.RequestTimeout,
            TimeProvider = registry.TimeProvider,
        };
        return new WavefrontDirectSink(direct, transport);
    }
}
