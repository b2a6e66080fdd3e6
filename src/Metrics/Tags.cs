using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Metrics;

/// <summary>
/// An immutable set of tags (key/value pairs) that identifies a series together with its metric name.
/// Keys are unique and kept sorted by ordinal comparison, so two <see cref="Tags"/> built from the same
/// pairs in any order are equal and hash alike.
/// </summary>
/// <remarks>Instances are immutable and safe to share between threads. Build a <see cref="Tags"/> once and
/// reuse it on hot paths: constructing one sorts and copies its pairs.</remarks>
public sealed class Tags : IReadOnlyList<KeyValuePair<string, string>>, IEquatable<Tags>
{
    private readonly KeyValuePair<string, string>[] _pairs;
    private readonly int _hash;

    /// <summary>The empty tag set.</summary>
    public static Tags Empty { get; } = new(Array.Empty<KeyValuePair<string, string>>(), sorted: true);

    /// <summary>Creates a tag set from key/value tuples, for example <c>new Tags(("region", "eu"), ("code", "200"))</c>.</summary>
    /// <param name="tags">The pairs. Keys must be non-empty and unique; values must not be null.</param>
    /// <exception cref="ArgumentException">A key is null or empty, a key repeats, or a value is null.</exception>
    public Tags(params (string Key, string Value)[] tags)
        : this(ToPairs(tags), sorted: false)
    {
    }

    /// <summary>Creates a tag set from key/value pairs (a dictionary, a list, another <see cref="Tags"/>).</summary>
    /// <param name="tags">The pairs. Keys must be non-empty and unique; values must not be null.</param>
    /// <exception cref="ArgumentException">A key is null or empty, a key repeats, or a value is null.</exception>
    public Tags(IEnumerable<KeyValuePair<string, string>> tags)
        : this(tags is Tags t ? t._pairs : (tags ?? throw new ArgumentNullException(nameof(tags))).ToArray(), sorted: tags is Tags)
    {
    }

    private Tags(KeyValuePair<string, string>[] pairs, bool sorted)
    {
        if (!sorted)
        {
            pairs = (KeyValuePair<string, string>[])pairs.Clone();
            for (var i = 0; i < pairs.Length; i++)
            {
                Validate(pairs[i].Key, pairs[i].Value);
            }

            Array.Sort(pairs, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            for (var i = 1; i < pairs.Length; i++)
            {
                if (string.Equals(pairs[i - 1].Key, pairs[i].Key, StringComparison.Ordinal))
                {
                    throw new ArgumentException($"Tag key '{pairs[i].Key}' is given more than once; each key may appear only once in a tag set.");
                }
            }
        }

        _pairs = pairs;
        _hash = ComputeHash(pairs);
    }

    /// <summary>The number of tags.</summary>
    public int Count => _pairs.Length;

    /// <summary>True when there are no tags.</summary>
    public bool IsEmpty => _pairs.Length == 0;

    /// <summary>The tag at <paramref name="index"/> in key order.</summary>
    public KeyValuePair<string, string> this[int index] => _pairs[index];

    /// <summary>The value of the tag with <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">There is no tag with that key.</exception>
    public string this[string key] => TryGetValue(key, out var value)
        ? value
        : throw new KeyNotFoundException($"There is no tag with key '{key}'.");

    /// <summary>Looks up the value of the tag with <paramref name="key"/>.</summary>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        var i = IndexOf(key);
        if (i >= 0)
        {
            value = _pairs[i].Value;
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>True when a tag with <paramref name="key"/> exists.</summary>
    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    /// <summary>
    /// Returns a tag set holding the tags of this set and of <paramref name="overrides"/>; where both have a
    /// key, the value from <paramref name="overrides"/> wins.
    /// </summary>
    public Tags Merge(Tags overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        if (overrides.IsEmpty)
        {
            return this;
        }

        if (IsEmpty)
        {
            return overrides;
        }

        var merged = new List<KeyValuePair<string, string>>(_pairs.Length + overrides._pairs.Length);
        int i = 0, j = 0;
        while (i < _pairs.Length || j < overrides._pairs.Length)
        {
            if (j >= overrides._pairs.Length)
            {
                merged.Add(_pairs[i++]);
            }
            else if (i >= _pairs.Length)
            {
                merged.Add(overrides._pairs[j++]);
            }
            else
            {
                var c = string.CompareOrdinal(_pairs[i].Key, overrides._pairs[j].Key);
                if (c < 0)
                {
                    merged.Add(_pairs[i++]);
                }
                else if (c > 0)
                {
                    merged.Add(overrides._pairs[j++]);
                }
                else
                {
                    merged.Add(overrides._pairs[j++]);
                    i++;
                }
            }
        }

        return new Tags(merged.ToArray(), sorted: true);
    }

    /// <summary>Returns a tag set with <paramref name="key"/> set to <paramref name="value"/> (added or replaced).</summary>
    public Tags With(string key, string value) => Merge(new Tags((key, value)));

    /// <summary>Returns a tag set without the tag <paramref name="key"/> (this instance when there is none).</summary>
    public Tags Without(string key)
    {
        var i = IndexOf(key);
        if (i < 0)
        {
            return this;
        }

        var pairs = new KeyValuePair<string, string>[_pairs.Length - 1];
        Array.Copy(_pairs, 0, pairs, 0, i);
        Array.Copy(_pairs, i + 1, pairs, i, _pairs.Length - i - 1);
        return new Tags(pairs, sorted: true);
    }

    /// <summary>Orders tag sets pair by pair, key then value (ordinal); of two where one begins the other, the shorter first.</summary>
    internal static int CompareOrdinal(Tags a, Tags b)
    {
        var n = Math.Min(a.Count, b.Count);
        for (var i = 0; i < n; i++)
        {
            var c = string.CompareOrdinal(a[i].Key, b[i].Key);
            if (c == 0)
            {
                c = string.CompareOrdinal(a[i].Value, b[i].Value);
            }

            if (c != 0)
            {
                return c;
            }
        }

        return a.Count.CompareTo(b.Count);
    }

    /// <inheritdoc />
    public bool Equals(Tags? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || other._hash != _hash || other._pairs.Length != _pairs.Length)
        {
            return false;
        }

        for (var i = 0; i < _pairs.Length; i++)
        {
            if (!string.Equals(_pairs[i].Key, other._pairs[i].Key, StringComparison.Ordinal)
                || !string.Equals(_pairs[i].Value, other._pairs[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// True when this set holds exactly the given pairs, in any order. Allocates nothing; used by the registry's
    /// lookup of a series from tags passed on every call.
    /// </summary>
    internal bool SetEquals(ReadOnlySpan<(string Key, string Value)> pairs)
    {
        if (pairs.Length != _pairs.Length)
        {
            return false;
        }

        // Each of our pairs must be matched exactly once: a repeated key in the span must not stand in for a missing one.
        Span<bool> seen = pairs.Length <= 64 ? stackalloc bool[pairs.Length] : new bool[pairs.Length];
        foreach (var (key, value) in pairs)
        {
            var i = IndexOf(key);
            if (i < 0 || seen[i] || !string.Equals(_pairs[i].Value, value, StringComparison.Ordinal))
            {
                return false;
            }

            seen[i] = true;
        }

        return true;
    }

    /// <summary>
    /// An order-independent hash of the given pairs that equals <see cref="GetHashCode"/> of the <see cref="Tags"/>
    /// built from them.
    /// </summary>
    internal static int HashOf(ReadOnlySpan<(string Key, string Value)> pairs)
    {
        var h = 0;
        foreach (var (key, value) in pairs)
        {
            h += PairHash(key, value);
        }

        return h;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Tags);

    /// <inheritdoc />
    public override int GetHashCode() => _hash;

    /// <summary>Returns the tags as <c>{k1=v1, k2=v2}</c>, for diagnostics.</summary>
    public override string ToString() =>
        "{" + string.Join(", ", _pairs.Select(p => p.Key + "=" + p.Value)) + "}";

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, string>>)_pairs).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Value equality.</summary>
    public static bool operator ==(Tags? left, Tags? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(Tags? left, Tags? right) => !(left == right);

    private int IndexOf(string key)
    {
        int lo = 0, hi = _pairs.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var c = string.CompareOrdinal(_pairs[mid].Key, key);
            if (c == 0)
            {
                return mid;
            }

            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }

    private static int ComputeHash(KeyValuePair<string, string>[] pairs)
    {
        var h = 0;
        foreach (var p in pairs)
        {
            h += PairHash(p.Key, p.Value);
        }

        return h;
    }

    // Summing per-pair hashes makes the hash independent of order, so a lookup from unsorted pairs needs no sort.
    private static int PairHash(string key, string value) =>
        HashCode.Combine(StringComparer.Ordinal.GetHashCode(key), StringComparer.Ordinal.GetHashCode(value)) * 31 + 17;

    private static void Validate(string key, string value)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new ArgumentException("A tag key is null or empty; every tag needs a non-empty key.");
        }

        if (value is null)
        {
            throw new ArgumentException($"The value of tag '{key}' is null; use an empty string or leave the tag out.");
        }
    }

    private static KeyValuePair<string, string>[] ToPairs((string Key, string Value)[] tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var pairs = new KeyValuePair<string, string>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            pairs[i] = new KeyValuePair<string, string>(tags[i].Key, tags[i].Value);
        }

        return pairs;
    }
}
