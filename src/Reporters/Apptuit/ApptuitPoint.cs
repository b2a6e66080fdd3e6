using Metrics.Reporters.Formatting;

namespace Metrics.Reporters.Apptuit;

/// <summary>One point as it goes on the wire: name and tag keys sanitized, tags merged and checked.</summary>
internal readonly record struct ApptuitPoint(string Metric, Tags Tags, long Timestamp, double Value)
{
    /// <summary>The point as Apptuit's error replies show it, for messages: <c>name{k=v, ...} timestamp value</c>.</summary>
    public override string ToString() =>
        FormattableString.Invariant($"{Metric}{Tags} {Timestamp} {(double.IsFinite(Value) ? PythonFloat.Format(Value) : Value.ToString(System.Globalization.CultureInfo.InvariantCulture))}");
}
