namespace Metrics.Reporters.Wavefront;

/// <summary>
/// The client's own metrics for one data kind, kept in a registry like any other metric:
/// <c>~sdk.dotnet.core.sender.{proxy|direct}.{points|histograms|spans|span_logs}.{valid|invalid|dropped|report.errors|queue.size}</c>.
/// </summary>
internal sealed class WavefrontSdkMetrics
{
    public WavefrontSdkMetrics(MetricsRegistry registry, string sink, WavefrontDataKind kind, WavefrontLineQueue queue)
    {
        var prefix = $"~sdk.dotnet.core.sender.{sink}.{kind.MetricSegment()}.";
        Valid = registry.Counter(prefix + "valid");
        Invalid = registry.Counter(prefix + "invalid");
        Dropped = registry.Counter(prefix + "dropped");
        ReportErrors = registry.Counter(prefix + "report.errors");
        QueueSize = registry.Gauge(prefix + "queue.size", () => queue.Count);
    }

    /// <summary>Items accepted into the queue.</summary>
    public Counter Valid { get; }

    /// <summary>Items refused as invalid input.</summary>
    public Counter Invalid { get; }

    /// <summary>Items dropped: queue full, or rejected for good by the server.</summary>
    public Counter Dropped { get; }

    /// <summary>Failed writes or requests.</summary>
    public Counter ReportErrors { get; }

    /// <summary>Items waiting.</summary>
    public Gauge QueueSize { get; }
}
