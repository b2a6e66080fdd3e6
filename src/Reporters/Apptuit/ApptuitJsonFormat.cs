using System.Text.Json;
using Metrics.Reporters.Formatting;

namespace Metrics.Reporters.Apptuit;

/// <summary>
/// The body of <c>POST /api/put</c>: a JSON array of <c>{"metric","timestamp","value","tags"}</c> objects, timestamps
/// in whole epoch seconds, values as Python prints floats (<c>42.0</c>). Pure: points in, UTF-8 bytes out.
/// </summary>
internal static class ApptuitJsonFormat
{
    public static byte[] Write(IReadOnlyList<ApptuitPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 + (points.Count * 96));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var point in points)
            {
                WritePoint(writer, point);
            }

            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One point as a JSON object, for error messages (<c>{"metric":...}</c>).</summary>
    public static string WriteOne(ApptuitPoint point)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WritePoint(writer, point);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WritePoint(Utf8JsonWriter writer, ApptuitPoint point)
    {
        writer.WriteStartObject();
        writer.WriteString("metric", point.Metric);
        writer.WriteNumber("timestamp", point.Timestamp);
        writer.WritePropertyName("value");
        writer.WriteRawValue(PythonFloat.Format(point.Value), skipInputValidation: true);
        writer.WriteStartObject("tags");
        foreach (var (key, value) in point.Tags)
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
