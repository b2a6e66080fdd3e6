namespace Metrics.Reporters.Engine;

/// <summary>Test seams of a reporter's engine. Null members take their production defaults.</summary>
internal sealed class EngineSeams
{
    /// <summary>Where snapshots come from. Default: the reporter's own <see cref="MetricsReader"/>.</summary>
    public Func<IReadOnlyList<MetricSnapshot>>? SnapshotSource { get; init; }

    /// <summary>Resource measurement for adaptive batching. Default: <see cref="ProcessResourceMonitor"/>.</summary>
    public IResourceMonitor? ResourceMonitor { get; init; }

    /// <summary>Random source of retry jitter. Default: a new <see cref="Random"/>.</summary>
    public Random? Random { get; init; }
}
