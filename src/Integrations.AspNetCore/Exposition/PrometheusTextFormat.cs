using System.Globalization;
using System.Text;

namespace Metrics.AspNetCore.Exposition;

/// <summary>
/// Writes snapshots in the Prometheus text exposition format 0.0.4. Names are sanitized to
/// <c>[a-zA-Z_][a-zA-Z0-9_]*</c> (every other character becomes <c>_</c>, runs of <c>_</c> collapse, a leading digit
/// gets a <c>_</c> prefix), and so are label names; label values are escaped. Each family gets one <c># HELP</c> and one
/// <c># TYPE</c> line. Counters are <c>counter</c> families named <c>..._total</c>; gauges are gauges (a gauge whose
/// callback failed is left out); meters are a <c>..._total</c> counter plus <c>..._mean_rate</c>, <c>..._1m_rate</c>,
/// <c>..._5m_rate</c> and <c>..._15m_rate</c> gauges (per second); histograms are summaries with quantile labels plus
/// <c>_sum</c> and <c>_count</c>; timers are summaries named <c>..._seconds</c> in seconds. Global tags become labels
/// (a series' own tags win). Families are sorted by name and series by labels, so the output is deterministic.
/// </summary>
internal static class PrometheusTextFormat
{
    /// <summary>The Content-Type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The quantiles written for summaries.</summary>
    public static readonly double[] Quantiles = { 0.5, 0.75, 0.95, 0.99, 0.999 };

    private const double NanosecondsPerSecond = 1e9;

    /// <summary>Formats <paramref name="snapshots"/> with <paramref name="globalTags"/> as labels.</summary>
    public static string Format(IEnumerable<MetricSnapshot> snapshots, Tags globalTags)
    {
        var families = new Dictionary<string, Family>(StringComparer.Ordinal);
        foreach (var s in snapshots)
        {
            var name = SanitizeName(s.Name);
            var labels = Labels(globalTags.IsEmpty ? s.Tags : globalTags.Merge(s.Tags));
            switch (s.Type)
            {
                case MetricType.Counter:
                    Add(families, Suffix(name, "_total"), "counter", $"Counter {s.Name}", labels, Sample(Suffix(name, "_total"), labels, s.Count));
                    break;
                case MetricType.Gauge when !double.IsNaN(s.Value):
                    Add(families, name, "gauge", $"Gauge {s.Name}", labels, Sample(name, labels, s.Value));
                    break;
                case MetricType.Meter:
                    Add(families, Suffix(name, "_total"), "counter", $"Meter {s.Name}: events", labels, Sample(Suffix(name, "_total"), labels, s.Count));
                    AddRate(families, name, "_mean_rate", $"Meter {s.Name}: mean rate per second", labels, s.MeanRate);
                    AddRate(families, name, "_1m_rate", $"Meter {s.Name}: one-minute rate per second", labels, s.OneMinuteRate);
                    AddRate(families, name, "_5m_rate", $"Meter {s.Name}: five-minute rate per second", labels, s.FiveMinuteRate);
                    AddRate(families, name, "_15m_rate", $"Meter {s.Name}: fifteen-minute rate per second", labels, s.FifteenMinuteRate);
                    break;
                case MetricType.Histogram:
                    Add(families, name, "summary", $"Histogram {s.Name}", labels, Summary(name, labels, s.Histogram ?? HistogramSnapshot.Empty, 1));
                    break;
                case MetricType.Timer:
                    var seconds = Suffix(name, "_seconds");
                    Add(families, seconds, "summary", $"Timer {s.Name}, in seconds", labels, Summary(seconds, labels, s.Histogram ?? HistogramSnapshot.Empty, NanosecondsPerSecond));
                    break;
            }
        }

        var sb = new StringBuilder();
        foreach (var family in families.Values.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            sb.Append("# HELP ").Append(family.Name).Append(' ').Append(EscapeHelp(family.Help)).Append('\n');
            sb.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Type).Append('\n');
            foreach (var series in family.Series.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                sb.Append(series.Value);
            }
        }

        return sb.ToString();
    }

    /// <summary>Sanitizes a metric or label name to <c>[a-zA-Z_][a-zA-Z0-9_]*</c>.</summary>
    public static string SanitizeName(string name)
    {
        var sb = new StringBuilder(name.Length + 1);
        foreach (var c in name)
        {
            var ok = char.IsAsciiLetterOrDigit(c);
            if (ok)
            {
                sb.Append(c);
            }
            else if (sb.Length == 0 || sb[^1] != '_')
            {
                sb.Append('_');
            }
        }

        while (sb.Length > 1 && sb[^1] == '_')
        {
            sb.Length--;
        }

        if (sb.Length == 0)
        {
            return "_";
        }

        if (char.IsAsciiDigit(sb[0]))
        {
            sb.Insert(0, '_');
        }

        return sb.ToString();
    }

    /// <summary>Escapes a label value: backslash, double quote and line feed.</summary>
    public static string EscapeLabelValue(string value)
    {
        if (value.AsSpan().IndexOfAny('\\', '"', '\n') < 0)
        {
            return value;
        }

        return value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    /// <summary>Formats a sample value: shortest round-trip form, <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>.</summary>
    public static string FormatValue(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private static string EscapeHelp(string help) =>
        help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Suffix(string name, string suffix) => name.EndsWith(suffix, StringComparison.Ordinal) ? name : name + suffix;

    // Label pairs sorted by sanitized name; a name that collides after sanitizing keeps its first value.
    private static List<KeyValuePair<string, string>> Labels(Tags tags)
    {
        var list = new List<KeyValuePair<string, string>>(tags.Count);
        foreach (var (key, value) in tags)
        {
            var name = SanitizeName(key);
            if (!list.Exists(p => p.Key == name))
            {
                list.Add(new KeyValuePair<string, string>(name, value));
            }
        }

        list.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return list;
    }

    private static string LabelText(List<KeyValuePair<string, string>> labels, string? extraName = null, string? extraValue = null)
    {
        if (labels.Count == 0 && extraName is null)
        {
            return string.Empty;
        }

        var sb = new StringBuilder("{");
        foreach (var (k, v) in labels)
        {
            // "quantile" is the summary's own label; a tag of that name is renamed rather than clash with it.
            var key = extraName is not null && k == extraName ? "tag_" + k : k;
            sb.Append(key).Append("=\"").Append(EscapeLabelValue(v)).Append("\",");
        }

        if (extraName is not null)
        {
            sb.Append(extraName).Append("=\"").Append(extraValue).Append("\",");
        }

        sb.Length--;
        return sb.Append('}').ToString();
    }

    private static string Sample(string name, List<KeyValuePair<string, string>> labels, double value) =>
        name + LabelText(labels) + " " + FormatValue(value) + "\n";

    private static string Sample(string name, List<KeyValuePair<string, string>> labels, long value) =>
        name + LabelText(labels) + " " + value.ToString(CultureInfo.InvariantCulture) + "\n";

    private static string Summary(string name, List<KeyValuePair<string, string>> labels, HistogramSnapshot h, double scale)
    {
        var sb = new StringBuilder();
        foreach (var q in Quantiles)
        {
            // An empty summary's quantiles are unknown, which Prometheus writes as NaN.
            var v = h.Count == 0 ? double.NaN : h.GetValue(q) / scale;
            sb.Append(name).Append(LabelText(labels, "quantile", q.ToString(CultureInfo.InvariantCulture))).Append(' ').Append(FormatValue(v)).Append('\n');
        }

        var text = LabelText(labels);
        sb.Append(name).Append("_sum").Append(text).Append(' ').Append(FormatValue(h.Sum / scale)).Append('\n');
        sb.Append(name).Append("_count").Append(text).Append(' ').Append(h.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return sb.ToString();
    }

    private static void AddRate(Dictionary<string, Family> families, string name, string suffix, string help, List<KeyValuePair<string, string>> labels, double rate) =>
        Add(families, name + suffix, "gauge", help, labels, Sample(name + suffix, labels, rate));

    private static void Add(Dictionary<string, Family> families, string name, string type, string help, List<KeyValuePair<string, string>> labels, string lines)
    {
        if (!families.TryGetValue(name, out var family))
        {
            family = new Family(name, type, help);
            families.Add(name, family);
        }
        else if (family.Type != type)
        {
            // Two metrics of different types that sanitize to one name: a family has one type, the first one wins.
            return;
        }

        // Two series whose names or labels become equal after sanitizing would be a duplicate sample: keep the first.
        family.Series.TryAdd(LabelText(labels), lines);
    }

    private sealed class Family(string name, string type, string help)
    {
        public string Name { get; } = name;

        public string Type { get; } = type;

        public string Help { get; } = help;

        public Dictionary<string, string> Series { get; } = new(StringComparer.Ordinal);
    }
}
