using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Metrics.Reporters.Formatting;

namespace Metrics.Reporters.Tendrl;

/// <summary>
/// Writes points as Tendrl agent publish messages, one JSON object per point, back to back with no delimiter:
/// <c>{"msg_type":"publish","data":{"metric":"orders.count","value":3.0,"tags":{"region":"eu"}},"context":{"wait":true,"tags":["a"]},"dest":"entity","timestamp":"2026-11-22T10:00:00.000Z"}</c>.
/// Keys without a value are left out (<c>context</c> without message tags or wait, <c>dest</c> without an entity,
/// <c>data.tags</c> for a point without tags). Values are written as Python's <c>repr(float)</c> (<c>3.0</c>, <c>0.25</c>),
/// the timestamp in UTC with milliseconds. A pure function of the point and the reporter's settings.
/// </summary>
internal sealed class TendrlFormat
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Not for HTML: only what JSON requires is escaped, so names and tags travel as written.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private static readonly JsonEncodedText MsgType = JsonEncodedText.Encode("msg_type");
    private static readonly JsonEncodedText Publish = JsonEncodedText.Encode("publish");
    private static readonly JsonEncodedText Data = JsonEncodedText.Encode("data");
    private static readonly JsonEncodedText Metric = JsonEncodedText.Encode("metric");
    private static readonly JsonEncodedText Value = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText TagsKey = JsonEncodedText.Encode("tags");
    private static readonly JsonEncodedText Context = JsonEncodedText.Encode("context");
    private static readonly JsonEncodedText WaitKey = JsonEncodedText.Encode("wait");
    private static readonly JsonEncodedText Dest = JsonEncodedText.Encode("dest");
    private static readonly JsonEncodedText Timestamp = JsonEncodedText.Encode("timestamp");

    private readonly JsonEncodedText? _entity;
    private readonly JsonEncodedText[] _messageTags;
    private readonly bool _wait;

    /// <param name="entity">The <c>dest</c> of every message, or null for none.</param>
    /// <param name="messageTags">The <c>context.tags</c> of every message (validated: at most 10, none blank).</param>
    /// <param name="wait">Whether to ask the agent to answer every message.</param>
    public TendrlFormat(string? entity, IReadOnlyList<string> messageTags, bool wait)
    {
        ArgumentNullException.ThrowIfNull(messageTags);
        _entity = string.IsNullOrEmpty(entity) ? null : JsonEncodedText.Encode(entity, WriterOptions.Encoder);
        _messageTags = messageTags.Select(t => JsonEncodedText.Encode(t, WriterOptions.Encoder)).ToArray();
        _wait = wait;
    }

    /// <summary>Whether every message asks the agent for an answer.</summary>
    public bool Wait => _wait;

    /// <summary>Creates the writer a backend reuses for every message it writes into <paramref name="output"/>.</summary>
    public static Utf8JsonWriter CreateWriter(IBufferWriter<byte> output) => new(output, WriterOptions);

    /// <summary>Null when <paramref name="point"/> can be sent; else why not (a value JSON cannot carry, a distribution), to follow the point's name.</summary>
    public static string? Validate(in DataPoint point)
    {
        if (!double.IsFinite(point.Value))
        {
            return string.Create(CultureInfo.InvariantCulture, $"value {point.Value} is not a finite number; JSON has no NaN or infinity, so the Tendrl agent cannot take it.");
        }

        if (point.Kind != PointKind.Value)
        {
            return $"a {point.Kind} point has no Tendrl message form; only plain values are sent.";
        }

        return string.IsNullOrEmpty(point.Metric) ? "a point without a name cannot be sent to the Tendrl agent." : null;
    }

    /// <summary>Writes one publish message for <paramref name="point"/> (a valid one, see <see cref="Validate"/>) through <paramref name="writer"/>, and flushes it.</summary>
    public void Write(Utf8JsonWriter writer, in DataPoint point)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Reset();
        writer.WriteStartObject();
        writer.WriteString(MsgType, Publish);

        writer.WriteStartObject(Data);
        writer.WriteString(Metric, point.Metric);
        writer.WritePropertyName(Value);
        Span<byte> number = stackalloc byte[PythonFloat.MaxLength];
        if (!PythonFloat.TryFormat(point.Value, number, out var length))
        {
            throw new ArgumentException($"{point.Metric}: only finite values can be written.", nameof(point));
        }

        writer.WriteRawValue(number[..length], skipInputValidation: true);
        if (!point.Tags.IsEmpty)
        {
            writer.WriteStartObject(TagsKey);
            foreach (var tag in point.Tags)
            {
                writer.WriteString(tag.Key, tag.Value);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();

        if (_wait || _messageTags.Length > 0)
        {
            writer.WriteStartObject(Context);
            if (_wait)
            {
                writer.WriteBoolean(WaitKey, true);
            }

            if (_messageTags.Length > 0)
            {
                writer.WriteStartArray(TagsKey);
                foreach (var tag in _messageTags)
                {
                    writer.WriteStringValue(tag);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        if (_entity is { } entity)
        {
            writer.WriteString(Dest, entity);
        }

        Span<char> stamp = stackalloc char[24];
        point.Timestamp.UtcDateTime.TryFormat(stamp, out var written, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        writer.WriteString(Timestamp, stamp[..written]);
        writer.WriteEndObject();
        writer.Flush();
    }
}
