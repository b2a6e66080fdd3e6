namespace Metrics.Reporters;

/// <summary>What a <see cref="DataPoint"/> stands for on the wire.</summary>
public enum PointKind
{
    /// <summary>A plain value at a time (counters' cumulative counts, gauges, rates, percentiles).</summary>
    Value,

    /// <summary>An increment to be added by the backend (Wavefront delta counters).</summary>
    DeltaCounter,

    /// <summary>A distribution: <see cref="DataPoint.Centroids"/> hold the values (Wavefront histograms).</summary>
    Distribution,
}

/// <summary>A centroid of a distribution: a mean and how many values it stands for.</summary>
/// <param name="Mean">The representative value.</param>
/// <param name="Count">How many values.</param>
public readonly record struct Centroid(double Mean, long Count);

/// <summary>One point of one series: what reporters send and what offline storage keeps.</summary>
public readonly record struct DataPoint
{
    /// <summary>Creates a value point.</summary>
    /// <param name="metric">The series name (already prefixed and expanded, e.g. <c>orders.count</c>).</param>
    /// <param name="tags">The series' tags (already merged).</param>
    /// <param name="timestamp">When the value was observed.</param>
    /// <param name="value">The value.</param>
    public DataPoint(string metric, Tags tags, DateTimeOffset timestamp, double value)
    {
        Metric = metric ?? throw new ArgumentNullException(nameof(metric));
        Tags = tags ?? throw new ArgumentNullException(nameof(tags));
        Timestamp = timestamp;
        Value = value;
    }

    /// <summary>Creates a value point with a timestamp in whole epoch seconds.</summary>
    public DataPoint(string metric, Tags tags, long epochSeconds, double value)
        : this(metric, tags, DateTimeOffset.FromUnixTimeSeconds(epochSeconds), value)
    {
    }

    /// <summary>The series name.</summary>
    public string Metric { get; init; }

    /// <summary>The series' tags.</summary>
    public Tags Tags { get; init; }

    /// <summary>When the value was observed.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>The value (for distributions: the number of values).</summary>
    public double Value { get; init; }

    /// <summary>What the point stands for. Default <see cref="PointKind.Value"/>.</summary>
    public PointKind Kind { get; init; }

    /// <summary>For <see cref="PointKind.Distribution"/>: the centroids; otherwise null.</summary>
    public IReadOnlyList<Centroid>? Centroids { get; init; }

    /// <summary>The timestamp in whole epoch seconds.</summary>
    public long EpochSeconds => Timestamp.ToUnixTimeSeconds();
}
