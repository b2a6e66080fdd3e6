namespace Metrics;

/// <summary>
/// Holds every metric of an application. Get-or-add: the same name and tags return the same instance; the same
/// name and tags asked for as another metric type throw an <see cref="ArgumentException"/> naming both types.
/// Names may carry encoded tags (<c>orders{"region": "eu"}</c> is the series <c>orders</c> + region=eu).
/// </summary>
/// <remarks>Thread-safe. Looking a series up allocates nothing once it exists; cache handles on hot paths anyway.</remarks>
public sealed class MetricsRegistry
{
    /// <summary>Creates a registry with default options.</summary>
    public MetricsRegistry()
        : this(new MetricsOptions())
    {
    }

    /// <summary>Creates a registry with <paramref name="options"/>.</summary>
    public MetricsRegistry(MetricsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
    }

    /// <summary>The options this registry was created with.</summary>
    public MetricsOptions Options { get; }

    /// <summary>The clock used by every metric of this registry.</summary>
    public TimeProvider TimeProvider => Options.TimeProvider;

    /// <summary>Tags merged into every series at report time.</summary>
    public Tags GlobalTags => Options.GlobalTags;

    /// <summary>Number of series held.</summary>
    public int SeriesCount => throw new NotImplementedException();

    /// <summary>Gets or adds a counter.</summary>
    public Counter Counter(string name) => throw new NotImplementedException();

    /// <summary>Gets or adds a tagged counter.</summary>
    public Counter Counter(string name, Tags tags) => throw new NotImplementedException();

    /// <summary>Gets or adds a tagged counter from tags passed on each call; allocates nothing when the series exists.</summary>
    public Counter Counter(string name, params ReadOnlySpan<(string Key, string Value)> tags) => throw new NotImplementedException();

    /// <summary>Gets or adds a meter.</summary>
    public Meter Meter(string name) => throw new NotImplementedException();

    /// <summary>Gets or adds a tagged meter.</summary>
    public Meter Meter(string name, Tags tags) => throw new NotImplementedException();

    /// <summary>Gets or adds a histogram (with <see cref="MetricsOptions.DefaultHistogram"/> unless <paramref name="options"/> is given; options apply only on creation).</summary>
    public Histogram Histogram(string name, HistogramOptions? options = null) => throw new NotImplementedException();

    /// <summary>Gets or adds a tagged histogram.</summary>
    public Histogram Histogram(string name, Tags tags, HistogramOptions? options = null) => throw new NotImplementedException();

    /// <summary>Gets or adds a timer.</summary>
    public Timer Timer(string name, HistogramOptions? options = null) => throw new NotImplementedException();

    /// <summary>Gets or adds a tagged timer.</summary>
    public Timer Timer(string name, Tags tags, HistogramOptions? options = null) => throw new NotImplementedException();

    /// <summary>Gets or adds a callback gauge. When it exists, the existing gauge (and its callback) is returned.</summary>
    public Gauge Gauge(string name, Func<double> read) => throw new NotImplementedException();

    /// <summary>Gets or adds a tagged callback gauge.</summary>
    public Gauge Gauge(string name, Tags tags, Func<double> read) => throw new NotImplementedException();

    /// <summary>Gets or adds a settable gauge.</summary>
    public SettableGauge SettableGauge(string name) => throw new NotImplementedException();

    /// <summary>Gets or adds a tagged settable gauge.</summary>
    public SettableGauge SettableGauge(string name, Tags tags) => throw new NotImplementedException();

    /// <summary>Removes the series <paramref name="name"/> + <paramref name="tags"/>. Returns whether it existed.</summary>
    public bool Remove(string name, Tags? tags = null) => throw new NotImplementedException();

    /// <summary>Removes every series for which <paramref name="predicate"/> is true. Returns how many were removed.</summary>
    public int RemoveWhere(Func<MetricId, MetricType, bool> predicate) => throw new NotImplementedException();

    /// <summary>How many series of <paramref name="name"/> were folded into its overflow series because of <see cref="MetricsOptions.MaxSeriesPerName"/>.</summary>
    public long GetFoldedSeriesCount(string name) => throw new NotImplementedException();

    /// <summary>
    /// Creates a reader with its own cursor: each <see cref="MetricsReader.Read"/> returns deltas and histogram
    /// windows since that reader's previous read, and never resets what another reader sees.
    /// </summary>
    public MetricsReader CreateReader() => throw new NotImplementedException();
}
