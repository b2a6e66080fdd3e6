namespace Metrics.Reporters.Engine;

/// <summary>
/// A reporter's own metrics, kept in the registry it reports and tagged <c>reporter=&lt;Name&gt;</c>, so two
/// reporters never share a series. Names are listed in docs/reporting.md.
/// </summary>
internal sealed class SelfMetrics
{
    public const string Prefix = "metrics.reporter.";
    public const string PointsSent = Prefix + "points.sent";
    public const string PointsSucceeded = Prefix + "points.succeeded";
    public const string PointsFailed = Prefix + "points.failed";
    public const string PointsDropped = Prefix + "points.dropped";
    public const string PointsExpired = Prefix + "points.expired";
    public const string PointsSkipped = Prefix + "points.skipped";
    public const string PointsStored = Prefix + "points.stored";
    public const string QueueDepth = Prefix + "queue.depth";
    public const string OfflineDepth = Prefix + "offline.depth";
    public const string BatchSize = Prefix + "batch.size";
    public const string SendTime = Prefix + "send.time";

    private static readonly string[] GaugeNames = [QueueDepth, OfflineDepth, BatchSize];

    private readonly MetricsRegistry _registry;
    private long _dropped;

    public SelfMetrics(MetricsRegistry registry, string reporterName, Func<double> queueDepth, Func<double> offlineDepth, Func<double> batchSize)
    {
        _registry = registry;
        Tags = new Tags(("reporter", reporterName));
        Sent = registry.Counter(PointsSent, Tags);
        Succeeded = registry.Counter(PointsSucceeded, Tags);
        Failed = registry.Counter(PointsFailed, Tags);
        DroppedCounter = registry.Counter(PointsDropped, Tags);
        Expired = registry.Counter(PointsExpired, Tags);
        Skipped = registry.Counter(PointsSkipped, Tags);
        Stored = registry.Counter(PointsStored, Tags);
        SendTimer = registry.Timer(SendTime, Tags);
        registry.Gauge(QueueDepth, Tags, queueDepth);
        registry.Gauge(OfflineDepth, Tags, offlineDepth);
        registry.Gauge(BatchSize, Tags, batchSize);
    }

    /// <summary>The tags identifying this reporter: <c>reporter=&lt;Name&gt;</c>.</summary>
    public Tags Tags { get; }

    public Counter Sent { get; }

    public Counter Succeeded { get; }

    public Counter Failed { get; }

    public Counter Expired { get; }

    public Counter Skipped { get; }

    public Counter Stored { get; }

    public Timer SendTimer { get; }

    /// <summary>Points dropped so far by this reporter.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    private Counter DroppedCounter { get; }

    public void Drop(long points)
    {
        if (points <= 0)
        {
            return;
        }

        Interlocked.Add(ref _dropped, points);
        DroppedCounter.Inc(points);
    }

    /// <summary>Removes the gauges (they read this reporter's state, which is gone once it stops). Counters stay.</summary>
    public void RemoveGauges()
    {
        foreach (var name in GaugeNames)
        {
            _registry.Remove(name, Tags);
        }
    }
}
