namespace Metrics;

/// <summary>Options of a <see cref="MetricsRegistry"/>.</summary>
public sealed class MetricsOptions
{
    /// <summary>The clock used by meters, timers, windows and snapshots. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Tags added to every series at report time. A metric's own tags and a reporter's tags win over these. Default empty.</summary>
    public Tags GlobalTags { get; set; } = Tags.Empty;

    /// <summary>
    /// The most series one metric name may have (default 2000). Further series of that name fold into one
    /// overflow series tagged <c>metrics_overflow=true</c>; <see cref="MetricsRegistry.GetFoldedSeriesCount"/> tells how many were folded.
    /// </summary>
    public int MaxSeriesPerName { get; set; } = 2000;

    /// <summary>The histogram settings used when a histogram or timer is created without its own. Default: HDR, 2 significant digits.</summary>
    public HistogramOptions DefaultHistogram { get; set; } = new();
}
