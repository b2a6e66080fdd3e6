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

    /// <summary>Where the cache's sequence holds this entry (-1: nowhere yet); a hint, checked before it is trusted.</summary>
    internal int Position { get; set; } = -1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool Matches(string metric, Tags tags, object? context) =>
        ReferenceEquals(Metric, metric) && ReferenceEquals(Tags, tags) && ReferenceEquals(Context, context);
}

/// <summary>
/// The constant parts of a series' lines, formatted, checked and escaped once, found again by the identity of the
/// point's name and tags: the engine's expander hands out the same instances for a series in every report, so a
/// report finds each series' text here and writes only its timestamp and value. An eight-way set-associative table
/// of immutable entries: a lookup is a hash of the name's reference and at most eight comparisons, reading needs no
/// lock, and a racing insert only costs a later miss. Bounded: it grows (from 1,024 up to 262,144 slots) only while
/// lookups keep missing, and a miss simply formats the line the slow way again.
/// </summary>
/// <remarks>
/// In front of the table sits the order of the previous report: a report asks for the same series in the same order
/// as the one before, so each lookup first tries the entry that followed the previous one last time, or the first
/// one after the last (one load and three reference comparisons, no hashing). When that guess is wrong the table answers, and the entry's recorded
/// position puts the guesses back in step; entries never placed are appended. The guess is only a hint: an entry is
/// returned only when its name, tags and context are the very instances asked for.
/// </remarks>
/// <typeparam name="TEntry">The entry type.</typeparam>
internal sealed class LineCache<TEntry>
    where TEntry : LineCacheEntry
{
    private const int InitialSlots = 1 << 10;
    private const int MaxSlots = 1 << 18;

    // Entries per set: eight references, 64 bytes.
    private const int Ways = 8;

    private TEntry?[] _slots = new TEntry?[InitialSlots];

    // The entries in the order they were last asked for, and where the next lookup expects its entry. Racy hints:
    // a lost update only costs a table lookup.
    private TEntry?[] _sequence = new TEntry?[InitialSlots];
    private int _next;

    // Approximate (racy) counts over the current window of lookups; they only steer growth.
    private int _lookups;
    private int _misses;

    /// <summary>The slots of the table now (for tests).</summary>
    internal int Slots => Volatile.Read(ref _slots).Length;

    /// <summary>The entry for <paramref name="metric"/> and <paramref name="tags"/> (and <paramref name="context"/>), or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TEntry? Find(string metric, Tags tags, object? context)
    {
        var sequence = _sequence;
        var next = _next;

        // Past the end of the previous order, a new report starts again from its front.
        var guess = (uint)next < (uint)sequence.Length && sequence[next] is not null ? next : 0;
        if (sequence[guess] is { } expected && expected.Matches(metric, tags, context))
        {
            _next = guess + 1;
            _lookups++;
            return expected;
        }

        var entry = FindInTable(metric, tags, context);
        if (entry != null)
        {
            Follow(entry, next);
        }

        return entry;
    }

    private TEntry? FindInTable(string metric, Tags tags, object? context)
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

            if (entry.Matches(metric, tags, context))
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
        Follow(entry, _next);
    }

    // Puts the guesses in step after `entry` was found (or added) at sequence position `next`: from the entry's own
    // position when the sequence still holds it there, else by placing it at `next`.
    private void Follow(TEntry entry, int next)
    {
        var sequence = _sequence;
        var at = entry.Position;
        if ((uint)at < (uint)sequence.Length && ReferenceEquals(sequence[at], entry))
        {
            _next = at + 1;
            return;
        }

        if ((uint)next >= MaxSlots)
        {
            // A sequence longer than the table could ever hold: start again from the front.
            next = 0;
        }

        if (next >= sequence.Length)
        {
            Array.Resize(ref sequence, Math.Min(MaxSlots, Math.Max(next + 1, sequence.Length * 2)));
            _sequence = sequence;
        }

        sequence[next] = entry;
        entry.Position = next;
        _next = next + 1;
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
