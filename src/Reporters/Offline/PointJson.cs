using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Metrics.Reporters.Offline;

/// <summary>The JSON columns of the offline store: tags as an object, centroids as <c>[[mean, count], ...]</c>.</summary>
internal static class PointJson
{
    public static string WriteTags(Tags tags)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var pair in tags)
            {
                writer.WriteString(pair.Key, pair.Value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static Tags ReadTags(string json)
    {
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("Stored tags are not a JSON object.");
        }

        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var property in doc.RootElement.EnumerateObject())
        {
            pairs.Add(new(property.Name, property.Value.GetString() ?? string.Empty));
        }

        return pairs.Count == 0 ? Tags.Empty : new Tags(pairs);
    }

    public static string? WriteCentroids(IReadOnlyList<Centroid>? centroids)
    {
        if (centroids is null)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var c in centroids)
            {
                writer.WriteStartArray();
                writer.WriteNumberValue(c.Mean);
                writer.WriteNumberValue(c.Count);
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static IReadOnlyList<Centroid>? ReadCentroids(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(json);
        var list = new List<Centroid>();
        foreach (var item in doc.RootElement.EnumerateArray())
        {
            list.Add(new Centroid(item[0].GetDouble(), item[1].GetInt64()));
        }

        return list;
    }

    public static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
}
