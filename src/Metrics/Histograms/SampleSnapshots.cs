namespace Metrics.Histograms;

/// <summary>Snapshots of reservoir samples, computed the way Dropwizard's UniformSnapshot and WeightedSnapshot do.</summary>
internal static class SampleSnapshots
{
    /// <summary>
    /// A snapshot of equally weighted samples: mean, sample standard deviation (n - 1), and quantiles interpolated
    /// between the two nearest samples at position q * (n + 1).
    /// </summary>
    public static HistogramSnapshot Uniform(double[] values, long rejected)
    {
        if (values.Length == 0)
        {
            return new HistogramSnapshot(null) { Rejected = rejected };
        }

        Array.Sort(values);
        double sum = 0;
        foreach (var v in values)
        {
            sum += v;
        }

        var mean = sum / values.Length;
        double squares = 0;
        foreach (var v in values)
        {
            squares += (v - mean) * (v - mean);
        }

        return new HistogramSnapshot(new InterpolatedQuantiles(values))
        {
            Count = values.Length,
            Sum = sum,
            Mean = mean,
            Min = values[0],
            Max = values[^1],
            StdDev = values.Length > 1 ? Math.Sqrt(squares / (values.Length - 1)) : 0,
            Rejected = rejected,
            Buckets = Group(values),
        };
    }

    /// <summary>
    /// A snapshot of weighted samples: weights are normalized to sum to 1; mean and (population) standard deviation
    /// are weighted, and the value at q is the first sample whose cumulative normalized weight reaches q.
    /// <see cref="HistogramSnapshot.Sum"/> is the plain sum of the sampled values.
    /// </summary>
    public static HistogramSnapshot Weighted(double[] values, double[] weights, long rejected)
    {
        if (values.Length == 0)
        {
            return new HistogramSnapshot(null) { Rejected = rejected };
        }

        Array.Sort(values, weights);
        double totalWeight = 0;
        double sum = 0;
        for (var i = 0; i < values.Length; i++)
        {
            totalWeight += weights[i];
            sum += values[i];
        }

        var normalized = new double[values.Length];
        var cumulative = new double[values.Length];
        double mean = 0;
        for (var i = 0; i < values.Length; i++)
        {
            normalized[i] = totalWeight > 0 ? weights[i] / totalWeight : 0;
            mean += values[i] * normalized[i];
            if (i > 0)
            {
                cumulative[i] = cumulative[i - 1] + normalized[i - 1];
            }
        }

        double variance = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var d = values[i] - mean;
            variance += normalized[i] * d * d;
        }

        return new HistogramSnapshot(new WeightedQuantiles(values, cumulative))
        {
            Count = values.Length,
            Sum = sum,
            Mean = mean,
            Min = values[0],
            Max = values[^1],
            StdDev = values.Length > 1 ? Math.Sqrt(variance) : 0,
            Rejected = rejected,
            Buckets = Group(values),
        };
    }

    private static HistogramBucket[] Group(double[] sorted)
    {
        var buckets = new List<HistogramBucket>();
        var i = 0;
        while (i < sorted.Length)
        {
            var j = i + 1;
            while (j < sorted.Length && sorted[j].Equals(sorted[i]))
            {
                j++;
            }

            buckets.Add(new HistogramBucket(sorted[i], j - i));
            i = j;
        }

        return buckets.ToArray();
    }

    private sealed class InterpolatedQuantiles(double[] sorted) : IQuantileSource
    {
        public double GetValue(double quantile)
        {
            var pos = quantile * (sorted.Length + 1);
            var index = (int)pos;
            if (index < 1)
            {
                return sorted[0];
            }

            if (index >= sorted.Length)
            {
                return sorted[^1];
            }

            var lower = sorted[index - 1];
            var upper = sorted[index];
            return lower + ((pos - Math.Floor(pos)) * (upper - lower));
        }
    }

    private sealed class WeightedQuantiles(double[] sorted, double[] cumulative) : IQuantileSource
    {
        public double GetValue(double quantile)
        {
            var pos = Array.BinarySearch(cumulative, quantile);
            if (pos < 0)
            {
                pos = ~pos - 1;
            }

            if (pos < 1)
            {
                return sorted[0];
            }

            return pos >= sorted.Length ? sorted[^1] : sorted[pos];
        }
    }
}
