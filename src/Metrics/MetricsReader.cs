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
    private Dictionary<Series, Cursor> _cursors = new();

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
            return ReadLocked();
        }
    }

    private MetricSnapshot[] ReadLocked()
    {
        var timestamp = Registry.TimeProvider.GetUtcNow();
        var series = Registry.Table.Snapshot();
        series.Sort(static (a, b) => CompareIds(a.Id, b.Id));

        var snapshots = new MetricSnapshot[series.Count];
        var cursors = new Dictionary<Series, Cursor>(series.Count);
        for (var i = 0; i < series.Count; i++)
        {
            var s = series[i];
            if (!_cursors.TryGetValue(s, out var cursor))
            {
                cursor = new Cursor();
            }

            cursors[s] = cursor;
            snapshots[i] = SeriesReader.Read(s, timestamp, cursor);
        }

        _cursors = cursors;
        return snapshots;
    }

    private static int CompareIds(MetricId a, MetricId b)
    {
        var c = string.CompareOrdinal(a.Name, b.Name);
        if (c != 0)
        {
            return c;
        }

        for (var i = 0; i < Math.Min(a.Tags.Count, b.Tags.Count); i++)
        {
            c = string.CompareOrdinal(a.Tags[i].Key, b.Tags[i].Key);
            if (c == 0)
            {
                c = string.CompareOrdinal(a.Tags[i].Value, b.Tags[i].Value);
            }

            if (c != 0)
            {
                return c;
            }
        }

        return a.Tags.Count.CompareTo(b.Tags.Count);
    }

    /// <summary>What this reader saw of one series at its previous read.</summary>
    internal sealed class Cursor
    {
        public long LastCount { get; set; }

        public HistogramCursor? Histogram;
    }
}
