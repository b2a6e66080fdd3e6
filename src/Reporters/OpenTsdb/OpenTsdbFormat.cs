using System.Buffers;
using System.Globalization;
using Metrics.Reporters.Formatting;

namespace Metrics.Reporters.OpenTsdb;

/// <summary>
/// OpenTSDB's wire format, pure: telnet <c>put</c> lines and the <c>/api/put</c> JSON body. It applies the character
/// rule (<see cref="OpenTsdbInvalidCharacters"/>), adds the automatic <c>host</c> tag, and checks the tag count and
/// the 1024-byte line limit. Thread-safe: its settings are immutable, and the telnet line text it keeps per point
/// name and tags (checked once, then reused by every report: <see cref="LineCache{TEntry}"/>) is shared safely.
/// </summary>
internal sealed class OpenTsdbFormat
{
    /// <summary>The longest line (without its newline) OpenTSDB's line decoder accepts.</summary>
    public const int MaxLineBytes = 1024;

    /// <summary>The tag added to points that have none of that key.</summary>
    public const string HostTagKey = "host";

    private const string AllowedText = "OpenTSDB allows a-z, A-Z, 0-9, '-', '_', '.', '/' and Unicode letters";

    // Characters each token can need beyond its own bytes: separators, quotes, the line's fixed parts.
    private const int FixedLineBytes = 4 + 1 + 20 + 1 + OpenTsdbNumber.MaxValueBytes + 1;

    private static readonly bool[] AllowedAscii = BuildAllowedAscii();

    private static readonly SearchValues<char> AllowedAsciiChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./");

    private readonly string? _hostTag;
    private readonly bool _reject;

    // The constant parts of each point name's telnet line ("put name " and " tags\n"), checked once.
    private readonly LineCache<TelnetLine> _lines = new();

    // The timestamp of the last line written: the points of a report share it.
    private TimestampText? _timestamp;

    /// <summary>Creates a format.</summary>
    /// <param name="hostTag">The value of the automatic <c>host</c> tag; null or empty for none.</param>
    /// <param name="maxTags">The most tags a point may have, the host tag included.</param>
    /// <param name="invalidCharacters">What to do with invalid characters.</param>
    public OpenTsdbFormat(string? hostTag, int maxTags, OpenTsdbInvalidCharacters invalidCharacters)
    {
        _hostTag = string.IsNullOrEmpty(hostTag) ? null : hostTag;
        MaxTags = maxTags;
        InvalidCharacters = invalidCharacters;
        _reject = invalidCharacters == OpenTsdbInvalidCharacters.Reject;
    }

    /// <summary>The most tags per point.</summary>
    public int MaxTags { get; }

    /// <summary>The character rule.</summary>
    public OpenTsdbInvalidCharacters InvalidCharacters { get; }

    /// <summary>The automatic host tag value, or null.</summary>
    public string? HostTag => _hostTag;

    /// <summary>True when <paramref name="c"/> is allowed by OpenTSDB in names, tag keys and tag values.</summary>
    public static bool IsAllowed(char c) => c < 128 ? AllowedAscii[c] : char.IsLetter(c) && !char.IsSurrogate(c);

    /// <summary>Applies the replacement rule to <paramref name="text"/>: every invalid character (a surrogate pair counts as one) becomes <c>_</c>.</summary>
    public static string Sanitize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (FirstInvalid(text) < 0)
        {
            return text;
        }

        var chars = new char[text.Length];
        var n = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (IsAllowed(c))
            {
                chars[n++] = c;
                continue;
            }

            chars[n++] = '_';
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
        }

        return new string(chars, 0, n);
    }

    /// <summary>The index of the first invalid character of <paramref name="text"/>, or -1.</summary>
    public static int FirstInvalid(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (!IsAllowed(text[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Why <paramref name="point"/> cannot be sent, or null when it can.</summary>
    /// <param name="point">The point.</param>
    /// <param name="telnet">True to check the telnet line (with its 1024-byte limit), false to check the JSON object.</param>
    public string? Validate(in DataPoint point, bool telnet)
    {
        if (telnet && double.IsFinite(point.Value))
        {
            var line = Line(point);
            if (line.Error != null || line.Text.Length + 1 + 20 + OpenTsdbNumber.MaxValueBytes <= MaxLineBytes)
            {
                return line.Error;
            }
        }

        var error = CheckShape(point, telnet, out var upperBound, out var addsHost);
        if (error != null)
        {
            return error;
        }

        // Replacing invalid characters, writing can fail only on an empty tag key or value or an over-long line; when
        // neither can happen the point is valid without formatting it (the engine validates every point of a report).
        if (!_reject && (!telnet || upperBound <= MaxLineBytes) && !HasEmptyTag(point.Tags))
        {
            return null;
        }

        upperBound += JsonExtraBytes(point);
        var rented = ArrayPool<byte>.Shared.Rent(upperBound);
        try
        {
            var pos = 0;
            return telnet ? WriteLine(point, addsHost, rented, out _) : WriteJsonObject(point, addsHost, rented, ref pos);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Writes one telnet line (newline included) for <paramref name="point"/>.</summary>
    /// <returns>null when written; otherwise why the point cannot be sent (nothing is written then).</returns>
    public string? WriteLine(IBufferWriter<byte> writer, in DataPoint point)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (double.IsFinite(point.Value))
        {
            var line = Line(point);
            if (line.Error != null)
            {
                return line.Error;
            }

            var text = line.Text;
            var headLength = line.HeadLength;
            var buffer = writer.GetSpan(text.Length + 20 + 1 + OpenTsdbNumber.MaxValueBytes);
            text.AsSpan(0, headLength).CopyTo(buffer);
            var at = headLength;
            at += WriteTimestamp(point.EpochSeconds, buffer[at..]);
            buffer[at++] = (byte)' ';
            at += OpenTsdbNumber.Write(point.Value, buffer[at..]);
            text.AsSpan(headLength).CopyTo(buffer[at..]);
            at += text.Length - headLength;

            // The newline does not count.
            if (at - 1 > MaxLineBytes)
            {
                return LineTooLong(point, at - 1);
            }

            writer.Advance(at);
            return null;
        }

        var error = CheckShape(point, lineLimit: true, out var upperBound, out var addsHost);
        if (error != null)
        {
            return error;
        }

        var span = writer.GetSpan(upperBound);
        error = WriteLine(point, addsHost, span, out var written);
        if (error == null)
        {
            writer.Advance(written);
        }

        return error;
    }

    /// <summary>
    /// Writes the <c>/api/put</c> body for <paramref name="points"/>: a JSON array of
    /// <c>{"metric":..,"timestamp":..,"value":..,"tags":{..}}</c>. Points that cannot be sent are left out and their
    /// reasons added to <paramref name="errors"/>.
    /// </summary>
    /// <returns>The points written, in order.</returns>
    public int WriteJson(IBufferWriter<byte> writer, IReadOnlyList<DataPoint> points, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(errors);
        WriteAscii(writer, "[");
        var count = 0;
        for (var i = 0; i < points.Count; i++)
        {
            var point = points[i];
            var error = CheckShape(point, lineLimit: false, out var upperBound, out var addsHost);
            if (error == null)
            {
                var span = writer.GetSpan(upperBound + JsonExtraBytes(point));
                var pos = 0;
                if (count > 0)
                {
                    span[pos++] = (byte)',';
                }

                error = WriteJsonObject(point, addsHost, span, ref pos);
                if (error == null)
                {
                    writer.Advance(pos);
                    count++;
                    continue;
                }
            }

            errors.Add(error);
        }

        WriteAscii(writer, "]");
        return count;
    }

    /// <summary>Cheap checks that need no formatting, and an upper bound of the line's bytes.</summary>
    private string? CheckShape(in DataPoint point, bool lineLimit, out int upperBound, out bool addsHost)
    {
        upperBound = 0;
        addsHost = false;
        if (!double.IsFinite(point.Value))
        {
            return $"{Describe(point)}: value {point.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not a finite number; OpenTSDB stores only finite values.";
        }

        if (point.Metric.Length == 0)
        {
            return "A point has an empty metric name; OpenTSDB needs a non-empty name.";
        }

        var tags = point.Tags;
        addsHost = _hostTag != null && !tags.ContainsKey(HostTagKey);
        var tagCount = tags.Count + (addsHost ? 1 : 0);
        if (tagCount == 0)
        {
            return $"{Describe(point)} has no tags; OpenTSDB needs at least one. Give the point a tag, or set HostTag to add the 'host' tag.";
        }

        if (tagCount > MaxTags)
        {
            return $"{Describe(point)} has {tagCount} tags{(addsHost ? " (with the automatic 'host' tag)" : string.Empty)}, more than MaxTags = {MaxTags}; "
                + "remove tags, or raise MaxTags together with the server's tsd.storage.max_tags.";
        }

        if (!_reject && CollidingKeys(point, addsHost) is { } collision)
        {
            return collision;
        }

        var chars = point.Metric.Length;
        for (var i = 0; i < tags.Count; i++)
        {
            chars += tags[i].Key.Length + tags[i].Value.Length + 2;
        }

        if (addsHost)
        {
            chars += HostTagKey.Length + _hostTag!.Length + 2;
        }

        // Every character takes at least one byte, and the timestamp and value at least one each. A surrogate pair is
        // one character (replaced, it is one '_'), so when the UTF-16 length says "too long" the characters are counted.
        if (lineLimit && chars + 8 > MaxLineBytes && CodePoints(point) + 8 > MaxLineBytes)
        {
            return LineTooLong(point, CodePoints(point) + 8);
        }

        upperBound = (3 * chars) + FixedLineBytes;
        return null;
    }

    // Keys that differ only in characters the replacement rule turns into '_' ("a b" and "a_b") would be written as
    // one key twice, and OpenTSDB keeps one value per key (telnet rejects the line): such a point is not sent.
    private static string? CollidingKeys(in DataPoint point, bool addsHost)
    {
        var tags = point.Tags;
        var replaced = false;
        for (var i = 0; i < tags.Count && !replaced; i++)
        {
            replaced = tags[i].Key.AsSpan().ContainsAnyExcept(AllowedAsciiChars) && FirstInvalid(tags[i].Key) >= 0;
        }

        if (!replaced)
        {
            return null;
        }

        var seen = new Dictionary<string, string>(tags.Count + 1, StringComparer.Ordinal);
        if (addsHost)
        {
            seen.Add(HostTagKey, HostTagKey);
        }

        for (var i = 0; i < tags.Count; i++)
        {
            var key = tags[i].Key;
            var written = Sanitize(key);
            if (!seen.TryAdd(written, key))
            {
                return $"{Describe(point)}: the tag keys '{seen[written]}' and '{key}' both become '{written}' once invalid characters are replaced with '_', "
                    + "and OpenTSDB keeps one value per tag key; rename one of them.";
            }
        }

        return null;
    }

    // The characters of the name, the tags (with their separators) and the host tag, a surrogate pair counting as one.
    private int CodePoints(in DataPoint point)
    {
        static int Count(string text)
        {
            var n = text.Length;
            for (var i = 0; i + 1 < text.Length; i++)
            {
                if (char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1]))
                {
                    n--;
                    i++;
                }
            }

            return n;
        }

        var tags = point.Tags;
        var count = Count(point.Metric);
        for (var i = 0; i < tags.Count; i++)
        {
            count += Count(tags[i].Key) + Count(tags[i].Value) + 2;
        }

        if (_hostTag != null && !tags.ContainsKey(HostTagKey))
        {
            count += HostTagKey.Length + Count(_hostTag) + 2;
        }

        return count;
    }

    private static bool HasEmptyTag(Tags tags)
    {
        for (var i = 0; i < tags.Count; i++)
        {
            if (tags[i].Key.Length == 0 || tags[i].Value.Length == 0)
            {
                return true;
            }
        }

        return false;
    }

    // JSON adds quotes, colons, commas and key names on top of a line's bytes.
    private static int JsonExtraBytes(in DataPoint point) => 64 + (6 * (point.Tags.Count + 1));

    private string? WriteLine(in DataPoint point, bool addsHost, Span<byte> span, out int written)
    {
        written = 0;
        var pos = 0;
        var error = WriteHead(point, span, ref pos);
        if (error != null)
        {
            return error;
        }

        pos += WriteTimestamp(point.EpochSeconds, span[pos..]);
        span[pos++] = (byte)' ';
        pos += OpenTsdbNumber.Write(point.Value, span[pos..]);
        if ((error = WriteTags(point, addsHost, span, ref pos)) != null)
        {
            return error;
        }

        if (pos > MaxLineBytes)
        {
            return LineTooLong(point, pos);
        }

        span[pos++] = (byte)'\n';
        written = pos;
        return null;
    }

    // "put name " with the character rule applied.
    private string? WriteHead(in DataPoint point, Span<byte> span, ref int pos)
    {
        "put "u8.CopyTo(span[pos..]);
        pos += 4;
        var error = WriteToken(point.Metric, span, ref pos, point, null);
        if (error != null)
        {
            return error;
        }

        span[pos++] = (byte)' ';
        return null;
    }

    // " k=v" for every tag in key order, the host tag in its place, with the character rule applied.
    private string? WriteTags(in DataPoint point, bool addsHost, Span<byte> span, ref int pos)
    {
        var tags = point.Tags;
        var host = addsHost ? _hostTag : null;
        string? error;
        for (var i = 0; i <= tags.Count; i++)
        {
            if (host != null && (i == tags.Count || string.CompareOrdinal(tags[i].Key, HostTagKey) > 0))
            {
                span[pos++] = (byte)' ';
                "host="u8.CopyTo(span[pos..]);
                pos += 5;
                if ((error = WriteToken(host, span, ref pos, point, HostTagKey)) != null)
                {
                    return error;
                }

                host = null;
            }

            if (i == tags.Count)
            {
                break;
            }

            span[pos++] = (byte)' ';
            if ((error = WriteToken(tags[i].Key, span, ref pos, point, string.Empty)) != null)
            {
                return error;
            }

            span[pos++] = (byte)'=';
            if ((error = WriteToken(tags[i].Value, span, ref pos, point, tags[i].Key)) != null)
            {
                return error;
            }
        }

        return null;
    }

    // The cached parts of the line of a point with a finite value, made (and checked) on first use.
    private TelnetLine Line(in DataPoint point)
    {
        var line = _lines.Find(point.Metric, point.Tags, null);
        if (line != null)
        {
            return line;
        }

        var error = CheckShape(point, lineLimit: true, out var upperBound, out var addsHost);
        if (error == null)
        {
            var rented = ArrayPool<byte>.Shared.Rent(upperBound);
            try
            {
                var pos = 0;
                error = WriteHead(point, rented, ref pos);
                var headLength = pos;
                if (error == null && (error = WriteTags(point, addsHost, rented, ref pos)) == null)
                {
                    rented[pos++] = (byte)'\n';
                    line = new TelnetLine(point.Metric, point.Tags, rented.AsSpan(0, pos).ToArray(), headLength, null);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        line ??= new TelnetLine(point.Metric, point.Tags, [], 0, error);
        _lines.Add(line);
        return line;
    }

    private int WriteTimestamp(long seconds, Span<byte> span)
    {
        var timestamp = Volatile.Read(ref _timestamp);
        if (timestamp is null || timestamp.Seconds != seconds)
        {
            timestamp = new TimestampText(seconds);
            Volatile.Write(ref _timestamp, timestamp);
        }

        timestamp.Text.CopyTo(span);
        return timestamp.Text.Length;
    }

    private string? WriteJsonObject(in DataPoint point, bool addsHost, Span<byte> span, ref int pos)
    {
        "{\"metric\":\""u8.CopyTo(span[pos..]);
        pos += 11;
        var error = WriteToken(point.Metric, span, ref pos, point, null);
        if (error != null)
        {
            return error;
        }

        "\",\"timestamp\":"u8.CopyTo(span[pos..]);
        pos += 14;
        point.EpochSeconds.TryFormat(span[pos..], out var n, default, System.Globalization.CultureInfo.InvariantCulture);
        pos += n;
        ",\"value\":"u8.CopyTo(span[pos..]);
        pos += 9;
        pos += OpenTsdbNumber.Write(point.Value, span[pos..]);
        ",\"tags\":{"u8.CopyTo(span[pos..]);
        pos += 9;

        var tags = point.Tags;
        var host = addsHost ? _hostTag : null;
        var first = true;
        for (var i = 0; i <= tags.Count; i++)
        {
            if (host != null && (i == tags.Count || string.CompareOrdinal(tags[i].Key, HostTagKey) > 0))
            {
                if (!first)
                {
                    span[pos++] = (byte)',';
                }

                "\"host\":\""u8.CopyTo(span[pos..]);
                pos += 8;
                if ((error = WriteToken(host, span, ref pos, point, HostTagKey)) != null)
                {
                    return error;
                }

                span[pos++] = (byte)'"';
                host = null;
                first = false;
            }

            if (i == tags.Count)
            {
                break;
            }

            if (!first)
            {
                span[pos++] = (byte)',';
            }

            span[pos++] = (byte)'"';
            if ((error = WriteToken(tags[i].Key, span, ref pos, point, string.Empty)) != null)
            {
                return error;
            }

            "\":\""u8.CopyTo(span[pos..]);
            pos += 3;
            if ((error = WriteToken(tags[i].Value, span, ref pos, point, tags[i].Key)) != null)
            {
                return error;
            }

            span[pos++] = (byte)'"';
            first = false;
        }

        "}}"u8.CopyTo(span[pos..]);
        pos += 2;
        return null;
    }

    // Writes a name, key or value with the character rule applied. Output never needs JSON escaping: only letters,
    // digits and - _ . / are ever written.
    // tagKey: null for the metric name, "" for a tag key, otherwise the key whose value this is.
    private string? WriteToken(string text, Span<byte> span, ref int pos, in DataPoint point, string? tagKey)
    {
        if (text.Length == 0)
        {
            return $"{Describe(point)}: the {What(tagKey)} is empty; OpenTSDB needs non-empty names, tag keys and tag values.";
        }

        // Nearly every name is plain ASCII: check and copy it vectorized.
        if (!text.AsSpan().ContainsAnyExcept(AllowedAsciiChars))
        {
            System.Text.Ascii.FromUtf16(text, span[pos..], out var copied);
            pos += copied;
            return null;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 128 && AllowedAscii[c])
            {
                span[pos++] = (byte)c;
            }
            else if (c >= 128 && char.IsLetter(c))
            {
                // A letter of the Basic Multilingual Plane is never a surrogate: 2 or 3 UTF-8 bytes.
                if (c < 0x800)
                {
                    span[pos++] = (byte)(0xC0 | (c >> 6));
                    span[pos++] = (byte)(0x80 | (c & 0x3F));
                }
                else
                {
                    span[pos++] = (byte)(0xE0 | (c >> 12));
                    span[pos++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                    span[pos++] = (byte)(0x80 | (c & 0x3F));
                }
            }
            else if (_reject)
            {
                return $"{Describe(point)}: the {What(tagKey)} '{text}' has the invalid character {DescribeChar(text, i)} at position {i}; "
                    + $"{AllowedText} (set InvalidCharacters = Replace to replace invalid characters with '_').";
            }
            else
            {
                span[pos++] = (byte)'_';
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                }
            }
        }

        return null;
    }

    private static string What(string? tagKey) => tagKey switch
    {
        null => "metric name",
        "" => "tag key",
        _ => $"value of tag '{tagKey}'",
    };

    private static string LineTooLong(in DataPoint point, int bytes) =>
        $"{Describe(point)}: its line would be at least {bytes} bytes, more than OpenTSDB's limit of {MaxLineBytes}; shorten the name or the tags.";

    private static string Describe(in DataPoint point)
    {
        var name = point.Metric.Length > 100 ? point.Metric[..100] + "..." : point.Metric;
        return $"Point '{name}'";
    }

    private static string DescribeChar(string text, int i)
    {
        var c = text[i];
        if (char.IsControl(c) || char.IsWhiteSpace(c) || char.IsSurrogate(c))
        {
            return $"U+{(int)c:X4}".ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return $"'{c}'";
    }

    private static void WriteAscii(IBufferWriter<byte> writer, string text)
    {
        var span = writer.GetSpan(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            span[i] = (byte)text[i];
        }

        writer.Advance(text.Length);
    }

    private static bool[] BuildAllowedAscii()
    {
        var table = new bool[128];
        for (var c = 'a'; c <= 'z'; c++)
        {
            table[c] = true;
        }

        for (var c = 'A'; c <= 'Z'; c++)
        {
            table[c] = true;
        }

        for (var c = '0'; c <= '9'; c++)
        {
            table[c] = true;
        }

        table['-'] = table['_'] = table['.'] = table['/'] = true;
        return table;
    }

    /// <summary>A point name's telnet line without its timestamp and value, or why it cannot be sent.</summary>
    private sealed class TelnetLine(string metric, Tags tags, byte[] text, int headLength, string? error) : LineCacheEntry(metric, tags, null)
    {
        // "put name " and " tags\n" in one array (one object to fetch per line): the value goes at HeadLength.
        public byte[] Text { get; } = text;

        public int HeadLength { get; } = headLength;

        public string? Error { get; } = error;
    }

    private sealed class TimestampText(long seconds)
    {
        public long Seconds { get; } = seconds;

        public byte[] Text { get; } = System.Text.Encoding.ASCII.GetBytes(seconds.ToString(CultureInfo.InvariantCulture));
    }
}
