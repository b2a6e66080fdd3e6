using System.Globalization;

namespace Metrics.Reporters.Wavefront;

/// <summary>
/// Checks one point against what the Wavefront server accepts, before anything is written. Each check returns
/// null when valid, otherwise a message that says what was wrong and what to do.
/// </summary>
internal static class WavefrontValidation
{
    public static string? Name(string? name, string what, bool addsDeltaPrefix = false)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return $"The {what} name is blank; give every point a non-empty name.";
        }

        var length = name.Length + (addsDeltaPrefix && !WavefrontSanitizer.HasDeltaPrefix(name) ? 1 : 0);
        return length > WavefrontLimits.MaxNameLength
            ? $"The {what} name '{Shorten(name)}' is {length} characters long; Wavefront accepts at most {WavefrontLimits.MaxNameLength}. Shorten the name."
            : null;
    }

    public static string? Value(double value, string name) =>
        double.IsFinite(value)
            ? null
            : $"The value of '{Shorten(name)}' is {value.ToString(CultureInfo.InvariantCulture)}; NaN and infinities are never sent. Report finite values only.";

    public static string? Source(string? source)
    {
        if (string.IsNullOrWhiteSpace(source))
        {
            return "The source is blank; give a source (the default is the machine name).";
        }

        var length = source.AsSpan().Trim().Length;
        if (length > WavefrontLimits.MaxSourceLength)
        {
            return $"The source '{Shorten(source)}' is {length} characters long; Wavefront accepts at most {WavefrontLimits.MaxSourceLength}. Use a shorter source.";
        }

        return EndsWithBackslash(source)
            ? $"The source '{Shorten(source)}' ends with a backslash, which would escape its closing quote and break the line. Remove the trailing backslash."
            : null;
    }

    private static readonly System.Buffers.SearchValues<char> AllowedKeyChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,");

    /// <summary>Checks the tags of a metric, delta counter or distribution: each tag, and no two keys the same once sanitized.</summary>
    public static string? Tags(IEnumerable<KeyValuePair<string, string>>? tags, string name) =>
        SpanTags(tags, name) ?? CollidingKeys(tags, name);

    /// <summary>Checks each tag (a span may repeat a key, so keys are not compared).</summary>
    public static string? SpanTags(IEnumerable<KeyValuePair<string, string>>? tags, string name)
    {
        if (tags is null)
        {
            return null;
        }

        if (tags is IReadOnlyList<KeyValuePair<string, string>> list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                var error = Tag(list[i].Key, list[i].Value, name);
                if (error != null)
                {
                    return error;
                }
            }

            return null;
        }

        foreach (var tag in tags)
        {
            var error = Tag(tag.Key, tag.Value, name);
            if (error != null)
            {
                return error;
            }
        }

        return null;
    }

    // Keys that differ only in characters sanitizing turns into '-' ("a b" and "a-b") would be written as one key twice,
    // and the server keeps one value per key: such a point is not sent. Only keys that need sanitizing can collide.
    private static string? CollidingKeys(IEnumerable<KeyValuePair<string, string>>? tags, string name)
    {
        if (tags is null)
        {
            return null;
        }

        if (tags is IReadOnlyList<KeyValuePair<string, string>> list)
        {
            // Indexed, so the check of a point that needs no sanitizing allocates nothing.
            var sanitized = false;
            for (var i = 0; i < list.Count && !sanitized; i++)
            {
                sanitized = list[i].Key.AsSpan().ContainsAnyExcept(AllowedKeyChars);
            }

            if (!sanitized)
            {
                return null;
            }
        }
        else if (!tags.Any(tag => tag.Key.AsSpan().ContainsAnyExcept(AllowedKeyChars)))
        {
            return null;
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            var chars = new char[tag.Key.Length];
            var written = new string(chars, 0, WavefrontSanitizer.Sanitize(tag.Key, chars));
            if (!seen.TryAdd(written, tag.Key))
            {
                return $"The tag keys '{Shorten(seen[written])}' and '{Shorten(tag.Key)}' of '{Shorten(name)}' both become '{Shorten(written)}' once sanitized, and Wavefront keeps one value per tag key. Rename one of them.";
            }
        }

        return null;
    }

    public static string? Tag(string? key, string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return $"A tag key of '{Shorten(name)}' is blank; every tag needs a non-empty key.";
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            return $"The tag '{Shorten(key)}' of '{Shorten(name)}' has a blank value; Wavefront rejects empty tag values. Leave the tag out or give it a value.";
        }

        var length = key.Length + value.AsSpan().Trim().Length;
        if (length > WavefrontLimits.MaxTagLength)
        {
            return $"The tag '{Shorten(key)}' of '{Shorten(name)}' is {length} characters long (key plus value); Wavefront accepts at most {WavefrontLimits.MaxTagLength}. Shorten the key or the value.";
        }

        return EndsWithBackslash(value)
            ? $"The value of the tag '{Shorten(key)}' of '{Shorten(name)}' ends with a backslash, which would escape its closing quote and break the line. Remove the trailing backslash."
            : null;
    }

    /// <summary>Checks a span name, which is escaped like a tag value rather than sanitized.</summary>
    public static string? SpanName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "The span name is blank; give every span a non-empty name.";
        }

        return EndsWithBackslash(name)
            ? $"The span name '{Shorten(name)}' ends with a backslash, which would escape its closing quote and break the line. Remove the trailing backslash."
            : null;
    }

    public static string? Centroids(IReadOnlyList<Centroid>? centroids, string name)
    {
        if (centroids is null || centroids.Count == 0)
        {
            return $"The distribution '{Shorten(name)}' has no centroids; a distribution needs at least one (mean, count) pair.";
        }

        for (var i = 0; i < centroids.Count; i++)
        {
            var c = centroids[i];
            if (!double.IsFinite(c.Mean))
            {
                return $"A centroid of '{Shorten(name)}' has the mean {c.Mean.ToString(CultureInfo.InvariantCulture)}; means must be finite.";
            }

            if (c.Count <= 0)
            {
                return $"A centroid of '{Shorten(name)}' has the count {c.Count.ToString(CultureInfo.InvariantCulture)}; counts must be at least 1.";
            }
        }

        return null;
    }

    public static string? Granularities(HistogramGranularities granularities, string name) =>
        granularities == HistogramGranularities.None
            ? $"The distribution '{Shorten(name)}' has no granularity; give at least one of minute, hour or day."
            : null;

    public static string Shorten(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 61), "...");

    /// <summary>
    /// Quoted values are escaped the way the reference client does it, without doubling backslashes (PROTOCOLS.md), so a
    /// value whose last character (after trimming) is a backslash would escape the closing quote.
    /// </summary>
    private static bool EndsWithBackslash(string text)
    {
        var trimmed = text.AsSpan().Trim();
        return trimmed.Length > 0 && trimmed[^1] == '\\';
    }
}
