using System.Runtime.CompilerServices;

namespace Metrics.Reporters.Formatting;

/// <summary>What a <see cref="LineCache{TEntry}"/> keeps for one point name of one series: immutable once added.</summary>
internal abstract class LineCacheEntry
{
    protected LineCacheEntry(string metric, Tags tags, object? context)
    {
        Metric = metric;
        Tags = tags;
        Context = context;
    }

    /// <summary>The point name (matched by reference).</summary>
    public string Metric { get; }

    /// <summary>The point's tags (matched by reference).</summary>
    public Tags Tags { get; }

    /// <summary>Anything else the cached text depends on, such as a source (matched by reference).</summary>
    public object? Context { get; }
}

/// <summary>
/// The constant parts of a series' lines, formatted, checked and escaped once, found again by the identity of the
/// point's name and tags: the engine's expander hands out the same instances for a series in every report, so a
/// report finds each series' text here and writes only its timestamp and value. An eight-way set-associative table
/// of immutable entries: a lookup is a hash of the name's reference and at most eight comparisons, reading needs no
/// lock, and a racing insert only costs a later miss. Bounded: it grows (from 1,024 up to 262,144 slots) only while
/// lookups keep missing, and a miss simply formats the line the slow way again.
/// </summary>
/// <typeparam name="TEntry">The entry type.</typeparam>
internal sealed class LineCache<TEntry>
    where TEntry : LineCacheEntry
{
    private const int InitialSlots = 1 << 10;
    private const int MaxSlots = 1 << 18;

    // Entries per set: eight references, 64 bytes.
    private const int Ways = 8;

    private TEntry?[] _slots = new TEntry?[InitialSlots];

    // Approximate (racy) counts over the current window of lookups; they only steer growth.
    private int _lookups;
    private int _misses;

    /// <summary>The slots of the table now (for tests).</summary>
    internal int Slots => Volatile.Read(ref _slots).Length;

    /// <summary>The entry for <paramref name="metric"/> and <paramref name="tags"/> (and <paramref name="context"/>), or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TEntry? Find(string metric, Tags tags, object? context)
    {
        var slots = Volatile.Read(ref _slots);
        var set = Index(metric, slots.Length);
        for (var i = set; i < set + Ways; i++)
        {
            var entry = slots[i];
            if (entry is null)
            {
                break;
            }

            if (ReferenceEquals(entry.Metric, metric) && ReferenceEquals(entry.Tags, tags) && ReferenceEquals(entry.Context, context))
            {
                _lookups++;
                return entry;
            }
        }

        return null;
    }

    /// <summary>Keeps <paramref name="entry"/> in the first free place of its set, or in its last place when the set is full.</summary>
    public void Add(TEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var slots = Volatile.Read(ref _slots);
        var lookups = ++_lookups;
        var misses = ++_misses;
        if (lookups >= slots.Length)
        {
            // More than one lookup in 256 missed over the last window: the table is too small for the series (a miss
            // formats and checks a line again, the price of a hundred hits or more).
            if (misses > lookups / 256 && slots.Length < MaxSlots)
            {
                slots = Grow(slots);
                Volatile.Write(ref _slots, slots);
            }

            _lookups = 0;
            _misses = 0;
        }

        Insert(slots, entry);
    }

    // The first places of a full set stay put and only its last one changes hands: when more names than places
    // share a set, all but the last place keep hitting instead of every name evicting the next (as with LRU under
    // a report's cyclic order).
    private static void Insert(TEntry?[] slots, TEntry entry)
    {
        var set = Index(entry.Metric, slots.Length);
        var last = set + Ways - 1;
        for (var i = set; i < last; i++)
        {
            if (slots[i] is null)
            {
                slots[i] = entry;
                return;
            }
        }

        slots[last] = entry;
    }

    // Twice the slots, with the entries kept.
    private static TEntry?[] Grow(TEntry?[] slots)
    {
        var grown = new TEntry?[slots.Length * 2];
        foreach (var entry in slots)
        {
            if (entry != null)
            {
                Insert(grown, entry);
            }
        }

        return grown;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Index(string metric, int length)
    {
        // The name alone: the expander gives every point name of every series its own string, and hashing the tags
        // as well would read one more object per lookup (a cache miss when a report's series outgrow the CPU's caches).
        var hash = (uint)RuntimeHelpers.GetHashCode(metric) * 0x9E3779B1u;
        hash ^= hash >> 15;
        return (int)(hash & (uint)(length - Ways));
    }
}
