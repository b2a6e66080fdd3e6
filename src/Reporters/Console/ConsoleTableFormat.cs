using System.Globalization;
using System.Text;

namespace Metrics.Reporters;

/// <summary>
/// Formats a batch as a readable table, like Dropwizard's ConsoleReporter: a header line with the report time,
/// then each series (name and tags) followed by its fields, one per line, values in the invariant culture.
/// </summary>
/// <example>
/// <code>
/// 2026-01-01T00:00:10.000Z ==========================================================
///
/// orders {region=eu}
///                  count = 5
/// db.query
///                  count = 3
///                    avg = 0.0012
/// </code>
/// </example>
internal static class ConsoleTableFormat
{
    /// <summary>Width of the header line.</summary>
    public const int Width = 80;

    /// <summary>Field names are right-aligned to this width.</summary>
    public const int FieldWidth = 22;

    /// <summary>Formats <paramref name="points"/>, named <c>series.field</c>.</summary>
    /// <param name="reportTime">The time in the header.</param>
    /// <param name="points">The points, in report order.</param>
    /// <param name="dottedFields">
    /// Field names that hold a dot (from <see cref="DottedFields"/>), longest first; a point ending in one is split
    /// there instead of at its last dot.
    /// </param>
    public static string Format(DateTimeOffset reportTime, IReadOnlyList<DataPoint> points, IReadOnlyList<string>? dottedFields = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        var sb = new StringBuilder();
        var header = FormatTime(reportTime) + " ";
        sb.Append(header).Append('=', Math.Max(3, Width - header.Length)).Append('\n').Append('\n');
        string? currentSeries = null;
        Tags? currentTags = null;
        DateTimeOffset currentTime = default;
        foreach (var point in points)
        {
            var dot = FieldDot(point.Metric, dottedFields);
            var series = dot > 0 ? point.Metric[..dot] : point.Metric;
            var field = dot > 0 ? point.Metric[(dot + 1)..] : "value";
            if (!string.Equals(series, currentSeries, StringComparison.Ordinal) || point.Tags != currentTags || point.Timestamp != currentTime)
            {
                currentSeries = series;
                currentTags = point.Tags;
                currentTime = point.Timestamp;
                sb.Append(series);
                if (!point.Tags.IsEmpty)
                {
                    sb.Append(' ').Append(point.Tags.ToString());
                }

                if (point.Timestamp != reportTime)
                {
                    sb.Append(" @ ").Append(FormatTime(point.Timestamp));
                }

                sb.Append('\n');
            }

            sb.Append(field.PadLeft(FieldWidth)).Append(" = ").Append(FormatValue(point)).Append('\n');
        }

        sb.Append('\n');
        return sb.ToString();
    }

    /// <summary>The field names of <paramref name="fields"/> that hold a dot, longest first (usually none).</summary>
    public static string[] DottedFields(FieldNaming fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        string[] names =
        [
            fields.Count, fields.Value, fields.Sum, fields.Mean, fields.Max, fields.Min, fields.StdDev,
            fields.MeanRate, fields.OneMinuteRate, fields.FiveMinuteRate, fields.FifteenMinuteRate,
            .. fields.HistogramPercentiles.Select(static p => p.Key), .. fields.TimerPercentiles.Select(static p => p.Key),
        ];
        return names.Where(static n => n.Contains('.', StringComparison.Ordinal)).Distinct(StringComparer.Ordinal)
            .OrderByDescending(static n => n.Length).ToArray();
    }

    /// <summary>
    /// Where the series name ends and the field begins: before a field name with a dot that ends the metric (a
    /// percentile named <c>99.9_percentile</c>), else at the last dot.
    /// </summary>
    private static int FieldDot(string metric, IReadOnlyList<string>? dottedFields)
    {
        if (dottedFields is not null)
        {
            foreach (var field in dottedFields)
            {
                var dot = metric.Length - field.Length - 1;
                if (dot > 0 && metric[dot] == '.' && metric.EndsWith(field, StringComparison.Ordinal))
                {
                    return dot;
                }
            }
        }

        return metric.LastIndexOf('.');
    }

    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string FormatValue(in DataPoint point) => point.Kind switch
    {
        PointKind.DeltaCounter => "+" + Number(point.Value) + " (delta)",
        PointKind.Distribution => Number(point.Value) + " values [" +
            string.Join(", ", (point.Centroids ?? []).Select(c => Number(c.Mean) + " x " + c.Count.ToString(CultureInfo.InvariantCulture))) + "]",
        _ => Number(point.Value),
    };

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);
}
