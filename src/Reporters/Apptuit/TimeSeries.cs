namespace Metrics.Reporters;

/// <summary>
/// A series (a name and tags) with its points, for <see cref="ApptuitClient.SendTimeSeriesAsync"/> (the name and
/// tags are checked once for all points) and as returned by <see cref="ApptuitClient.QueryAsync"/>.
/// </summary>
/// <remarks>Not thread-safe while points are added.</remarks>
public sealed class TimeSeries
{
    private readonly List<long> _timestamps = new();
    private readonly List<double> _values = new();

    /// <summary>Creates an empty series.</summary>
    /// <param name="name">The metric name.</param>
    /// <param name="tags">The series' tags (null for none).</param>
    public TimeSeries(string name, Tags? tags = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Tags = tags ?? Tags.Empty;
    }

    /// <summary>The metric name.</summary>
    public string Name { get; }

    /// <summary>The series' tags.</summary>
    public Tags Tags { get; }

    /// <summary>The points' timestamps in epoch seconds, in the order added.</summary>
    public IReadOnlyList<long> Timestamps => _timestamps;

    /// <summary>The points' values, parallel to <see cref="Timestamps"/>.</summary>
    public IReadOnlyList<double> Values => _values;

    /// <summary>The number of points.</summary>
    public int Count => _timestamps.Count;

    /// <summary>Adds a point at <paramref name="timestamp"/> (whole seconds are kept).</summary>
    public TimeSeries AddPoint(DateTimeOffset timestamp, double value) => AddPoint(timestamp.ToUnixTimeSeconds(), value);

    /// <summary>Adds a point at <paramref name="epochSeconds"/>.</summary>
    public TimeSeries AddPoint(long epochSeconds, double value)
    {
        _timestamps.Add(epochSeconds);
        _values.Add(value);
        return this;
    }

    /// <summary>The encoded series name, <c>name{"k": "v"}</c>, and the number of points.</summary>
    public override string ToString() => $"{MetricName.Encode(Name, Tags)} ({Count} points)";
}
