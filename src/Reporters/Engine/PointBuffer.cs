namespace Metrics.Reporters.Engine;

/// <summary>
/// Collects the points one report expands into. Non-finite values cannot be sent by any backend, so they are
/// skipped here and counted.
/// </summary>
internal sealed class PointBuffer
{
    private readonly List<DataPoint> _points = new();

    /// <summary>The points collected, in expansion order.</summary>
    public IReadOnlyList<DataPoint> Points => _points;

    /// <summary>Values skipped because they were NaN or infinite.</summary>
    public int SkippedNonFinite { get; private set; }

    /// <summary>Adds a value point, or counts it as skipped when the value is not finite.</summary>
    public void Add(string metric, Tags tags, DateTimeOffset timestamp, double value)
    {
        if (!double.IsFinite(value))
        {
            SkippedNonFinite++;
            return;
        }

        _points.Add(new DataPoint(metric, tags, timestamp, value));
    }

    /// <summary>Adds a point as is (delta counters, distributions).</summary>
    public void Add(in DataPoint point)
    {
        if (!double.IsFinite(point.Value))
        {
            SkippedNonFinite++;
            return;
        }

        _points.Add(point);
    }

    /// <summary>Forgets what was collected.</summary>
    public void Clear()
    {
        _points.Clear();
        SkippedNonFinite = 0;
    }
}
