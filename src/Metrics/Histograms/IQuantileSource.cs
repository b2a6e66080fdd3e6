namespace Metrics.Histograms;

/// <summary>How a sample-based snapshot answers <see cref="HistogramSnapshot.GetValue"/> (HDR snapshots use their buckets).</summary>
internal interface IQuantileSource
{
    /// <summary>The value at <paramref name="quantile"/> (already checked to be in [0, 1]) of a non-empty snapshot.</summary>
    double GetValue(double quantile);
}
