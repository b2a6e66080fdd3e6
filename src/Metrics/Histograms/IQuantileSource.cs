namespace Metrics.Histograms;

/// <summary>
/// How a snapshot answers <see cref="HistogramSnapshot.GetValue"/> when not from a bucket list: sample-based snapshots,
/// and HDR lifetime snapshots (<see cref="HdrCounts"/>, which walk block totals instead).
/// </summary>
internal interface IQuantileSource
{
    /// <summary>The value at <paramref name="quantile"/> (already checked to be in [0, 1]) of a non-empty snapshot.</summary>
    double GetValue(double quantile);
}
