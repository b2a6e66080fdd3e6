namespace Metrics.Reporters;

/// <summary>How Apptuit metric names and tag keys are made valid before sending. Tag values are never changed.</summary>
public enum ApptuitSanitizeMode
{
    /// <summary>
    /// Prometheus-compatible names (the default): every character outside <c>[A-Za-z0-9_]</c> becomes <c>_</c>, runs of
    /// <c>_</c> collapse into one, and a leading ASCII digit gets a <c>_</c> prefix
    /// (<c>node.load_avg.1m</c> becomes <c>node_load_avg_1m</c>, <c>1m_rate</c> becomes <c>_1m_rate</c>).
    /// </summary>
    Prometheus = 0,

    /// <summary>
    /// Apptuit names: every character that is not <c>-</c>, <c>.</c>, <c>/</c>, <c>_</c>, a letter or a number (Unicode
    /// letters and numbers count, such as <c>é</c>, <c>日</c>, <c>٣</c> and <c>²</c>, as in apptuit-py) becomes <c>_</c>,
    /// and runs of <c>_</c> collapse into one.
    /// </summary>
    Apptuit = 1,

    /// <summary>No change: names and tag keys must already be valid (<c>-</c>, <c>.</c>, <c>/</c>, <c>_</c>, letters, numbers), else the point is rejected with an error naming the bad character.</summary>
    None = 2,
}
