using System.Runtime.CompilerServices;

namespace Metrics.Registry;

/// <summary>
/// A direct-mapped cache in front of the series table for lookups with a prebuilt <see cref="Tags"/>: callers that
/// build their tags once and pass the same instance with the same name string on every call are matched by
/// reference, with no string hashed or compared. A miss falls back to the table; the cache only speeds things up.
/// </summary>
/// <remarks>
/// Entries are added only for an interned name (a literal), through <see cref="CacheSlots{TEntry}"/>: published into
/// an empty slot with compare-and-swap, cleared when their series is removed.
/// </remarks>
internal sealed class TagsLookupCache
{
    private const int Bits = 10;

    private readonly CacheSlots<Entry> _slots = new(Bits);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Series? Find(string name, Tags tags)
    {
        var entry = _slots.Read(Index(name, tags));
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
        if (_slots.Read(index) is null && ReferenceEquals(string.IsInterned(name), name))
        {
            _slots.Publish(index, new Entry(name, tags, series), isHeld);
        }
    }

    /// <summary>Clears every slot pointing at <paramref name="series"/>.</summary>
    public void Remove(Series series) => _slots.Remove(series);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Index(string name, Tags tags) =>
        (int)((((uint)RuntimeHelpers.GetHashCode(tags) * 0x9E3779B1u) ^ (uint)RuntimeHelpers.GetHashCode(name)) * 0x85EBCA6Bu >> (32 - Bits));

    private sealed class Entry(string name, Tags tags, Series series) : CacheEntry(series)
    {
        public string Name { get; } = name;

        public Tags Tags { get; } = tags;
    }
}
