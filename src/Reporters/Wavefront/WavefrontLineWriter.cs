using System.Globalization;
using System.Text;
using Metrics.Reporters.Formatting;

namespace Metrics.Reporters.Wavefront;

/// <summary>
/// The Wavefront data format (PROTOCOLS.md, Wavefront): writes metric, delta counter, distribution, span and
/// span-log lines as UTF-8 into one reusable buffer, so a report formats its points without per-point allocations.
/// Invalid input throws an <see cref="ArgumentException"/> that says what was wrong, and leaves the buffer as it
/// was before the call.
/// </summary>
/// <remarks>Not thread-safe: one writer per thread or per send.</remarks>
internal sealed class WavefrontLineWriter
{
    private readonly WavefrontMetricLines? _lines;
    private byte[] _buffer;
    private int _length;

    // Names, keys and values are sanitized or escaped here, then encoded into the buffer.
    private char[] _scratch = new char[256];

    // The timestamp of the last line written, as text: the points of a report share it.
    private long _timestamp = long.MinValue;
    private readonly byte[] _timestampText = new byte[20];
    private int _timestampLength;

    /// <summary>Creates a writer.</summary>
    /// <param name="initialCapacity">Bytes to reserve.</param>
    /// <param name="lines">
    /// Where the checked, escaped text of metric lines is kept per point name, tags and source (shared by the writers
    /// of one backend); null to format every line in full.
    /// </param>
    public WavefrontLineWriter(int initialCapacity = 1024, WavefrontMetricLines? lines = null)
    {
        _buffer = new byte[Math.Max(initialCapacity, 64)];
        _lines = lines;
    }

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>The lines written so far, UTF-8.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>Forgets what was written; keeps the buffer.</summary>
    public void Clear() => _length = 0;

    /// <summary>Cuts the text back to <paramref name="length"/> bytes (to drop lines written after that point).</summary>
    public void Truncate(int length) => _length = Math.Clamp(length, 0, _length);

    /// <summary>The lines written so far.</summary>
    public override string ToString() => Encoding.UTF8.GetString(_buffer, 0, _length);

    /// <summary>The lines written so far as UTF-8 (the writer's own buffer: valid until the writer is written to or cleared).</summary>
    public ReadOnlyMemory<byte> ToUtf8() => _buffer.AsMemory(0, _length);

    /// <summary>Writes <c>"name" value [timestamp] source="source" ["k"="v" ...]\n</c>.</summary>
    public void WriteMetric(string name, double value, long? timestamp, string source, IEnumerable<KeyValuePair<string, string>>? tags)
    {
        if (_lines != null && tags is Tags cachedTags)
        {
            var line = _lines.Get(name, cachedTags, source);
            if (line.NameError != null || !double.IsFinite(value) || line.SourceTagsError != null)
            {
                Check(line.NameError ?? WavefrontValidation.Value(value, name) ?? line.SourceTagsError);
            }

            var text = line.Text;
            var headLength = line.HeadLength;
            Ensure(text.Length + PythonFloat.MaxLength + 21);
            var buffer = _buffer.AsSpan();
            var pos = _length;
            text.AsSpan(0, headLength).CopyTo(buffer[pos..]);
            pos += headLength;
            PythonFloat.TryFormat(value, buffer[pos..], out var n);
            pos += n;
            if (timestamp is long seconds)
            {
                buffer[pos++] = (byte)' ';
                pos += WriteTimestampText(seconds, buffer[pos..]);
            }

            text.AsSpan(headLength).CopyTo(buffer[pos..]);
            _length = pos + text.Length - headLength;
            return;
        }

        Check(WavefrontValidation.Name(name, "metric") ?? WavefrontValidation.Value(value, name)
            ?? WavefrontValidation.Source(source) ?? WavefrontValidation.Tags(tags, name));
        WriteName(name, delta: false);
        Put(' ');
        WriteValue(value);
        WriteTimestamp(timestamp);
        WriteSourceAndTags(source, tags);
        Put('\n');
    }

    /// <summary>
    /// Writes a delta counter: a metric line without timestamp whose name gets the <c>∆</c> prefix unless it
    /// starts with <c>∆</c> or <c>Δ</c>. Values of zero or less are not written (the server adds increments only).
    /// </summary>
    /// <returns>True when a line was written; false for a value of zero or less.</returns>
    public bool WriteDeltaCounter(string name, double value, string source, IEnumerable<KeyValuePair<string, string>>? tags)
    {
        Check(WavefrontValidation.Name(name, "delta counter", addsDeltaPrefix: true) ?? WavefrontValidation.Value(value, name)
            ?? WavefrontValidation.Source(source) ?? WavefrontValidation.Tags(tags, name));
        if (value <= 0)
        {
            return false;
        }

        WriteName(name, delta: true);
        Put(' ');
        WriteValue(value);
        WriteSourceAndTags(source, tags);
        Put('\n');
        return true;
    }

    /// <summary>Writes one line per granularity (minute, hour, day order): <c>!M [timestamp] #count mean ... "name" source="source" [tags]\n</c>.</summary>
    public void WriteDistribution(string name, IReadOnlyList<Centroid> centroids, HistogramGranularities granularities, long? timestamp, string source, IEnumerable<KeyValuePair<string, string>>? tags)
    {
        Check(WavefrontValidation.Name(name, "distribution") ?? WavefrontValidation.Granularities(granularities, name)
            ?? WavefrontValidation.Centroids(centroids, name) ?? WavefrontValidation.Source(source) ?? WavefrontValidation.Tags(tags, name));
        for (var g = HistogramGranularity.Minute; g <= HistogramGranularity.Day; g++)
        {
            if ((granularities & (HistogramGranularities)(1 << (int)g)) == 0)
            {
                continue;
            }

            Put(g switch { HistogramGranularity.Minute => "!M", HistogramGranularity.Hour => "!H", _ => "!D" });
            WriteTimestamp(timestamp);
            for (var i = 0; i < centroids.Count; i++)
            {
                Put(" #");
                WriteInteger(centroids[i].Count);
                Put(' ');
                WriteValue(centroids[i].Mean);
            }

            Put(' ');
            WriteName(name, delta: false);
            WriteSourceAndTags(source, tags);
            Put('\n');
        }
    }

    /// <summary>
    /// Writes a span line: <c>"name" source="source" traceId=uuid spanId=uuid [parent=uuid ...] [followsFrom=uuid ...] ["k"="v" ...] start duration\n</c>.
    /// Repeated tags (same key and value) are written once; with span logs the tag <c>"_spanLogs"="true"</c> is added.
    /// </summary>
    public void WriteSpan(
        string name,
        long startMillis,
        long durationMillis,
        string source,
        Guid traceId,
        Guid spanId,
        IEnumerable<Guid>? parents,
        IEnumerable<Guid>? followsFrom,
        IEnumerable<KeyValuePair<string, string>>? tags,
        bool hasSpanLogs)
    {
        Check(WavefrontValidation.SpanName(name) ?? WavefrontValidation.Source(source) ?? WavefrontValidation.SpanTags(tags, name)
            ?? (durationMillis < 0 ? string.Create(CultureInfo.InvariantCulture, $"The span '{name}' has a negative duration ({durationMillis} ms); give the time it took, 0 or more.") : null));
        Put('"');
        Escape(name);
        Put("\" source=\"");
        Escape(source);
        Put("\" traceId=");
        WriteGuid(traceId);
        Put(" spanId=");
        WriteGuid(spanId);
        if (parents != null)
        {
            foreach (var parent in parents)
            {
                Put(" parent=");
                WriteGuid(parent);
            }
        }

        if (followsFrom != null)
        {
            foreach (var follows in followsFrom)
            {
                Put(" followsFrom=");
                WriteGuid(follows);
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (tags != null)
        {
            foreach (var tag in tags)
            {
                WriteSpanTag(tag.Key, tag.Value, seen);
            }
        }

        if (hasSpanLogs)
        {
            WriteSpanTag("_spanLogs", "true", seen);
        }

        Put(' ');
        WriteInteger(startMillis);
        Put(' ');
        WriteInteger(durationMillis);
        Put('\n');
    }

    /// <summary>
    /// Writes the span-log line for a span, as the reference SDK's <c>json.dumps</c> does:
    /// <c>{"traceId": "uuid", "spanId": "uuid", "logs": [{"timestamp": 1, "fields": {"k": "v"}}]}\n</c>.
    /// </summary>
    public void WriteSpanLogs(Guid traceId, Guid spanId, IReadOnlyList<SpanLog> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        Put("{\"traceId\": \"");
        WriteGuid(traceId);
        Put("\", \"spanId\": \"");
        WriteGuid(spanId);
        Put("\", \"logs\": [");
        for (var i = 0; i < logs.Count; i++)
        {
            if (i > 0)
            {
                Put(", ");
            }

            Put("{\"timestamp\": ");
            WriteInteger(logs[i].TimestampMicros);
            Put(", \"fields\": {");
            var fields = logs[i].Fields;
            for (var f = 0; f < fields.Count; f++)
            {
                if (f > 0)
                {
                    Put(", ");
                }

                WriteJsonString(fields[f].Key);
                Put(": ");
                WriteJsonString(fields[f].Value);
            }

            Put("}}");
        }

        Put("]}\n");
    }

    /// <summary>Appends a line given already formatted; a missing final line feed is added.</summary>
    public void WriteRaw(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            Check("A pre-formatted line is blank; give non-empty lines.");
        }

        Put(line);
        if (line[^1] != '\n')
        {
            Put('\n');
        }
    }

    private void WriteSpanTag(string key, string value, HashSet<string> seen)
    {
        var start = _length;
        Put(' ');
        WriteQuotedKey(key);
        Put("=\"");
        Escape(value);
        Put('"');
        if (!seen.Add(Encoding.UTF8.GetString(_buffer, start, _length - start)))
        {
            _length = start;
        }
    }

    private void WriteSourceAndTags(string source, IEnumerable<KeyValuePair<string, string>>? tags)
    {
        Put(" source=\"");
        Escape(source);
        Put('"');
        if (tags is null)
        {
            return;
        }

        if (tags is IReadOnlyList<KeyValuePair<string, string>> list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                WriteTag(list[i].Key, list[i].Value);
            }

            return;
        }

        foreach (var tag in tags)
        {
            WriteTag(tag.Key, tag.Value);
        }
    }

    private void WriteTag(string key, string value)
    {
        Put(' ');
        WriteQuotedKey(key);
        Put("=\"");
        Escape(value);
        Put('"');
    }

    private void WriteName(string name, bool delta)
    {
        Put('"');
        if (delta && !WavefrontSanitizer.HasDeltaPrefix(name))
        {
            Put(WavefrontSanitizer.DeltaPrefix);
        }

        var chars = Scratch(name.Length);
        PutChars(chars[..WavefrontSanitizer.Sanitize(name, chars)]);
        Put('"');
    }

    private void WriteQuotedKey(string key)
    {
        Put('"');
        var chars = Scratch(key.Length);
        PutChars(chars[..WavefrontSanitizer.Sanitize(key, chars)]);
        Put('"');
    }

    private void Escape(string value)
    {
        var chars = Scratch(WavefrontSanitizer.MaxEscapedLength(value.Length));
        PutChars(chars[..WavefrontSanitizer.Escape(value, chars)]);
    }

    private void WriteValue(double value)
    {
        Ensure(PythonFloat.MaxLength);
        PythonFloat.TryFormat(value, _buffer.AsSpan(_length), out var n);
        _length += n;
    }

    private void WriteTimestamp(long? timestamp)
    {
        if (timestamp is long t)
        {
            Put(' ');
            Ensure(20);
            _length += WriteTimestampText(t, _buffer.AsSpan(_length));
        }
    }

    // Writes a timestamp's text (formatted once for all the lines that share it); returns its length.
    private int WriteTimestampText(long seconds, Span<byte> destination)
    {
        if (seconds != _timestamp)
        {
            seconds.TryFormat(_timestampText.AsSpan(), out _timestampLength, default, CultureInfo.InvariantCulture);
            _timestamp = seconds;
        }

        _timestampText.AsSpan(0, _timestampLength).CopyTo(destination);
        return _timestampLength;
    }

    /// <summary>The text of a metric line around its value and timestamp, and why it cannot be written (for <see cref="WavefrontMetricLines"/>).</summary>
    internal static WavefrontMetricLines.Line BuildMetricLine(string name, Tags tags, string source)
    {
        var nameError = WavefrontValidation.Name(name, "metric");
        var sourceTagsError = WavefrontValidation.Source(source) ?? WavefrontValidation.Tags(tags, name);
        if (nameError != null || sourceTagsError != null)
        {
            return new WavefrontMetricLines.Line(name, tags, source, [], 0, nameError, sourceTagsError);
        }

        var writer = new WavefrontLineWriter(128);
        writer.WriteName(name, delta: false);
        writer.Put(' ');
        var headLength = writer.Length;
        writer.WriteSourceAndTags(source, tags);
        writer.Put('\n');
        return new WavefrontMetricLines.Line(name, tags, source, writer.Written.ToArray(), headLength, null, null);
    }

    private void WriteInteger(long value)
    {
        Ensure(20);
        value.TryFormat(_buffer.AsSpan(_length), out var n, default, CultureInfo.InvariantCulture);
        _length += n;
    }

    private void WriteGuid(Guid id)
    {
        Ensure(36);
        id.TryFormat(_buffer.AsSpan(_length), out var n, "D");
        _length += n;
    }

    private void WriteJsonString(string text)
    {
        Put('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"':
                    Put("\\\"");
                    break;
                case '\\':
                    Put("\\\\");
                    break;
                case '\n':
                    Put("\\n");
                    break;
                case '\r':
                    Put("\\r");
                    break;
                case '\t':
                    Put("\\t");
                    break;
                case '\b':
                    Put("\\b");
                    break;
                case '\f':
                    Put("\\f");
                    break;
                default:
                    if (c < 0x20 || c > 0x7e)
                    {
                        // Python's json.dumps escapes every non-ASCII character (ensure_ascii).
                        Put("\\u");
                        Ensure(4);
                        ((int)c).TryFormat(_buffer.AsSpan(_length), out var n, "x4", CultureInfo.InvariantCulture);
                        _length += n;
                    }
                    else
                    {
                        Put(c);
                    }

                    break;
            }
        }

        Put('"');
    }

    private static void Check(string? error)
    {
        if (error != null)
        {
            throw new ArgumentException(error);
        }
    }

    private void Put(char c)
    {
        if (c < 0x80)
        {
            Ensure(1);
            _buffer[_length++] = (byte)c;
            return;
        }

        PutChars([c]);
    }

    private void Put(string text) => PutChars(text);

    // Encodes text as UTF-8 into the buffer.
    private void PutChars(ReadOnlySpan<char> text)
    {
        Ensure(Encoding.UTF8.GetMaxByteCount(text.Length));
        _length += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_length));
    }

    private Span<char> Scratch(int length)
    {
        if (_scratch.Length < length)
        {
            _scratch = new char[Math.Max(length, _scratch.Length * 2)];
        }

        return _scratch.AsSpan(0, length);
    }

    private void Ensure(int more)
    {
        if (_length + more > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
        }
    }
}
