using System.Runtime.CompilerServices;

namespace Metrics.Reporters.Wavefront;

/// <summary>
/// The client's own metrics for one data kind, kept in a registry like any other metric:
/// <c>~sdk.dotnet.core.sender.{proxy|direct}.{points|histograms|spans|span_logs}.{valid|invalid|dropped|report.errors|queue.size}</c>.
/// Clients of one kind that share a registry share these series: the counters add up, and <c>queue.size</c> is the
/// sum of the queues of every client not yet disposed.
/// </summary>
internal sealed class WavefrontSdkMetrics
{
    // The live queues behind each queue.size gauge of a registry. The gauge is the registry's (get-or-add: the first
    // client's callback is the one kept), so the callback reads a set every client of that registry adds its queue
    // to and takes it out of when disposed. Keyed weakly on the registry: the sets go with it.
    private static readonly ConditionalWeakTable<MetricsRegistry, Dictionary<string, LiveQueues>> QueuesByRegistry = new();

    private readonly LiveQueues _live;
    private readonly WavefrontLineQueue _queue;

    public WavefrontSdkMetrics(MetricsRegistry registry, string sink, WavefrontDataKind kind, WavefrontLineQueue queue)
    {
        var prefix = $"~sdk.dotnet.core.sender.{sink}.{kind.MetricSegment()}.";
        Valid = registry.Counter(prefix + "valid");
        Invalid = registry.Counter(prefix + "invalid");
        Dropped = registry.Counter(prefix + "dropped");
        ReportErrors = registry.Counter(prefix + "report.errors");

        var name = prefix + "queue.size";
        var byName = QueuesByRegistry.GetValue(registry, static _ => new Dictionary<string, LiveQueues>(StringComparer.Ordinal));
        lock (byName)
        {
            if (!byName.TryGetValue(name, out var live))
            {
                live = new LiveQueues();
                byName[name] = live;
            }

            _live = live;
        }

        _queue = queue;
        _live.Add(queue);
        QueueSize = registry.Gauge(name, _live.Sum);
    }

    /// <summary>Items accepted into the queue.</summary>
    public Counter Valid { get; }

    /// <summary>Items refused as invalid input.</summary>
    public Counter Invalid { get; }

    /// <summary>Items dropped: queue full, or rejected for good by the server.</summary>
    public Counter Dropped { get; }

    /// <summary>Failed writes or requests.</summary>
    public Counter ReportErrors { get; }

    /// <summary>Items waiting, in the queues of every live client of this kind sharing the registry.</summary>
    public Gauge QueueSize { get; }

    /// <summary>Takes this client's queue out of <see cref="QueueSize"/>: a disposed client is no longer read, nor held.</summary>
    public void Detach() => _live.Remove(_queue);

    /// <summary>The queues of the live clients behind one <c>queue.size</c> series.</summary>
    private sealed class LiveQueues
    {
        private readonly Lock _gate = new();
        private WavefrontLineQueue[] _queues = [];

        public void Add(WavefrontLineQueue queue)
        {
            lock (_gate)
            {
                _queues = [.. _queues, queue];
            }
        }

        public void Remove(WavefrontLineQueue queue)
        {
            lock (_gate)
            {
                _queues = Array.FindAll(_queues, q => !ReferenceEquals(q, queue));
            }
        }

        public double Sum()
        {
            long sum = 0;
            foreach (var queue in Volatile.Read(ref _queues))
            {
                sum += queue.Count;
            }

            return sum;
        }
    }
}
