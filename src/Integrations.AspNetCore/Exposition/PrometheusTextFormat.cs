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
/// <remarks>
/// The output is always valid, so metrics whose names collide once written are resolved, never both written. Metrics
/// are taken in a stable order (name, then type, then tags), and families in name order: a family holds metrics of one
/// type, and the first metric to name it keeps it; a series (family and labels) is written once, by the first metric;
/// a family whose name, or whose <c>_sum</c>/<c>_count</c> sample name, is already a sample name of an earlier family
/// (a summary <c>x</c> writes <c>x</c>, <c>x_sum</c> and <c>x_count</c>) is left out. Whatever is left out is named on
/// a <c># Left out: ...</c> comment line at the end, which parsers ignore. In a summary a tag named <c>quantile</c> is
/// written as <c>tag_quantile</c>, unless the series also has a tag named <c>tag_quantile</c>, which then wins. A tag
/// named <c>le</c> (the label Prometheus reserves for histogram buckets, which no other family may carry) is written as
/// <c>tag_le</c> on every family, unless the series also has a tag named <c>tag_le</c>, which then wins.
/// </remarks>
internal static class PrometheusTextFormat
{
    /// <summary>The Content-Type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The quantiles written for summaries.</summary>
    public static readonly double[] Quantiles = { 0.5, 0.75, 0.95, 0.99, 0.999 };

    private const double NanosecondsPerSecond = 1e9;

    private const string QuantileLabel = "quantile";

    private const string RenamedQuantileLabel = "tag_quantile";

    private const string BucketLabel = "le";

    private const string RenamedBucketLabel = "tag_le";

    /// <summary>Formats <paramref name="snapshots"/> with <paramref name="globalTags"/> as labels.</summary>
    public static string Format(IEnumerable<MetricSnapshot> snapshots, Tags globalTags)
    {
        var families = new Dictionary<string, Family>(StringComparer.Ordinal);
        var leftOut = new SortedSet<string>(StringComparer.Ordinal);

        // A stable order, so which of two colliding metrics is kept does not depend on the order they are read in.
        foreach (var s in snapshots.OrderBy(s => s, SnapshotOrder.Instance))
        {
            var name = SanitizeName(s.Name);
            var tags = globalTags.IsEmpty ? s.Tags : globalTags.Merge(s.Tags);
            switch (s.Type)
            {
                case MetricType.Counter:
                    var labels = Labels(tags, summary: false);
                    Add(families, leftOut, s, Suffix(name, "_total"), "counter", $"Counter {s.Name}", labels, Sample(Suffix(name, "_total"), labels, s.Count));
                    break;
                case MetricType.Gauge when !double.IsNaN(s.Value):
                    labels = Labels(tags, summary: false);
                    Add(families, leftOut, s, name, "gauge", $"Gauge {s.Name}", labels, Sample(name, labels, s.Value));
                    break;
                case MetricType.Meter:
                    labels = Labels(tags, summary: false);
                    Add(families, leftOut, s, Suffix(name, "_total"), "counter", $"Meter {s.Name}: events", labels, Sample(Suffix(name, "_total"), labels, s.Count));
                    AddRate(families, leftOut, s, name, "_mean_rate", $"Meter {s.Name}: mean rate per second", labels, s.MeanRate);
                    AddRate(families, leftOut, s, name, "_1m_rate", $"Meter {s.Name}: one-minute rate per second", labels, s.OneMinuteRate);
                    AddRate(families, leftOut, s, name, "_5m_rate", $"Meter {s.Name}: five-minute rate per second", labels, s.FiveMinuteRate);
                    AddRate(families, leftOut, s, name, "_15m_rate", $"Meter {s.Name}: fifteen-minute rate per second", labels, s.FifteenMinuteRate);
                    break;
                case MetricType.Histogram:
                    labels = Labels(tags, summary: true);
                    Add(families, leftOut, s, name, "summary", $"Histogram {s.Name}", labels, Summary(name, labels, s.Histogram ?? HistogramSnapshot.Empty, 1));
                    break;
                case MetricType.Timer:
                    labels = Labels(tags, summary: true);
                    var seconds = Suffix(name, "_seconds");
                    Add(families, leftOut, s, seconds, "summary", $"Timer {s.Name}, in seconds", labels, Summary(seconds, labels, s.Histogram ?? HistogramSnapshot.Empty, NanosecondsPerSecond));
                    break;
            }
        }

        var sb = new StringBuilder();

        // Every sample name written so far, with the family that wrote it: a summary x writes x, x_sum and x_count.
        var sampleNames = new Dictionary<string, Family>(StringComparer.Ordinal);
        foreach (var family in families.Values.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var summary = family.Type == "summary";
            var taken = SampleNameOwner(sampleNames, family.Name, string.Empty)
                ?? (summary ? SampleNameOwner(sampleNames, family.Name, "_sum") ?? SampleNameOwner(sampleNames, family.Name, "_count") : null);
            if (taken is not null)
            {
                // A second family with one of these sample names would be a second HELP for one metric: the earlier family keeps it.
                leftOut.Add($"{family.Name} ({family.Origin}): {taken.Value.SampleName} is already a sample of {taken.Value.Owner.Name} ({taken.Value.Owner.Origin})");
                continue;
            }

            sampleNames.Add(family.Name, family);
            if (summary)
            {
                sampleNames.Add(family.Name + "_sum", family);
                sampleNames.Add(family.Name + "_count", family);
            }

            sb.Append("# HELP ").Append(family.Name).Append(' ').Append(EscapeHelp(family.Help)).Append('\n');
            sb.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Type).Append('\n');
            foreach (var series in family.Series.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                sb.Append(series.Value.Lines);
            }
        }

        foreach (var note in leftOut)
        {
            sb.Append("# Left out: ").Append(note).Append('\n');
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

    // Label pairs sorted by sanitized name; a name that collides after sanitizing keeps its first value (tags are in
    // ordinal key order). Prometheus reserves "le" for histogram buckets (promtool rejects it on any other family, and
    // this format writes no histograms): a tag of that name becomes "tag_le". In a summary "quantile" is the summary's
    // own label: a tag of that name becomes "tag_quantile". When a tag already has the new name, it wins and the
    // reserved one is left out.
    private static List<KeyValuePair<string, string>> Labels(Tags tags, bool summary)
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

        Rename(list, BucketLabel, RenamedBucketLabel);
        if (summary)
        {
            Rename(list, QuantileLabel, RenamedQuantileLabel);
        }

        list.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return list;
    }

    // Writes a label the format reserves under another name, unless a tag already has that name (which then wins).
    private static void Rename(List<KeyValuePair<string, string>> labels, string reserved, string renamed)
    {
        var i = labels.FindIndex(p => p.Key == reserved);
        if (i < 0)
        {
            return;
        }

        if (labels.Exists(p => p.Key == renamed))
        {
            labels.RemoveAt(i);
        }
        else
        {
            labels[i] = new KeyValuePair<string, string>(renamed, labels[i].Value);
        }
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
            sb.Append(k).Append("=\"").Append(EscapeLabelValue(v)).Append("\",");
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
            sb.Append(name).Append(LabelText(labels, QuantileLabel, q.ToString(CultureInfo.InvariantCulture))).Append(' ').Append(FormatValue(v)).Append('\n');
        }

        var text = LabelText(labels);
        sb.Append(name).Append("_sum").Append(text).Append(' ').Append(FormatValue(h.Sum / scale)).Append('\n');
        sb.Append(name).Append("_count").Append(text).Append(' ').Append(h.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return sb.ToString();
    }

    private static void AddRate(Dictionary<string, Family> families, SortedSet<string> leftOut, MetricSnapshot s, string name, string suffix, string help, List<KeyValuePair<string, string>> labels, double rate) =>
        Add(families, leftOut, s, name + suffix, "gauge", help, labels, Sample(name + suffix, labels, rate));

    private static void Add(Dictionary<string, Family> families, SortedSet<string> leftOut, MetricSnapshot s, string name, string type, string help, List<KeyValuePair<string, string>> labels, string lines)
    {
        if (!families.TryGetValue(name, out var family))
        {
            family = new Family(name, type, help, s.Type, s.Name);
            families.Add(name, family);
        }
        else if (family.Kind != s.Type || family.Type != type)
        {
            // Metrics of two types (a meter's rate and a gauge, a counter and a gauge named ..._total) that become one
            // name: a family holds one type of metric, the first one keeps it.
            leftOut.Add($"{name} ({Origin(s)}): {name} is already the family of {family.Origin}");
            return;
        }

        // Two series whose names or labels become equal after sanitizing would be a duplicate sample: keep the first.
        var key = LabelText(labels);
        if (!family.Series.TryAdd(key, (lines, s.Name)))
        {
            leftOut.Add($"{name}{key} ({Origin(s)}): the series is already written for {Origin(family.Kind, family.Series[key].Source)}");
        }
    }

    // How a left-out line names a metric, for example "Gauge queue.depth".
    private static string Origin(MetricSnapshot s) => Origin(s.Type, s.Name);

    private static string Origin(MetricType type, string name) => type + " " + EscapeHelp(name);

    private static (string SampleName, Family Owner)? SampleNameOwner(Dictionary<string, Family> sampleNames, string name, string suffix)
    {
        var sample = name + suffix;
        return sampleNames.TryGetValue(sample, out var owner) ? (sample, owner) : null;
    }

    private sealed class Family(string name, string type, string help, MetricType kind, string source)
    {
        public string Name { get; } = name;

        public string Type { get; } = type;

        public string Help { get; } = help;

        /// <summary>The type of the metrics in the family.</summary>
        public MetricType Kind { get; } = kind;

        /// <summary>The name of the first metric in the family.</summary>
        public string Source { get; } = source;

        /// <summary>The first metric in the family, for example <c>Gauge queue.depth</c>.</summary>
        public string Origin => PrometheusTextFormat.Origin(Kind, Source);

        public Dictionary<string, (string Lines, string Source)> Series { get; } = new(StringComparer.Ordinal);
    }

    // Name (ordinal), then type, then tags (ordinal, key then value, pair by pair; a prefix first).
    private sealed class SnapshotOrder : IComparer<MetricSnapshot>
    {
        public static readonly SnapshotOrder Instance = new();

        public int Compare(MetricSnapshot? x, MetricSnapshot? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }

            if (x is null || y is null)
            {
                return x is null ? -1 : 1;
            }

            var c = string.CompareOrdinal(x.Name, y.Name);
            if (c != 0)
            {
                return c;
            }

            c = x.Type.CompareTo(y.Type);
            if (c != 0)
            {
                return c;
            }

            return Tags.CompareOrdinal(x.Tags, y.Tags);
        }
    }
}
