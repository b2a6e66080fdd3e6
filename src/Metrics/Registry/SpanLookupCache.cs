using System.Runtime.CompilerServices;

namespace Metrics.Registry;

/// <summary>
/// A direct-mapped cache in front of the series table for lookups with tags passed as a span on every call.
/// Call sites almost always pass the same string instances (literals, cached values), so an entry is matched by
/// reference, in any order, after an index computed from a few characters of each string: no string is hashed
/// or compared in full. A miss falls back to the table (still allocation-free); the cache only speeds things up.
/// </summary>
/// <remarks>
/// Entries are immutable and published with compare-and-swap. An entry is added only to an empty slot, so a lookup
/// allocates at most once per slot. Removing a series clears the slots that point at it; an entry added
/// concurrently with a removal is checked and withdrawn by its adder (see <see cref="TryAdd"/>).
/// </remarks>
internal sealed class SpanLookupCache
{
    private const int Bits = 11;

    private readonly CacheSlots<Entry> _slots = new(Bits);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Series? Find(string name, ReadOnlySpan<(string Key, string Value)> tags)
    {
        var entry = _slots.Read(Index(name, tags));
        return entry is not null && entry.Matches(name, tags) ? entry.Series : null;
    }

    /// <summary>
    /// Adds an entry matching <paramref name="name"/> and <paramref name="tags"/> by reference to
    /// <paramref name="series"/>, when its slot is empty and every string is interned (literals are): strings built
    /// at run time are new instances on each call and would never match again, so they are not worth a slot.
    /// <paramref name="isHeld"/> is asked afterwards, and an entry for a series no longer held is withdrawn.
    /// </summary>
    public void TryAdd(string name, ReadOnlySpan<(string Key, string Value)> tags, Series series, Func<Series, bool> isHeld)
    {
        var index = Index(name, tags);
        if (_slots.Read(index) is not null || !IsInterned(name))
        {
            return;
        }

        foreach (var (key, value) in tags)
        {
            if (!IsInterned(key) || !IsInterned(value))
            {
                return;
            }
        }

        _slots.Publish(index, new Entry(name, tags.ToArray(), series), isHeld);
    }

    /// <summary>Clears every slot pointing at <paramref name="series"/>.</summary>
    public void Remove(Series series) => _slots.Remove(series);

    // Order-independent, so a call site may pass its tags in any order; cheap, since collisions only cost a miss.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Index(string name, ReadOnlySpan<(string Key, string Value)> tags)
    {
        var h = (uint)Shape(name);
        foreach (var (key, value) in tags)
        {
            h += ((uint)Shape(key) * 0x9E3779B1u) ^ (uint)Shape(value);
        }

        return (int)((h * 0x85EBCA6Bu) >> (32 - Bits));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Shape(string? s) => s is null || s.Length == 0
        ? 0
        : s.Length ^ (s[0] << 7) ^ (s[s.Length >> 1] << 14) ^ (s[^1] << 21);

    private static bool IsInterned(string s) => ReferenceEquals(string.IsInterned(s), s);

    private sealed class Entry(string name, (string Key, string Value)[] pairs, Series series) : CacheEntry(series)
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Matches(string callerName, ReadOnlySpan<(string Key, string Value)> tags)
        {
            if (!ReferenceEquals(name, callerName) || tags.Length != pairs.Length)
            {
                return false;
            }

            for (var i = 0; i < tags.Length; i++)
            {
                var (key, value) = tags[i];

                // A call site usually passes its tags in the order the entry was made from: try that slot first.
                var same = pairs[i];
                if (ReferenceEquals(same.Key, key) ? !ReferenceEquals(same.Value, value) : !Contains(key, value))
                {
                    return false;
                }
            }

            return true;
        }

        private bool Contains(string key, string value)
        {
            foreach (var pair in pairs)
            {
                if (ReferenceEquals(pair.Key, key))
                {
                    return ReferenceEquals(pair.Value, value);
                }
            }

            return false;
        }
    }
}
