namespace Metrics.Histograms;

/// <summary>Turns HDR bucket counts (a lifetime total or a per-reader difference) into a <see cref="HistogramSnapshot"/>.</summary>
internal static class HdrSnapshotBuilder
{
    /// <summary>
    /// Builds a snapshot from <paramref name="buckets"/> (ascending, non-empty buckets only).
    /// <paramref name="lowerBound"/> and <paramref name="upperBound"/> are the exact min and max when known, otherwise
    /// bounds that the buckets' own ranges are narrowed to.
    /// </summary>
    public static HistogramSnapshot Build(
        HistogramBucket[] buckets,
        long count,
        double sum,
        double lowerBound,
        double upperBound,
        long clamped,
        long rejected)
    {
        if (count == 0)
        {
            return new HistogramSnapshot(null) { Clamped = clamped, Rejected = rejected };
        }

        // StdDev comes from the buckets (each value taken as its bucket's representative value), which keeps it
        // defined for per-reader windows too; the error is within the histogram's relative error.
        double bucketMean = 0;
        foreach (var b in buckets)
        {
            bucketMean += b.Value * b.Count;
        }

        bucketMean /= count;
        double squares = 0;
        foreach (var b in buckets)
        {
            var d = b.Value - bucketMean;
            squares += d * d * b.Count;
        }

        var stdDev = count > 1 ? Math.Sqrt(squares / (count - 1)) : 0;
        return new HistogramSnapshot(null)
        {
            Count = count,
            Sum = sum,
            Mean = sum / count,
            Min = lowerBound,
            Max = Math.Max(lowerBound, upperBound),
            StdDev = stdDev,
            Clamped = clamped,
            Rejected = rejected,
            Buckets = buckets,
        };
    }
}
