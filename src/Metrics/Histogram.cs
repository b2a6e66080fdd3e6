namespace Metrics;

/// <summary>
/// A distribution of values. By default an HDR-style log-linear histogram: fixed memory, every value counted,
/// quantiles within the configured relative error; Dropwizard reservoirs are available through <see cref="HistogramOptions"/>.
/// </summary>
/// <remarks>Thread-safe. <see cref="Update(long)"/> takes no lock and allocates nothing. Negative values are
/// ignored and counted in <see cref="HistogramSnapshot.Rejected"/>; values above the highest trackable value are
/// recorded as that value and counted in <see cref="HistogramSnapshot.Clamped"/>.</remarks>
public sealed class Histogram
{
    internal Histogram(HistogramOptions options, TimeProvider time)
    {
        _ = options;
        _ = time;
    }

    /// <summary>Values recorded so far.</summary>
    public long Count => throw new NotImplementedException();

    /// <summary>Records a value.</summary>
    public void Update(long value) => throw new NotImplementedException();

    /// <summary>Records a value; it is rounded to the nearest integer for bucketing, while Sum, Min, Max and Mean keep it exactly.</summary>
    public void Update(double value) => throw new NotImplementedException();

    /// <summary>A snapshot of every value recorded (HDR) or of the reservoir's current sample.</summary>
    public HistogramSnapshot GetSnapshot() => throw new NotImplementedException();
}
