namespace Metrics.Histograms;

/// <summary>A Dropwizard-style sample of a histogram's values. Implementations are thread-safe.</summary>
internal interface IReservoir
{
    /// <summary>Adds a value (finite and not negative; the histogram filters the rest).</summary>
    void Update(double value);

    /// <summary>The current sample; <paramref name="rejected"/> is carried into the snapshot as is.</summary>
    HistogramSnapshot GetSnapshot(long rejected);

    /// <summary>
    /// The values of the current sample that were recorded after the first <paramref name="seen"/> values the reservoir
    /// was given (none when no value was recorded since); <paramref name="rejected"/> is carried into the snapshot as is.
    /// </summary>
    /// <param name="seen">How many values the reservoir had been given at the caller's previous window.</param>
    /// <param name="rejected">The window's rejected values.</param>
    /// <param name="recorded">How many values the reservoir has been given, to pass as <paramref name="seen"/> next time.</param>
    HistogramSnapshot GetWindow(long seen, long rejected, out long recorded);
}
