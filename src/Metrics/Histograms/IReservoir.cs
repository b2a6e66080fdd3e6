namespace Metrics.Histograms;

/// <summary>A Dropwizard-style sample of a histogram's values. Implementations are thread-safe.</summary>
internal interface IReservoir
{
    /// <summary>Adds a value (finite and not negative; the histogram filters the rest).</summary>
    void Update(double value);

    /// <summary>The current sample; <paramref name="rejected"/> is carried into the snapshot as is.</summary>
    HistogramSnapshot GetSnapshot(long rejected);
}
