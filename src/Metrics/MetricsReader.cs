using Metrics.Registry;

namespace Metrics;

/// <summary>
/// Reads a registry with its own cursor. One per reporter: deltas and histogram windows are relative to this
/// reader's previous <see cref="Read"/>; reading changes nothing any other reader or the application sees.
/// </summary>
/// <remarks>
/// Thread-safe: reads of one reader are serialized, so every change is in exactly one of its deltas and windows,
/// whichever thread reads. A reporter reads from one thread anyway.
/// </remarks>
public sealed class MetricsReader
{
    private readonly Lock _lock = new();
    // The series in report order and this reader's cursor of each, kept while the registry's set of series stays the
    // same (its version), so a read neither sorts nor looks cursors up unless series were added or removed.
    private Series[] _series = [];
    private Cursor[] _cursors = [];
    private int _version = -1;

    // The list ReadReusing hands out, overwritten by its next call.
    private MetricSnapshot[] _reused = [];

    internal MetricsReader(MetricsRegistry registry) => Registry = registry;

    /// <summary>The registry read.</summary>
    public MetricsRegistry Registry { get; }

    /// <summary>
    /// Snapshots every series, stamped with the registry clock's current time, and advances this reader's cursor.
    /// Series come ordered by name, then by tags. Removed series no longer appear (and their cursors are dropped).
    /// </summary>
    public IReadOnlyList<MetricSnapshot> Read()
    {
        lock (_lock)
        {
            return ReadLocked(reuse: false);
        }
    }

    /// <summary>
    /// <see cref="Read"/> for a consumer that is done with a read's snapshots before it reads again (a reporter's
    /// collection): gauge snapshots, and the list, are those of this reader's previous reusing read, overwritten
    /// with the new time and value, so a steady read of gauges allocates nothing; and the HDR counts behind the
    /// previous reusing read's histogram and timer snapshots are overwritten where they changed, instead of copied.
    /// Snapshots of <see cref="Read"/> are never changed by it.
    /// </summary>
    internal IReadOnlyList<MetricSnapshot> ReadReusing()
    {
        lock (_lock)
        {
            return ReadLocked(reuse: true);
        }
    }

    private MetricSnapshot[] ReadLocked(bool reuse)
    {
        var timestamp = Registry.TimeProvider.GetUtcNow();
        var version = Registry.Table.Version;
        if (version != _version)
        {
            Refresh();
            _version = version;
        }

        var series = _series;
        var cursors = _cursors;
        MetricSnapshot[] snapshots;
        if (reuse && _reused.Length == series.Length)
        {
            snapshots = _reused;
        }
        else
        {
            snapshots = new MetricSnapshot[series.Length];
            if (reuse)
            {
                _reused = snapshots;
            }
        }

        for (var i = 0; i < series.Length; i++)
        {
            var cursor = cursors[i];
            if (reuse && cursor.GaugeSnapshot is { } previous)
            {
                previous.Overwrite(timestamp, series[i].Metric is Gauge gauge ? gauge.Value : ((SettableGauge)series[i].Metric).Value);
                snapshots[i] = previous;
                continue;
            }

            var snapshot = SeriesReader.Read(series[i], timestamp, cursor, reuse);
            snapshot.Cursor = cursor;
            if (reuse && snapshot.Type == MetricType.Gauge)
            {
                cursor.GaugeSnapshot = snapshot;
            }

            snapshots[i] = snapshot;
        }

        return snapshots;
    }

    // Takes the current set of series in order, keeping the cursors of those this reader already knew.
    private void Refresh()
    {
        var list = Registry.Table.Snapshot();
        list.Sort(static (a, b) => CompareIds(a.Id, b.Id));
        var known = new Dictionary<Series, Cursor>(_series.Length, ReferenceEqualityComparer.Instance);
        for (var i = 0; i < _series.Length; i++)
        {
            known[_series[i]] = _cursors[i];
        }

        var series = list.ToArray();
        var cursors = new Cursor[series.Length];
        for (var i = 0; i < series.Length; i++)
        {
            cursors[i] = known.TryGetValue(series[i], out var cursor) ? cursor : new Cursor();
        }

        _series = series;
        _cursors = cursors;
    }

    private static int CompareIds(MetricId a, MetricId b)
    {
        var c = string.CompareOrdinal(a.Name, b.Name);
        if (c != 0)
        {
            return c;
        }

        return Tags.CompareOrdinal(a.Tags, b.Tags);
    }

    /// <summary>What this reader saw of one series at its previous read.</summary>
    internal sealed class Cursor
    {
        public long LastCount { get; set; }

        public HistogramCursor? Histogram;

        /// <summary>A gauge's snapshot, overwritten by every <see cref="ReadReusing"/>.</summary>
        public MetricSnapshot? GaugeSnapshot { get; set; }

        /// <summary>What this reader's consumer keeps for the series (a reporter's expander: its names and merged tags).</summary>
        public object? State { get; set; }
    }
}
