using System.Text.Json;

namespace Metrics.AspNetCore.Exposition;

/// <summary>
/// Writes snapshots as one JSON document: <c>{"timestamp": "...", "metrics": [ {"name", "tags", "type", ...fields} ]}</c>.
/// Field names follow the pyformance key set: counter <c>count</c>; gauge <c>value</c> (null when its callback
/// failed); meter <c>count</c>, <c>mean_rate</c>, <c>1m_rate</c>, <c>5m_rate</c>, <c>15m_rate</c> (per second);
/// histogram <c>count</c>, <c>sum</c>, <c>avg</c>, <c>min</c>, <c>max</c>, <c>std_dev</c>, <c>50_percentile</c>,
/// <c>75_percentile</c>, <c>95_percentile</c>, <c>99_percentile</c>, <c>999_percentile</c>; timer the meter's and the
/// histogram's fields with durations in seconds. Tags include the global tags (a series' own tags win).
/// </summary>
internal static class MetricsJsonFormat
{
    /// <summary>The Content-Type of the format.</summary>
    public const string ContentType = "application/json; charset=utf-8";

    private static readonly (double Quantile, string Key)[] Percentiles =
    {
        (0.5, "50_percentile"), (0.75, "75_percentile"), (0.95, "95_percentile"), (0.99, "99_percentile"), (0.999, "999_percentile"),
    };

    /// <summary>Writes the document for <paramref name="snapshots"/> taken at <paramref name="timestamp"/>.</summary>
    public static void Write(Utf8JsonWriter writer, IEnumerable<MetricSnapshot> snapshots, Tags globalTags, DateTimeOffset timestamp)
    {
        writer.WriteStartObject();
        writer.WriteString("timestamp", timestamp);
        writer.WriteStartArray("metrics");
        foreach (var s in snapshots.OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Tags.ToString(), StringComparer.Ordinal))
        {
            writer.WriteStartObject();
            writer.WriteString("name", s.Name);
            writer.WriteStartObject("tags");
            foreach (var (k, v) in globalTags.IsEmpty ? s.Tags : globalTags.Merge(s.Tags))
            {
                writer.WriteString(k, v);
            }

            writer.WriteEndObject();
            writer.WriteString("type", s.Type switch
            {
                MetricType.Counter => "counter",
                MetricType.Gauge => "gauge",
                MetricType.Meter => "meter",
                MetricType.Histogram => "histogram",
                _ => "timer",
            });
            switch (s.Type)
            {
                case MetricType.Counter:
                    writer.WriteNumber("count", s.Count);
                    break;
                case MetricType.Gauge:
                    Number(writer, "value", s.Value);
                    break;
                case MetricType.Meter:
                    writer.WriteNumber("count", s.Count);
                    Rates(writer, s);
                    break;
                case MetricType.Histogram:
                    Distribution(writer, s.Histogram ?? HistogramSnapshot.Empty, 1);
                    break;
                case MetricType.Timer:
                    Distribution(writer, s.Histogram ?? HistogramSnapshot.Empty, 1e9);
                    Rates(writer, s);
                    break;
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void Rates(Utf8JsonWriter writer, MetricSnapshot s)
    {
        Number(writer, "mean_rate", s.MeanRate);
        Number(writer, "1m_rate", s.OneMinuteRate);
        Number(writer, "5m_rate", s.FiveMinuteRate);
        Number(writer, "15m_rate", s.FifteenMinuteRate);
    }

    private static void Distribution(Utf8JsonWriter writer, HistogramSnapshot h, double scale)
    {
        writer.WriteNumber("count", h.Count);
        Number(writer, "sum", h.Sum / scale);
        Number(writer, "avg", h.Mean / scale);
        Number(writer, "min", h.Min / scale);
        Number(writer, "max", h.Max / scale);
        Number(writer, "std_dev", h.StdDev / scale);
        foreach (var (q, key) in Percentiles)
        {
            Number(writer, key, h.Count == 0 ? 0 : h.GetValue(q) / scale);
        }
    }

    // JSON has no NaN or infinity: an unknown value is written as null.
    private static void Number(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumber(name, value);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
