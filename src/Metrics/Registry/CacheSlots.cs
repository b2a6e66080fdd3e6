using System.Runtime.CompilerServices;

namespace Metrics.Registry;

/// <summary>An entry of a lookup cache in front of the series table: immutable, pointing at one series.</summary>
internal abstract class CacheEntry(Series series)
{
    public Series Series { get; } = series;
}

/// <summary>
/// The slots of a direct-mapped lookup cache in front of the series table (<see cref="SpanLookupCache"/>,
/// <see cref="TagsLookupCache"/>). Entries are immutable and published with compare-and-swap, only into an empty slot,
/// so a lookup allocates at most once per slot. Removing a series clears the slots that point at it; an entry
/// published concurrently with a removal is checked and withdrawn by its publisher.
/// </summary>
/// <typeparam name="TEntry">The cache's entry type.</typeparam>
internal sealed class CacheSlots<TEntry>(int bits)
    where TEntry : CacheEntry
{
    private readonly TEntry?[] _slots = new TEntry?[1 << bits];

    /// <summary>The entry at <paramref name="index"/>, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TEntry? Read(int index) => Volatile.Read(ref _slots[index]);

    /// <summary>
    /// Publishes <paramref name="entry"/> at <paramref name="index"/> if the slot is still empty; <paramref name="isHeld"/>
    /// is asked afterwards, and an entry for a series no longer held is withdrawn.
    /// </summary>
    public void Publish(int index, TEntry entry, Func<Series, bool> isHeld)
    {
        if (Interlocked.CompareExchange(ref _slots[index], entry, null) is null && !isHeld(entry.Series))
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
}
