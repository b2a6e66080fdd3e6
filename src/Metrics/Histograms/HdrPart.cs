using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Metrics.Histograms;

/// <summary>
/// One share of an HDR histogram's recorded values: bucket counts in lazily allocated blocks, plus count, exact sum,
/// min, max, clamped and rejected. The histogram sums its parts when read.
/// </summary>
/// <remarks>
/// <para>An owned part is written by one thread at a time (the thread that owns its <see cref="Primitives.ThreadSlots"/>
/// slot) with plain loads and <see cref="Volatile.Write(ref long, long)"/> stores: no locked instruction. The shared
/// part takes the values of threads that own no slot, with atomic instructions, as many threads may write it at once.</para>
/// <para>Either way every field only grows (bucket counts, block totals, sum, clamped, rejected) or only moves outward
/// (min, max), and a value's sum, min and max are stored before its bucket, and its bucket before its block's total. So
/// a reader that reads the buckets first and the sums afterwards has the sum of every value it counted, copies of the
/// bucket counts taken at two reads differ by exactly the values recorded in between, and a block whose total has not
/// moved since a reader's previous copy holds nothing that reader has not seen, except values still in flight.</para>
/// </remarks>
// Explicit offsets keep the fields the owner writes on every value (64 to 648) at least 56 bytes away from the object's
// edges, so no other object, such as another thread's part placed next to this one by the collector, shares a cache
// line with them: two threads recording into one histogram never slow each other down.
[StructLayout(LayoutKind.Explicit)]
internal sealed class HdrPart
{
    // _sumVersion: the low 16 bits count carries under way, each carry done adds CarryDone.
    private const int CarriesUnderWay = 0xFFFF;
    private const int CarryDone = 0x10000;

    [FieldOffset(0)]
    private readonly long[]?[] _blocks;

    // The layout's numbers, copied so a value finds its bucket without loading the layout first.
    [FieldOffset(8)]
    private readonly long _highest;
    [FieldOffset(16)]
    private readonly int _subBucketBits;
    [FieldOffset(20)]
    private readonly int _halfBits;
    [FieldOffset(24)]
    private readonly int _offsetMask;

    // The largest double recorded as itself: the highest trackable value, and below 2^63 (which no long holds).
    [FieldOffset(32)]
    private readonly double _highestDouble;

    // The sum of integer values as a 128-bit number. A writer brackets the rare add that carries into the high half
    // with _sumVersion: +1 when it starts (the low 16 bits count carries under way), +0xFFFF when it ends (the high
    // bits count carries done). A reader retries while a carry is under way or the version moved, so it never takes a
    // wrapped low half with the old high half.
    [FieldOffset(64)]
    private ulong _sumLow;
    [FieldOffset(72)]
    private ulong _sumHigh;
    [FieldOffset(80)]
    private int _sumVersion;
    [FieldOffset(84)]
    private int _hasFractions;
    [FieldOffset(88)]
    private double _fractionalSum;
    [FieldOffset(104)]
    private long _clamped;
    [FieldOffset(112)]
    private long _rejected;
    [FieldOffset(120)]
    private double _min = double.PositiveInfinity;
    [FieldOffset(128)]
    private double _max = double.NegativeInfinity;

    // Per block, how many values its buckets were given: bumped after the bucket, so a reader that finds a block's
    // total unchanged since its previous read skips the block. Kept in the object, next to the other fields written
    // on every value, so bumping one is a single instruction at a fixed offset from the part.
    [FieldOffset(136)]
    private BlockTotals _totals;

    // Never read: it only extends the object 56 bytes past the last written field.
    [FieldOffset(136 + (8 * BlockTotals.Capacity) + 56)]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("CodeQuality", "IDE0051", Justification = "Padding.")]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1823", Justification = "Padding.")]
    private readonly long _end;

    public HdrPart(HdrLayout layout)
    {
        if (layout.BlockCount > BlockTotals.Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(layout), layout.BlockCount, $"A layout has at most {BlockTotals.Capacity} blocks.");
        }

        _blocks = new long[]?[layout.BlockCount];
        _highest = layout.HighestTrackableValue;
        _highestDouble = Math.Min(_highest, Math.BitDecrement(9.2233720368547758E18));
        _subBucketBits = layout.SubBucketBits;
        _halfBits = layout.HalfBits;
        _offsetMask = layout.BlockSize - 1;
    }

    /// <summary>Values recorded in this part (clamped ones included, rejected ones not): the sum of its block totals.</summary>
    public long Count
    {
        get
        {
            long count = 0;
            foreach (ref var total in Totals)
            {
                count += Volatile.Read(ref total);
            }

            return count;
        }
    }

    public long Clamped => Volatile.Read(ref _clamped);

    public long Rejected => Volatile.Read(ref _rejected);

    /// <summary>Whether a value with a fractional part was ever recorded here.</summary>
    public bool HasFractions => Volatile.Read(ref _hasFractions) != 0;

    /// <summary>The smallest value recorded, or +∞.</summary>
    public double Min => Volatile.Read(ref _min);

    /// <summary>The largest value recorded, or -∞.</summary>
    public double Max => Volatile.Read(ref _max);

    /// <summary>The block array; a slot is null until a value reaches it. Read its counts with <see cref="Volatile"/>.</summary>
    public long[]?[] Blocks => _blocks;

    /// <summary>Per block, the values counted in its buckets so far (each bumped after the bucket); read with <see cref="Volatile"/>.</summary>
    public Span<long> Totals => MemoryMarshal.CreateSpan(ref _totals.First, _blocks.Length);

    /// <summary>Adds this part's sum, split in an integer part and a fractional part, to the totals given.</summary>
    public void AddSumTo(ref UInt128 integers, ref double fractions)
    {
        ulong high;
        ulong low;
        int version;
        do
        {
            version = Volatile.Read(ref _sumVersion);
            high = Volatile.Read(ref _sumHigh);
            low = Volatile.Read(ref _sumLow);
        }
        while ((version & CarriesUnderWay) != 0 || version != Volatile.Read(ref _sumVersion));

        integers += new UInt128(high, low);
        fractions += Volatile.Read(ref _fractionalSum);
    }

    /// <summary>Records an integer value; only the thread that owns this part may call it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RecordOwned(long value) => Record(value, atomic: false);

    /// <summary>Records a value; only the thread that owns this part may call it.</summary>
    public void RecordOwned(double value) => Record(value, atomic: false);

    /// <summary>Records an integer value from any thread (atomic instructions).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void RecordShared(long value) => Record(value, atomic: true);

    /// <summary>Records a value from any thread (atomic instructions).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void RecordShared(double value) => Record(value, atomic: true);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Bump(ref long field, bool atomic)
    {
        if (atomic)
        {
            Interlocked.Increment(ref field);
        }
        else
        {
            Volatile.Write(ref field, field + 1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Record(long value, bool atomic)
    {
        var highest = _highest;
        if ((ulong)value > (ulong)highest)
        {
            if (value < 0)
            {
                Bump(ref _rejected, atomic);
                return;
            }

            Bump(ref _clamped, atomic);
            value = highest;
        }

        RecordInteger(value, atomic);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Record(double value, bool atomic)
    {
        // One test for the common case: NaN, negative, infinite and too large values all fail it.
        if (!(value >= 0 && value <= _highestDouble))
        {
            RecordOutOfRange(value, atomic);
            return;
        }

        var rounded = Math.Round(value);
        if (rounded == value)
        {
            RecordInteger((long)value, atomic);
            return;
        }

        if (Volatile.Read(ref _hasFractions) == 0)
        {
            Volatile.Write(ref _hasFractions, 1);
        }

        if (atomic)
        {
            AddFractionAtomic(value);
        }
        else
        {
            Volatile.Write(ref _fractionalSum, _fractionalSum + value);
        }

        UpdateMinMax(value, atomic);

        // Rounding can lift a value just under the highest trackable one above it.
        Increment(Math.Min((long)rounded, _highest), atomic);
    }

    // Not a number, negative or infinite: rejected. Above the highest trackable value (or 2^63 and up, beyond a long):
    // recorded as the highest trackable value, and counted as clamped.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RecordOutOfRange(double value, bool atomic)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            Bump(ref _rejected, atomic);
            return;
        }

        Bump(ref _clamped, atomic);
        RecordInteger(_highest, atomic);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RecordInteger(long value, bool atomic)
    {
        // Sum, min and max go first: a reader that sees a value's bucket then also sees them.
        if (atomic)
        {
            AddSumShared((ulong)value);
        }
        else
        {
            var low = _sumLow + (ulong)value;
            if (low < (ulong)value)
            {
                // Rare: the rest of the record goes to a method of its own, so that nothing here lives across a call.
                RecordCarrying(value, low);
                return;
            }

            Volatile.Write(ref _sumLow, low);
        }

        UpdateMinMax(value, atomic);
        Increment(value, atomic);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RecordCarrying(long value, ulong low)
    {
        Carry(low);
        UpdateMinMax(value, atomic: false);
        Increment(value, atomic: false);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Increment(long value, bool atomic)
    {
        // HdrLayout.Locate, on the copied numbers.
        var shift = Math.Max(0, 64 - BitOperations.LeadingZeroCount((ulong)value) - _subBucketBits);
        var sub = value >> shift;
        var block = shift + (int)(sub >> _halfBits);
        var offset = (int)sub & _offsetMask;
        var counts = Volatile.Read(ref _blocks[block]);
        if (counts is null)
        {
            // Once per block: as with the carry, the allocating path is a method of its own.
            IncrementAllocating(value, block, atomic);
            return;
        }

        Bump(ref counts[offset], atomic);

        // _totals holds a total for every index of _blocks, which `block` has just passed.
        Bump(ref Unsafe.Add(ref _totals.First, block), atomic);
    }

    // Allocates the block, then records as usual (the block is there now).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void IncrementAllocating(long value, int block, bool atomic)
    {
        AllocateBlock(block);
        Increment(value, atomic);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void UpdateMinMax(double value, bool atomic)
    {
        if (atomic)
        {
            UpdateMinMaxAtomic(value);
            return;
        }

        if (value < _min)
        {
            Volatile.Write(ref _min, value);
        }

        if (value > _max)
        {
            Volatile.Write(ref _max, value);
        }
    }

    // The shared part's 128-bit sum, with many writers. An add that does not carry is one compare-exchange of the low
    // half. One that carries goes to CarryShared, which brackets it in _sumVersion as an owner brackets its own.
    private void AddSumShared(ulong value)
    {
        var low = Volatile.Read(ref _sumLow);
        while (true)
        {
            var next = low + value;
            if (next < low)
            {
                CarryShared(value);
                return;
            }

            var seen = Interlocked.CompareExchange(ref _sumLow, next, low);
            if (seen == low)
            {
                return;
            }

            low = seen;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CarryShared(ulong value)
    {
        // Two writers may both start here from the same low half; the second then finds it wrapped and adds without
        // carrying. Each counts itself under way until it is done, so the version shows a carry until both are.
        Interlocked.Increment(ref _sumVersion);
        var low = Volatile.Read(ref _sumLow);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref _sumLow, low + value, low);
            if (seen == low)
            {
                break;
            }

            low = seen;
        }

        if (low + value < low)
        {
            Interlocked.Increment(ref _sumHigh);
        }

        Interlocked.Add(ref _sumVersion, CarryDone - 1);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Carry(ulong low)
    {
        var version = _sumVersion;
        Volatile.Write(ref _sumVersion, version + 1);
        Volatile.Write(ref _sumLow, low);
        Volatile.Write(ref _sumHigh, _sumHigh + 1);
        Volatile.Write(ref _sumVersion, version + CarryDone);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private long[] AllocateBlock(int block)
    {
        var fresh = new long[_offsetMask + 1];
        return Interlocked.CompareExchange(ref _blocks[block], fresh, null) ?? fresh;
    }

    private void AddFractionAtomic(double value)
    {
        var current = Volatile.Read(ref _fractionalSum);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref _fractionalSum, current + value, current);
            if (seen.Equals(current))
            {
                return;
            }

            current = seen;
        }
    }

    private void UpdateMinMaxAtomic(double value)
    {
        var min = Volatile.Read(ref _min);
        while (value < min)
        {
            var seen = Interlocked.CompareExchange(ref _min, value, min);
            if (seen.Equals(min))
            {
                break;
            }

            min = seen;
        }

        var max = Volatile.Read(ref _max);
        while (value > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, value, max);
            if (seen.Equals(max))
            {
                break;
            }

            max = seen;
        }
    }

    // One total per block: a layout has at most 60 blocks (one significant digit, values up to long.MaxValue).
    [InlineArray(Capacity)]
    private struct BlockTotals
    {
        public const int Capacity = 64;

        public long First;
    }
}
