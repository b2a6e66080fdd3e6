namespace Metrics.Registry;

/// <summary>One series held by a registry: its identity and its metric.</summary>
internal sealed class Series
{
    public Series(MetricId id, object metric)
    {
        Id = id;
        Metric = metric;
        Type = metric switch
        {
            Counter => MetricType.Counter,
            Meter => MetricType.Meter,
            Histogram => MetricType.Histogram,
            Timer => MetricType.Timer,
            Gauge or SettableGauge => MetricType.Gauge,
            _ => throw new ArgumentException($"{metric.GetType().Name} is not a metric type.", nameof(metric)),
        };
    }

    public MetricId Id { get; }

    public object Metric { get; }

    public MetricType Type { get; }

    /// <summary>
    /// The encoded names remembered as resolving to this series, so removing it forgets exactly those. Read and
    /// written only under the series table's write lock.
    /// </summary>
    public List<string>? EncodedNames { get; set; }

    /// <summary>The metric's class name, for error messages (<c>Counter</c>, <c>SettableGauge</c>, ...).</summary>
    public string TypeName => Metric.GetType().Name;
}
