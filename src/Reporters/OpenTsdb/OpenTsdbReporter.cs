using Metrics.Reporters.Engine;
using Metrics.Reporters.OpenTsdb;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters;

/// <summary>
/// Reports a registry to OpenTSDB (or anything that speaks its protocol, such as VictoriaMetrics): telnet
/// <c>put</c> lines for a <c>tcp://</c> endpoint, <c>/api/put?details</c> JSON for an <c>http(s)://</c> endpoint.
/// </summary>
/// <remarks>
/// Points whose names or tags OpenTSDB cannot take (too many tags, an over-long line, an invalid character under
/// <see cref="OpenTsdbInvalidCharacters.Reject"/>) fail alone, with a message through the error handler. Error lines
/// a telnet server writes back are read in the background and reported the same way. Thread-safe; see
/// <see cref="Reporter"/> for the start, stop and disposal contract.
/// </remarks>
public sealed class OpenTsdbReporter : Reporter
{
    /// <summary>Creates a reporter; call <see cref="Reporter.Start"/> to report on the interval.</summary>
    /// <param name="registry">The registry to report.</param>
    /// <param name="options">The options; <see cref="OpenTsdbReporterOptions.Endpoint"/> is required.</param>
    /// <exception cref="ArgumentException">An option is missing or out of range (the message names it).</exception>
    public OpenTsdbReporter(MetricsRegistry registry, OpenTsdbReporterOptions options)
        : this(registry, options, Parts.Create(registry, options, null, null))
    {
    }

    /// <summary>Creates a telnet reporter writing through <paramref name="transport"/> (tests).</summary>
    internal OpenTsdbReporter(MetricsRegistry registry, OpenTsdbReporterOptions options, ILineTransport transport)
        : this(registry, options, Parts.Create(registry, options, transport ?? throw new ArgumentNullException(nameof(transport)), null))
    {
    }

    /// <summary>Creates an HTTP reporter posting through <paramref name="transport"/> (tests).</summary>
    internal OpenTsdbReporter(MetricsRegistry registry, OpenTsdbReporterOptions options, IHttpTransport transport)
        : this(registry, options, Parts.Create(registry, options, null, transport ?? throw new ArgumentNullException(nameof(transport))))
    {
    }

    private OpenTsdbReporter(MetricsRegistry registry, OpenTsdbReporterOptions options, Parts parts)
        : base(registry, options, parts.Backend)
    {
        // The engine may have made the name unique ("opentsdb-2"); server error lines carry the same name, and are
        // counted by the engine like any failed point (self-metrics, status, health), then handed to the handler.
        parts.Failures.Name = Name;
        parts.Failures.Counted = Engine.ReportLateFailure;
        parts.Failures.CountOnly = Engine.CountLateFailure;
        Engine.DrainLateFailures = parts.Failures.DrainAsync;
    }

    private sealed record Parts(IReportBackend Backend, ServerFailures Failures)
    {
        public static Parts Create(MetricsRegistry registry, OpenTsdbReporterOptions options, ILineTransport? line, IHttpTransport? http)
        {
            ArgumentNullException.ThrowIfNull(registry);
            ArgumentNullException.ThrowIfNull(options);
            var settings = OpenTsdbSettings.From(options);
            var failures = new ServerFailures(options.Name ?? "opentsdb", options.ErrorHandler, options.LoggerFactory);
            return new Parts(OpenTsdbBackends.Create(settings, failures.ServerError, registry.TimeProvider, line, http), failures);
        }
    }
}
