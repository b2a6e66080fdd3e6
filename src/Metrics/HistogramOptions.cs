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

    /// <summary>
    /// HDR: the finest difference between values that buckets tell apart; values are bucketed in units of Resolution
    /// rounded down to a power of two (e.g. 0.001 for seconds to the millisecond: units of 1/1024). From 2^-40 to 1;
    /// default 1 (whole numbers).
    /// </summary>
    /// <remarks>
    /// <para>Set it below 1 for fractional values (seconds, ratios): at the default a value is bucketed as the nearest
    /// whole number, so the quantiles of values below a few hundred lose their precision. Quantiles and the standard
    /// deviation are within the relative error of <see cref="SignificantDigits"/> or half a unit, whichever is
    /// larger; Sum, Min, Max and Mean stay exact, and every value a snapshot gives is in the units recorded.</para>
    /// <para><see cref="HighestTrackableValue"/> stays in the units recorded, but in units of the resolution it must fit
    /// a long: HighestTrackableValue · 2^k ≤ 2^63 - 1, where 2^-k is the unit (at the default HighestTrackableValue,
    /// Resolution down to 2^-21, about 0.5 · 10^-6). A histogram with a Resolution below 1 records through a slower
    /// path than the default's (a call and a multiplication more per value).</para>
    /// <para>Timers ignore it: they record whole nanoseconds.</para>
    /// </remarks>
    public double Resolution { get; set; } = 1;

    /// <summary>Sample-based reservoirs: the number of samples. Default 1028.</summary>
    public int SampleSize { get; set; } = 1028;

    /// <summary>Exponentially decaying reservoir: the decay factor. Default 0.015.</summary>
    public double Alpha { get; set; } = 0.015;

    /// <summary>Sliding time window reservoir: the window. Default one minute.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A copy of these settings.</summary>
    internal HistogramOptions Clone() => (HistogramOptions)MemberwiseClone();
}
