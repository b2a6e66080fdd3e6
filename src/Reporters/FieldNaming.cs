namespace Metrics.Reporters;

/// <summary>
/// The names of the fields a metric expands into: a meter, histogram or timer becomes several points named
/// <c>name + "." + key</c>. The default is the pyformance key set, so series match what Python users have.
/// </summary>
public sealed class FieldNaming
{
    /// <summary>pyformance's key set (see docs/reporters for the list per type).</summary>
    public static FieldNaming Pyformance { get; } = new();

    /// <summary>Counter value key. Default <c>count</c>.</summary>
    public string Count { get; init; } = "count";

    /// <summary>Gauge value key. Default <c>value</c>.</summary>
    public string Value { get; init; } = "value";

    /// <summary>Sum key (timers). Default <c>sum</c>.</summary>
    public string Sum { get; init; } = "sum";

    /// <summary>Mean key. Default <c>avg</c>.</summary>
    public string Mean { get; init; } = "avg";

    /// <summary>Max key. Default <c>max</c>.</summary>
    public string Max { get; init; } = "max";

    /// <summary>Min key. Default <c>min</c>.</summary>
    public string Min { get; init; } = "min";

    /// <summary>Standard deviation key. Default <c>std_dev</c>.</summary>
    public string StdDev { get; init; } = "std_dev";

    /// <summary>Mean rate key. Default <c>mean_rate</c>.</summary>
    public string MeanRate { get; init; } = "mean_rate";

    /// <summary>One-minute rate key. Default <c>1m_rate</c>.</summary>
    public string OneMinuteRate { get; init; } = "1m_rate";

    /// <summary>Five-minute rate key. Default <c>5m_rate</c>.</summary>
    public string FiveMinuteRate { get; init; } = "5m_rate";

    /// <summary>Fifteen-minute rate key. Default <c>15m_rate</c>.</summary>
    public string FifteenMinuteRate { get; init; } = "15m_rate";

    private readonly double _timerDurationScale = 1e-9;

    // 1 / TimerDurationScale when that is a whole number (1e9 for the default), else 0. 1e-9 has no exact double, so
    // multiplying by it can miss the correctly rounded result by one unit in the last place (6648 ns became
    // 6.6480000000000006E-06 s); dividing by the whole number 1e9 never does.
    private readonly double _timerDurationDivisor = 1e9;

    /// <summary>
    /// Timers record nanoseconds; their duration fields (sum, avg, min, max, std_dev, percentiles) are multiplied
    /// by this factor (divided by its reciprocal when that is a whole number, which rounds exactly). Default 1e-9:
    /// seconds, as pyformance reports them.
    /// </summary>
    public double TimerDurationScale
    {
        get => _timerDurationScale;
        init
        {
            _timerDurationScale = value;
            var reciprocal = 1 / value;
            _timerDurationDivisor = reciprocal > 1 && double.IsFinite(reciprocal) && reciprocal == Math.Round(reciprocal) ? reciprocal : 0;
        }
    }

    /// <summary>A timer's duration in nanoseconds in the reported unit (see <see cref="TimerDurationScale"/>).</summary>
    internal double ScaleDuration(double nanoseconds) =>
        _timerDurationDivisor != 0 ? nanoseconds / _timerDurationDivisor : nanoseconds * _timerDurationScale;

    /// <summary>Histogram percentiles (quantile, key). Default 75, 95, 99 and 99.9 as <c>75_percentile</c> ... <c>999_percentile</c>.</summary>
    /// <exception cref="ArgumentException">A quantile is outside 0 to 1, or a key is null or empty.</exception>
    public IReadOnlyList<(double Quantile, string Key)> HistogramPercentiles
    {
        get;
        init => field = CheckPercentiles(value, nameof(HistogramPercentiles));
    } = [(0.75, "75_percentile"), (0.95, "95_percentile"), (0.99, "99_percentile"), (0.999, "999_percentile")];

    /// <summary>Timer percentiles. Default 50, 75, 95, 99 and 99.9.</summary>
    /// <exception cref="ArgumentException">A quantile is outside 0 to 1, or a key is null or empty.</exception>
    public IReadOnlyList<(double Quantile, string Key)> TimerPercentiles
    {
        get;
        init => field = CheckPercentiles(value, nameof(TimerPercentiles));
    } = [(0.5, "50_percentile"), (0.75, "75_percentile"), (0.95, "95_percentile"), (0.99, "99_percentile"), (0.999, "999_percentile")];

    // A copy of the list, so that a caller changing theirs later cannot put a bad quantile into a reporter's expansion.
    private static (double Quantile, string Key)[] CheckPercentiles(IReadOnlyList<(double Quantile, string Key)> percentiles, string name)
    {
        ArgumentNullException.ThrowIfNull(percentiles, name);
        var copy = percentiles.ToArray();
        foreach (var (quantile, key) in copy)
        {
            var shown = quantile.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (double.IsNaN(quantile) || quantile < 0 || quantile > 1)
            {
                throw new ArgumentException($"{name}: the quantile {shown} (key '{key}') is outside 0 to 1; write the 99th percentile as 0.99.", name);
            }

            if (string.IsNullOrEmpty(key))
            {
                throw new ArgumentException($"{name}: the quantile {shown} has no key; give each percentile the name its points get, e.g. \"99_percentile\".", name);
            }
        }

        return copy;
    }
}
