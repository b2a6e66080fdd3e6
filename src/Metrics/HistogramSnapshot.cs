using Metrics.Histograms;

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
    public static HistogramSnapshot Empty { get; } = new(null);

    private readonly IQuantileSource? _quantiles;

    // The sum of the buckets' counts, worked out on the first bucket quantile (-1 until then).
    private long _bucketTotal = -1;

    /// <summary>
    /// A snapshot whose quantiles come from <paramref name="quantiles"/>, or, when null, from <see cref="Buckets"/>
    /// (nearest rank: the bucket holding the value of rank ⌈q · Count⌉, kept within [Min, Max]).
    /// </summary>
    internal HistogramSnapshot(IQuantileSource? quantiles)
    {
        _quantiles = quantiles;
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

    /// <summary>
    /// Standard deviation (0 when fewer than two values). HDR: the sample standard deviation of the bucket values
    /// (each value taken as its bucket's representative value, so within the relative error). Sliding and uniform
    /// reservoirs: the sample standard deviation of the samples. Exponentially decaying: the weighted standard deviation.
    /// </summary>
    public double StdDev { get; init; }

    /// <summary>
    /// Sum of the values. HDR: exact; while values are being recorded, the sum is read after the buckets, so it can
    /// take in values that <see cref="Count"/> takes in only at the next read (the windows of consecutive reads add up
    /// exactly). Sample-based reservoirs: as pyformance's sum, the sum of every value the histogram recorded, not only
    /// of the sample that the other statistics describe, so that it agrees with the histogram's lifetime count (a
    /// reporter's <c>count</c> and <c>sum</c>, a summary's <c>_count</c> and <c>_sum</c>) and never decreases.
    /// </summary>
    public double Sum { get; init; }

    /// <summary>Values above the highest trackable value, recorded as that value.</summary>
    public long Clamped { get; init; }

    /// <summary>Values rejected because they were negative or not finite.</summary>
    public long Rejected { get; init; }

    /// <summary>The values as buckets in ascending order of value; usable as distribution centroids.</summary>
    public IReadOnlyList<HistogramBucket> Buckets { get; init; }

    /// <summary>This snapshot with <see cref="Sum"/> replaced by <paramref name="sum"/> (a reservoir's lifetime sum).</summary>
    internal HistogramSnapshot WithSum(double sum) => new(_quantiles)
    {
        Count = Count,
        Min = Min,
        Max = Max,
        Mean = Mean,
        StdDev = StdDev,
        Sum = sum,
        Clamped = Clamped,
        Rejected = Rejected,
        Buckets = Buckets,
    };

    /// <summary>The median.</summary>
    public double Median => GetValue(0.5);

    /// <summary>The value at <paramref name="quantile"/> (0 to 1). Returns 0 when empty.</summary>
    /// <remarks>
    /// HDR: the representative value of the bucket holding the value of rank ⌈q · Count⌉, within the configured
    /// relative error of that value or half a unit of <see cref="HistogramOptions.Resolution"/>, whichever is larger;
    /// 0 gives <see cref="Min"/> and 1 gives <see cref="Max"/>. Sliding and uniform
    /// reservoirs: interpolated between the samples nearest position q · (n + 1). Exponentially decaying: the first
    /// sample whose cumulative normalized weight reaches q (Dropwizard's weighted snapshot).
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The quantile is outside [0, 1] or not a number.</exception>
    public double GetValue(double quantile)
    {
        if (double.IsNaN(quantile) || quantile < 0 || quantile > 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(quantile),
                quantile,
                "A quantile must be a number from 0 to 1, e.g. 0.99 for the 99th percentile.");
        }

        if (Count == 0)
        {
            return 0;
        }

        return _quantiles?.GetValue(quantile) ?? GetValueFromBuckets(quantile);
    }

    /// <summary>
    /// <see cref="GetValue"/> of each of <paramref name="quantiles"/> (each already known to be from 0 to 1), into
    /// <paramref name="values"/>: an HDR snapshot finds quantiles listed in ascending order in one walk over its counts.
    /// </summary>
    internal void GetValues(ReadOnlySpan<double> quantiles, Span<double> values)
    {
        if (Count == 0)
        {
            values[..quantiles.Length].Clear();
        }
        else if (_quantiles is HdrCounts counts)
        {
            counts.GetValues(quantiles, values);
        }
        else
        {
            for (var i = 0; i < quantiles.Length; i++)
            {
                values[i] = GetValue(quantiles[i]);
            }
        }
    }

    private double GetValueFromBuckets(double quantile)
    {
        var buckets = Buckets;
        if (buckets.Count == 0)
        {
            return 0;
        }

        var total = _bucketTotal;
        if (total < 0)
        {
            total = 0;
            for (var i = 0; i < buckets.Count; i++)
            {
                total += buckets[i].Count;
            }

            _bucketTotal = total;
        }

        var rank = NearestRank(quantile, total);
        if (rank == 1)
        {
            return Min;
        }

        if (rank >= total)
        {
            return Max;
        }

        var value = Find(buckets as HistogramBucket[] ?? [.. buckets], rank, total);
        return Math.Clamp(value, Min, Math.Max(Min, Max));
    }

    /// <summary>The nearest rank of <paramref name="quantile"/> among <paramref name="total"/> values: ⌈q · total⌉, at least 1.</summary>
    internal static long NearestRank(double quantile, long total) =>
        // Stepping q down one ulp keeps q · n from landing just above an integer (0.99 · 100 = 99.00000000000001).
        Math.Max(1, (long)Math.Ceiling(Math.BitDecrement(quantile) * total));

    // The value of the first bucket whose cumulative count reaches `rank`. High ranks (the percentiles reporters ask
    // for) are found from the top, low ones from the bottom, so either walks the shorter side.
    private static double Find(ReadOnlySpan<HistogramBucket> buckets, long rank, long total)
    {
        if (rank > total / 2)
        {
            long above = 0;
            for (var i = buckets.Length - 1; i > 0; i--)
            {
                var bucket = buckets[i];
                if (total - above - bucket.Count < rank)
                {
                    return bucket.Value;
                }

                above += bucket.Count;
            }

            return buckets[0].Value;
        }

        long seen = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            seen += buckets[i].Count;
            if (seen >= rank)
            {
                return buckets[i].Value;
            }
        }

        return buckets[^1].Value;
    }
}
