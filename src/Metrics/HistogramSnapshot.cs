namespace Metrics;

/// <summary>One bucket of a histogram snapshot: a representative value and how many values it stands for.</summary>
/// <param name="Value">The bucket's representative value (HDR: the middle of the bucket's range; reservoirs: the sample).</param>
/// <param name="Count">How many values fell in the bucket.</param>
public readonly record struct HistogramBucket(double Value, long Count);

/// <summary>
/// An immutable view of a histogram's values at one moment: count, min, max, mean, standard deviation,
/// sum and quantiles.
/// </summary>
public sealed class HistogramSnapshot
{
    /// <summary>A snapshot with no values.</summary>
    public static HistogramSnapshot Empty { get; } = new();

    private HistogramSnapshot()
    {
        Buckets = Array.Empty<HistogramBucket>();
    }

    /// <summary>Number of values.</summary>
    public long Count { get; init; }

    /// <summary>Smallest value (0 when empty).</summary>
    public double Min { get; init; }

    /// <summary>Largest value (0 when empty).</summary>
    public double Max { get; init; }

    /// <summary>Arithmetic mean (0 when empty).</summary>
    public double Mean { get; init; }

    /// <summary>Standard deviation (0 when fewer than two values).</summary>
    public double StdDev { get; init; }

    /// <summary>Sum of the values.</summary>
    public double Sum { get; init; }

    /// <summary>Values above the highest trackable value, recorded as that value.</summary>
    public long Clamped { get; init; }

    /// <summary>Values rejected because they were negative or not finite.</summary>
    public long Rejected { get; init; }

    /// <summary>The values as buckets in ascending order of value; usable as distribution centroids.</summary>
    public IReadOnlyList<HistogramBucket> Buckets { get; init; }

    /// <summary>The median.</summary>
    public double Median => GetValue(0.5);

    /// <summary>The value at <paramref name="quantile"/> (0 to 1). Returns 0 when empty.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The quantile is outside [0, 1] or not a number.</exception>
    public double GetValue(double quantile) => throw new NotImplementedException();
}
