namespace Metrics.Reporters;

/// <summary>The aggregation interval of a Wavefront distribution: the server merges the centroids it receives per interval.</summary>
public enum HistogramGranularity
{
    /// <summary>Per minute (<c>!M</c>).</summary>
    Minute,

    /// <summary>Per hour (<c>!H</c>).</summary>
    Hour,

    /// <summary>Per day (<c>!D</c>).</summary>
    Day,
}
