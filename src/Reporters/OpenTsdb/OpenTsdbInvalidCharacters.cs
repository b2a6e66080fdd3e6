namespace Metrics.Reporters;

/// <summary>What an OpenTSDB reporter or client does with characters OpenTSDB does not accept in a metric name, tag key or tag value.</summary>
/// <remarks>
/// OpenTSDB accepts <c>a-z A-Z 0-9 - _ . /</c> and Unicode letters of the Basic Multilingual Plane. Everything else
/// (spaces, <c>=</c>, <c>:</c>, <c>,</c>, quotes, emoji, control characters ...) is invalid.
/// </remarks>
public enum OpenTsdbInvalidCharacters
{
    /// <summary>Each invalid character (a surrogate pair counts as one) is replaced by <c>_</c>: <c>"disk used %"</c> becomes <c>"disk_used__"</c>. The default.</summary>
    Replace,

    /// <summary>A point with an invalid character is not sent; the error handler is told which name and character were wrong.</summary>
    Reject,
}
