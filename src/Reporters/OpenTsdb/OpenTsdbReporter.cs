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
        : this(registry, options, Build(options, time: TimeProvider.System))
    {
    }

    /// <summary>Creates a telnet reporter writing through <paramref name="transport"/> (tests).</summary>
    internal OpenTsdbReporter(MetricsRegistry registry, OpenTsdbReporterOptions options, ILineTransport transport)
        : this(registry, options, new OpenTsdbTelnetBackend(transport, OpenTsdbSettings.From(options).Format, Failures(options).ServerError))
    {
    }

    /// <summary>Creates an HTTP reporter posting through <paramref name="transport"/> (tests).</summary>
    internal OpenTsdbReporter(MetricsRegistry registry, OpenTsdbReporterOptions options, IHttpTransport transport)
        : this(registry, options, BuildHttp(options, transport))
    {
    }

    private OpenTsdbReporter(MetricsRegistry registry, OpenTsdbReporterOptions options, IReportBackend backend)
        : base(registry, options, backend)
    {
    }

    private static IReportBackend Build(OpenTsdbReporterOptions options, TimeProvider time)
    {
        var settings = OpenTsdbSettings.From(options);
        return OpenTsdbBackends.Create(settings, Failures(options).ServerError, time);
    }

    private static OpenTsdbHttpBackend BuildHttp(OpenTsdbReporterOptions options, IHttpTransport transport)
    {
        var settings = OpenTsdbSettings.From(options);
        return new OpenTsdbHttpBackend(transport, settings.Endpoint, settings.Format, settings.Gzip);
    }

    private static OpenTsdbFailures Failures(OpenTsdbReporterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new OpenTsdbFailures(options.Name ?? "opentsdb", options.ErrorHandler, options.LoggerFactory);
    }
}
