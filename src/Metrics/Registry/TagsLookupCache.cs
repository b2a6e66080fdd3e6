using System.Runtime.CompilerServices;

namespace Metrics.Registry;

/// <summary>
/// A direct-mapped cache in front of the series table for lookups with a prebuilt <see cref="Tags"/>: callers that
/// build their tags once and pass the same instance with the same name string on every call are matched by
/// reference, with no string hashed or compared. A miss falls back to the table; the cache only speeds things up.
/// </summary>
/// <remarks>
/// Entries are immutable and published with compare-and-swap, added only to an empty slot and only for an interned
/// name (a literal), so a lookup allocates at most once per slot. Removing a series clears the slots that point at
/// it; an entry added concurrently with a removal is checked and withdrawn by its adder, as in
/// <see cref="SpanLookupCache"/>.
/// </remarks>
internal sealed class TagsLookupCache
{
    private const int Bits = 10;

    private readonly Entry?[] _slots = new Entry?[1 << Bits];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Series? Find(string name, Tags tags)
    {
        var entry = Volatile.Read(ref _slots[Index(name, tags)]);
        return entry is not null && ReferenceEquals(entry.Name, name) && ReferenceEquals(entry.Tags, tags) ? entry.Series : null;
    }

    /// <summary>
    /// Adds an entry matching <paramref name="name"/> and <paramref name="tags"/> by reference when the slot is empty
    /// and the name is interned; <paramref name="isHeld"/> is asked afterwards, and an entry for a series no longer
    /// held is withdrawn.
    /// </summary>
    public void TryAdd(string name, Tags tags, Series series, Func<Series, bool> isHeld)
    {
        var index = Index(name, tags);
        if (Volatile.Read(ref _slots[index]) is not null || !ReferenceEquals(string.IsInterned(name), name))
        {
            return;
        }

        var entry = new Entry(name, tags, series);
        if (Interlocked.CompareExchange(ref _slots[index], entry, null) is null && !isHeld(series))
        {
            Interlocked.CompareExchange(ref _slots[index], null, entry);
        }
    }

    /// <summary>Clears every slot pointing at <paramref name="series"/>.</summary>
    public void Remove(Series series)
    {
        for (var i = 0; i < _slots.Length; i++)
        {
            var entry = Volatile.Read(ref _slots[i]);
            if (entry is not null && ReferenceEquals(entry.Series, series))
            {
                Interlocked.CompareExchange(ref _slots[i], null, entry);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Index(string name, Tags tags) =>
        (int)((((uint)RuntimeHelpers.GetHashCode(tags) * 0x9E3779B1u) ^ (uint)RuntimeHelpers.GetHashCode(name)) * 0x85EBCA6Bu >> (32 - Bits));

    private sealed class Entry(string name, Tags tags, Series series)
    {
        public string Name { get; } = name;

        public Tags Tags { get; } = tags;

        public Series Series { get; } = series;
    }
}
