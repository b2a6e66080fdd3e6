using Metrics.Reporters.Engine;

namespace Metrics.Reporters.Wavefront;

/// <summary>
/// The Wavefront reporter's expansion: the pyformance key set, except that counters may become delta counters
/// (<c>name.count</c>, the increase since this reporter's previous report, only when positive) and histograms and
/// timers may become one distribution each, with the buckets of this reporter's window as centroids.
/// </summary>
internal sealed class WavefrontPointExpander(FieldNaming fields, bool deltaCounters, bool distributions) : PointExpander(fields)
{
    // Per counter that went down since what this reporter last sent, by how much (negative): the server only adds,
    // so a decrease is owed against the next increases instead of being forgotten, and the server's total stays the
    // counter's value. Only counters that owe something are kept.
    private readonly Dictionary<(string Name, Tags Tags), long> _owed = [];

    protected override void ExpandCounter(MetricSnapshot snapshot, string name, Tags tags, PointBuffer output)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(output);
        if (!deltaCounters)
        {
            base.ExpandCounter(snapshot, name, tags, output);
            return;
        }

        // The server only adds increments: nothing is sent when the counter did not grow past what was last sent.
        var delta = snapshot.Delta;
        if (delta < 0 || _owed.Count > 0)
        {
            var key = (snapshot.Name, snapshot.Tags);
            delta += _owed.GetValueOrDefault(key);
            if (delta < 0)
            {
                _owed[key] = delta;
            }
            else
            {
                _owed.Remove(key);
            }
        }

        if (delta > 0)
        {
            output.Add(new DataPoint(Key(name, Fields.Count), tags, snapshot.Timestamp, delta) { Kind = PointKind.DeltaCounter });
        }
    }

    protected override void ExpandHistogram(MetricSnapshot snapshot, string name, Tags tags, PointBuffer output)
    {
        if (distributions)
        {
            AddDistribution(snapshot, name, tags, output, timer: false);
        }
        else
        {
            base.ExpandHistogram(snapshot, name, tags, output);
        }
    }

    protected override void ExpandTimer(MetricSnapshot snapshot, string name, Tags tags, PointBuffer output)
    {
        if (distributions)
        {
            AddDistribution(snapshot, name, tags, output, timer: true);
        }
        else
        {
            base.ExpandTimer(snapshot, name, tags, output);
        }
    }

    // A timer's bucket values are nanoseconds, sent in the unit of FieldNaming.TimerDurationScale.
    private void AddDistribution(MetricSnapshot snapshot, string name, Tags tags, PointBuffer output, bool timer)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(output);
        var window = snapshot.Window;
        if (window is null || window.Count == 0)
        {
            return;
        }

        var centroids = new List<Centroid>(window.Buckets.Count);
        long count = 0;
        foreach (var bucket in window.Buckets)
        {
            if (bucket.Count > 0 && double.IsFinite(bucket.Value))
            {
                centroids.Add(new Centroid(timer ? Fields.ScaleDuration(bucket.Value) : bucket.Value, bucket.Count));
                count += bucket.Count;
            }
        }

        if (centroids.Count > 0)
        {
            output.Add(new DataPoint(name, tags, snapshot.Timestamp, count) { Kind = PointKind.Distribution, Centroids = centroids });
        }
    }
}
