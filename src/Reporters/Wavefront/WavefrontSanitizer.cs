namespace Metrics.Reporters.Wavefront;

/// <summary>Sanitizing of names and tag keys, escaping of source and tag values (PROTOCOLS.md, Wavefront).</summary>
internal static class WavefrontSanitizer
{
    /// <summary>The delta prefix the SDK adds (INCREMENT, U+2206).</summary>
    public const char DeltaPrefix = '\u2206';

    /// <summary>The other delta sign the server accepts (GREEK CAPITAL LETTER DELTA, U+0394).</summary>
    public const char GreekDelta = '\u0394';

    public static bool HasDeltaPrefix(string name) => name.Length > 0 && (name[0] == DeltaPrefix || name[0] == GreekDelta);

    /// <summary>True for the characters a name or tag key may hold anywhere: <c>A-Z a-z 0-9 - _ . ,</c>.</summary>
    public static bool IsAllowed(char c) =>
        (uint)((c | 0x20) - 'a') <= 'z' - 'a' || (uint)(c - '0') <= 9 || c is '-' or '_' or '.' or ',';

    /// <summary>
    /// Writes a name or tag key with every character outside the allowed set replaced by <c>-</c>, keeping a leading
    /// <c>~</c>, delta sign, or delta sign followed by <c>~</c>; returns the characters written. A character outside
    /// the Basic Multilingual Plane (a surrogate pair, such as an emoji) is one character, so one <c>-</c>, as in the
    /// reference SDK.
    /// </summary>
    public static int Sanitize(ReadOnlySpan<char> name, Span<char> destination)
    {
        var i = 0;
        if (name.Length > 0 && (name[0] == DeltaPrefix || name[0] == GreekDelta))
        {
            destination[0] = name[0];
            i = 1;
            if (name.Length > 1 && name[1] == '~')
            {
                destination[1] = '~';
                i = 2;
            }
        }
        else if (name.Length > 0 && name[0] == '~')
        {
            destination[0] = '~';
            i = 1;
        }

        var written = i;
        for (; i < name.Length; i++)
        {
            var c = name[i];
            destination[written++] = IsAllowed(c) ? c : '-';
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
            }
        }

        return written;
    }

    /// <summary>The largest escaped length of <paramref name="length"/> characters (every character may double).</summary>
    public static int MaxEscapedLength(int length) => length * 2;

    /// <summary>Writes a source or tag value trimmed, with <c>"</c> as <c>\"</c> and a line feed as <c>\n</c> (not quoted).</summary>
    public static int Escape(ReadOnlySpan<char> value, Span<char> destination)
    {
        value = value.Trim();
        var pos = 0;
        foreach (var c in value)
        {
            if (c == '"')
            {
                destination[pos++] = '\\';
                destination[pos++] = '"';
            }
            else if (c == '\n')
            {
                destination[pos++] = '\\';
                destination[pos++] = 'n';
            }
            else
            {
                destination[pos++] = c;
            }
        }

        return pos;
    }
}
