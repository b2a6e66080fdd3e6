using Metrics.Reporters.Wavefront;

namespace Metrics.Reporters;

/// <summary>
/// Options of <see cref="WavefrontReporter"/>: the common reporter options plus where to send, either a Wavefront
/// proxy (<see cref="ProxyHost"/>) or direct ingestion (<see cref="Server"/> and <see cref="Token"/>), and how
/// counters and histograms are sent. Validated once, when the reporter is created.
/// </summary>
public sealed class WavefrontReporterOptions : ReporterOptions
{
    /// <summary>Creates options with Wavefront's default batch size of 10,000 points.</summary>
    public WavefrontReporterOptions() => BatchSize = 10_000;

    /// <summary>The Wavefront proxy's host name or address. Set this or <see cref="Server"/>, not both. Default null.</summary>
    public string? ProxyHost { get; set; }

    /// <summary>The proxy's metrics port (metrics and delta counters). Default 2878.</summary>
    public int MetricsPort { get; set; } = 2878;

    /// <summary>The proxy's distribution port (used when <see cref="Distributions"/> is on). Default 40000.</summary>
    public int DistributionPort { get; set; } = 40000;

    /// <summary>The Wavefront server for direct ingestion, e.g. <c>https://example.wavefront.com</c>. Set this or <see cref="ProxyHost"/>, not both. Default null.</summary>
    public Uri? Server { get; set; }

    /// <summary>The API token for direct ingestion (<c>Authorization: Bearer</c>). Never logged nor shown in messages. Default null.</summary>
    public string? Token { get; set; }

    /// <summary>How long one direct-ingestion request, or one write of a batch to the proxy, may take. Default 30 seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The <c>source</c> of every point. Default the machine name.</summary>
    public string Source { get; set; } = Environment.MachineName;

    /// <summary>
    /// Send counters as Wavefront delta counters (<c>∆name.count</c>, the increase since this reporter's previous
    /// report, sent only when positive; the server adds them up) instead of their cumulative count. Default false.
    /// </summary>
    public bool DeltaCounters { get; set; }

    /// <summary>
    /// Send histograms and timers as native Wavefront distributions (centroids of the values recorded since this
    /// reporter's previous report) instead of their statistics fields. Default false.
    /// </summary>
    public bool Distributions { get; set; }

    /// <summary>The distribution granularities (one line each). Default minute only.</summary>
    public IReadOnlyCollection<HistogramGranularity> Granularities { get; set; } = [HistogramGranularity.Minute];

    /// <summary>Describes where the reporter sends, without the token.</summary>
    public override string ToString() =>
        ProxyHost is not null
            ? $"WavefrontReporterOptions {{ ProxyHost = {ProxyHost}, MetricsPort = {MetricsPort}, DistributionPort = {DistributionPort} }}"
            : $"WavefrontReporterOptions {{ Server = {WavefrontDirectSink.Describe(Server)}, Token = {(string.IsNullOrEmpty(Token) ? "(none)" : "***")} }}";

    internal void Validate()
    {
        if (ProxyHost is null == (Server is null))
        {
            throw new ArgumentException(
                "Set exactly one of ProxyHost (send through a Wavefront proxy) and Server (direct ingestion with Token).",
                ProxyHost is null ? nameof(ProxyHost) : nameof(Server));
        }

        if (ProxyHost is not null)
        {
            WavefrontOptionChecks.Host(ProxyHost, nameof(ProxyHost));
        }
        else
        {
            WavefrontOptionChecks.Server(Server, nameof(Server));
        }

        WavefrontOptionChecks.Port(MetricsPort, nameof(MetricsPort));
        WavefrontOptionChecks.Port(DistributionPort, nameof(DistributionPort));
        WavefrontOptionChecks.Positive(RequestTimeout, nameof(RequestTimeout));
        if (WavefrontValidation.Source(Source) is { } error)
        {
            throw new ArgumentException("Source: " + error, nameof(Source));
        }

        if (Distributions && (Granularities is null || Granularities.Count == 0))
        {
            throw new ArgumentException("Granularities is empty while Distributions is on; give at least one of Minute, Hour or Day.", nameof(Granularities));
        }
    }
}
