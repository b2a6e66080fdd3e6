namespace Metrics;

/// <summary>How a histogram (or a timer's duration histogram) keeps its values.</summary>
public enum ReservoirType
{
    /// <summary>
    /// An HDR-style log-linear histogram: every value counted in fixed memory with a bounded relative error.
    /// Gives lifetime statistics and a window per reader. The default.
    /// </summary>
    Hdr,

    /// <summary>Dropwizard's forward-decaying sample (1028 samples, alpha 0.015), biased to the last ~5 minutes.</summary>
    ExponentiallyDecaying,

    /// <summary>Every value of the last <see cref="HistogramOptions.Window"/>.</summary>
    SlidingTimeWindow,

    /// <summary>The last <see cref="HistogramOptions.SampleSize"/> values.</summary>
    SlidingWindow,

    /// <summary>A uniform random sample (Vitter's algorithm R) of <see cref="HistogramOptions.SampleSize"/> values over the lifetime.</summary>
    Uniform,
}

/// <summary>Settings of a histogram or timer.</summary>
public sealed class HistogramOptions
{
    /// <summary>The reservoir. Default <see cref="ReservoirType.Hdr"/>.</summary>
    public ReservoirType Reservoir { get; set; } = ReservoirType.Hdr;

    /// <summary>HDR: significant decimal digits kept for each value (1 to 5). Default 2 (relative error at most 1 %).</summary>
    public int SignificantDigits { get; set; } = 2;

    /// <summary>
    /// HDR: the largest value tracked exactly; larger values are recorded as this value and counted in
    /// <see cref="HistogramSnapshot.Clamped"/>. Default 3,600,000,000,000 (one hour in nanoseconds).
    /// </summary>
    public long HighestTrackableValue { get; set; } = 3_600_000_000_000;

    /// <summary>Sample-based reservoirs: the number of samples. Default 1028.</summary>
    public int SampleSize { get; set; } = 1028;

    /// <summary>Exponentially decaying reservoir: the decay factor. Default 0.015.</summary>
    public double Alpha { get; set; } = 0.015;

    /// <summary>Sliding time window reservoir: the window. Default one minute.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A copy of these settings.</summary>
    internal HistogramOptions Clone() => (HistogramOptions)MemberwiseClone();
}
