namespace Metrics.Reporters;

/// <summary>A log entry of a span: when it happened and its fields. Sent as JSON beside the span line.</summary>
public sealed class SpanLog
{
    /// <summary>Creates a span log.</summary>
    /// <param name="timestampMicros">When it happened, in epoch microseconds.</param>
    /// <param name="fields">Its fields (for example <c>event</c>=<c>error</c>). Copied.</param>
    /// <exception cref="ArgumentNullException"><paramref name="fields"/> is null.</exception>
    /// <exception cref="ArgumentException">A field's key or value is null.</exception>
    public SpanLog(long timestampMicros, IEnumerable<KeyValuePair<string, string>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        TimestampMicros = timestampMicros;
        Fields = fields.ToArray();
        foreach (var field in Fields)
        {
            if (field.Key is null || field.Value is null)
            {
                throw new ArgumentException(
                    field.Key is null
                        ? "A span log field has a null key; give every field a key."
                        : $"The span log field '{field.Key}' has a null value; leave the field out or give it a value.",
                    nameof(fields));
            }
        }
    }

    /// <summary>When it happened, in epoch microseconds.</summary>
    public long TimestampMicros { get; }

    /// <summary>Its fields, in the order given.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields { get; }
}
