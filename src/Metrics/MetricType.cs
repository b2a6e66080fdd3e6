namespace Metrics;

/// <summary>The kind of a metric.</summary>
public enum MetricType
{
    /// <summary>A count that goes up and down (<see cref="Metrics.Counter"/>).</summary>
    Counter,

    /// <summary>An instantaneous value (<see cref="Metrics.Gauge"/> or <see cref="Metrics.SettableGauge"/>).</summary>
    Gauge,

    /// <summary>A rate of events (<see cref="Metrics.Meter"/>).</summary>
    Meter,

    /// <summary>A distribution of values (<see cref="Metrics.Histogram"/>).</summary>
    Histogram,

    /// <summary>A rate and a distribution of durations (<see cref="Metrics.Timer"/>).</summary>
    Timer,
}
