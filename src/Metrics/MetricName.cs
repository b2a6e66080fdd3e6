using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Metrics;

/// <summary>A metric name with its tags: the identity of one series.</summary>
/// <param name="Name">The metric name, without tags.</param>
/// <param name="Tags">The series' tags.</param>
public readonly record struct MetricId(string Name, Tags Tags)
{
    /// <summary>The encoded form, <c>name{"k": "v"}</c>, as written by <see cref="MetricName.Encode"/>.</summary>
    public override string ToString() => MetricName.Encode(Name, Tags);
}

/// <summary>
/// Encodes a name and tags into one string and back, in the form used by pyformance and the Apptuit
/// Python client: the name followed by the tags as JSON with sorted keys, <c>", "</c> between items,
/// <c>": "</c> after keys and non-ASCII characters escaped as <c>\uXXXX</c>, for example
/// <c>requests{"code": "200", "region": "eu"}</c>.
/// </summary>
public static class MetricName
{
    /// <summary>Encodes <paramref name="name"/> and <paramref name="tags"/>. With no tags the result is the name alone.</summary>
    /// <exception cref="ArgumentException">The name is null, empty or only white space, or holds <c>{</c> (which <see cref="Decode"/> would take for the start of the tags).</exception>
    public static string Encode(string name, Tags? tags)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("A metric name must not be null, empty or only white space.", nameof(name));
        }

        if (name.Contains('{', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The metric name '{name}' holds '{{', which starts the tags of an encoded name; pass the tags as Tags instead.", nameof(name));
        }

        if (tags is null || tags.IsEmpty)
        {
            return name;
        }

        var sb = new StringBuilder(name.Length + (tags.Count * 16));
        sb.Append(name).Append('{');
        var first = true;
        foreach (var (key, value) in InCodePointOrder(tags))
        {
            if (!first)
            {
                sb.Append(", ");
            }

            first = false;
            AppendJsonString(sb, key);
            sb.Append(": ");
            AppendJsonString(sb, value);
        }

        return sb.Append('}').ToString();
    }

    /// <summary>
    /// Decodes an encoded name: the text before the first <c>{</c> (trimmed) is the name, the rest must be a JSON
    /// object whose values become tag values (strings as they are, numbers and booleans in their JSON text).
    /// Text without <c>{</c> is a name with no tags. Escapes are accepted in any form.
    /// </summary>
    /// <exception cref="FormatException">The text is empty, the name part is empty, or the tag part is not a JSON object of scalar values; the message quotes the text.</exception>
    public static MetricId Decode(string encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        var brace = encoded.IndexOf('{', StringComparison.Ordinal);
        if (brace < 0)
        {
            var plain = encoded.Trim();
            if (plain.Length == 0)
            {
                throw new FormatException($"'{encoded}' is not a metric name: it is empty.");
            }

            return new MetricId(plain, Tags.Empty);
        }

        var name = encoded[..brace].Trim();
        if (name.Length == 0)
        {
            throw new FormatException($"'{encoded}' is not an encoded metric name: the name before '{{' is empty.");
        }

        var json = encoded[brace..];
        var pairs = new List<KeyValuePair<string, string>>();
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"'{encoded}' is not an encoded metric name: the tags must be a JSON object.");
            }

            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                var value = prop.Value.ValueKind switch
                {
                    JsonValueKind.String => prop.Value.GetString()!,
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => prop.Value.GetRawText(),
                    _ => throw new FormatException(
                        $"'{encoded}' is not an encoded metric name: the value of tag '{prop.Name}' must be a string, number or boolean."),
                };
                pairs.Add(new KeyValuePair<string, string>(prop.Name, value));
            }
        }
        catch (JsonException ex)
        {
            throw new FormatException($"'{encoded}' is not an encoded metric name: the tags after the name are not valid JSON ({ex.Message}).", ex);
        }
        catch (InvalidOperationException ex)
        {
            // A key or value escaping half of a surrogate pair (\ud800 alone) is JSON text but not a string.
            throw new FormatException($"'{encoded}' is not an encoded metric name: a tag key or value is not valid Unicode text ({ex.Message}).", ex);
        }

        try
        {
            return new MetricId(name, new Tags(pairs));
        }
        catch (ArgumentException ex)
        {
            throw new FormatException($"'{encoded}' is not an encoded metric name: {ex.Message}", ex);
        }
    }

    // Python sorts keys by code point; Tags sorts by UTF-16 code unit. The two orders differ only when a key holds a
    // character beyond U+FFFF (a surrogate pair) where another key holds one from U+E000 to U+FFFF.
    private static IEnumerable<KeyValuePair<string, string>> InCodePointOrder(Tags tags)
    {
        foreach (var (key, _) in tags)
        {
            foreach (var c in key)
            {
                if (char.IsSurrogate(c))
                {
                    return tags.OrderBy(p => p.Key, CodePointComparer.Instance);
                }
            }
        }

        return tags;
    }

    /// <summary>True when <paramref name="name"/> holds an encoded tag part (a <c>{</c>).</summary>
    internal static bool IsEncoded(string name) => name.Contains('{', StringComparison.Ordinal);

    // Python's json.dumps with ensure_ascii=True.
    private static void AppendJsonString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || c > 0x7e)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }
}

/// <summary>Orders strings by Unicode code point, as Python compares strings.</summary>
internal sealed class CodePointComparer : IComparer<string>
{
    public static CodePointComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }

        var a = x.EnumerateRunes();
        var b = y.EnumerateRunes();
        while (true)
        {
            var hasA = a.MoveNext();
            var hasB = b.MoveNext();
            if (!hasA || !hasB)
            {
                return hasA.CompareTo(hasB);
            }

            var c = a.Current.Value.CompareTo(b.Current.Value);
            if (c != 0)
            {
                return c;
            }
        }
    }
}
