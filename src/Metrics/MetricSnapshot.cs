namespace Metrics;

/// <summary>One series as a reader saw it at one moment.</summary>
public sealed class MetricSnapshot
{
    /// <summary>Metric name (without tags).</summary>
    public required string Name { get; init; }

    /// <summary>The series' own tags (global tags are not merged in).</summary>
    public required Tags Tags { get; init; }

    /// <summary>The metric type.</summary>
    public required MetricType Type { get; init; }

    private DateTimeOffset _timestamp;
    private double _value;

    /// <summary>When the snapshot was taken (registry clock).</summary>
    public required DateTimeOffset Timestamp { get => _timestamp; init => _timestamp = value; }

    /// <summary>Counter: the count. Meter, histogram, timer: events recorded over the lifetime. Gauge: 0.</summary>
    public long Count { get; init; }

    /// <summary>Change of <see cref="Count"/> since this reader's previous read (the full count on the first read).</summary>
    public long Delta { get; init; }

    /// <summary>Gauge: its value (<see cref="double.NaN"/> when its callback failed). Others: 0.</summary>
    public double Value { get => _value; init => _value = value; }

    /// <summary>Meter and timer: mean rate per second.</summary>
    public double MeanRate { get; init; }

    /// <summary>Meter and timer: one-minute rate per second.</summary>
    public double OneMinuteRate { get; init; }

    /// <summary>Meter and timer: five-minute rate per second.</summary>
    public double FiveMinuteRate { get; init; }

    /// <summary>Meter and timer: fifteen-minute rate per second.</summary>
    public double FifteenMinuteRate { get; init; }

    /// <summary>
    /// Histogram and timer (durations in nanoseconds): every value recorded (HDR), or the reservoir's sample with the
    /// sum of every value recorded.
    /// </summary>
    public HistogramSnapshot? Histogram { get; init; }

    /// <summary>
    /// Histogram and timer: the values recorded since this reader's previous read (HDR); for sample-based reservoirs,
    /// those of them the reservoir's sample still holds (every one for a sliding window up to its size or a sliding
    /// time window within its time; a uniform or decaying sample keeps a random few of them), so no value is in two
    /// windows of one reader.
    /// </summary>
    public HistogramSnapshot? Window { get; init; }

    /// <summary>
    /// The reading cursor of the series this snapshot came from (null when not read by a <see cref="MetricsReader"/>),
    /// where the reader's consumer may keep per-series state for as long as the series exists.
    /// </summary>
    internal MetricsReader.Cursor? Cursor { get; set; }

    /// <summary>Gauge snapshots reused by <see cref="MetricsReader.ReadReusing"/>: the new time and value.</summary>
    internal void Overwrite(DateTimeOffset timestamp, double value)
    {
        _timestamp = timestamp;
        _value = value;
    }
}
