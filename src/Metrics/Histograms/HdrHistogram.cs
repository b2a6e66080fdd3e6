using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Metrics.Histograms;

/// <summary>An HDR-style histogram: recording with no locked instruction, lifetime snapshots and per-reader windows.</summary>
/// <remarks>
/// A reader's cursor keeps a copy of the counts it has seen, block by block. A read first sums the parts' block totals
/// and copies (summed over parts) only the blocks whose total moved since; the new copies are diffed against the old
/// ones for the window, and the lifetime snapshot shares every unchanged block with the previous one. So a read costs
/// the blocks that received values since the reader's previous read, not the histogram's whole range, and a histogram
/// that recorded nothing since returns the previous lifetime snapshot (when nothing was clamped or rejected either).
/// <para>A histogram with a unit finer than 1 (<see cref="HdrLayout.UnitShift"/> above 0) counts, sums and bounds its
/// values in units: it is given them through <see cref="RecordScaled(long)"/> and <see cref="RecordScaled(double)"/>,
/// which multiply by 2^UnitShift, and every value a read gives out (sums, min, max, standard deviation, bucket values)
/// is multiplied back by <see cref="HdrLayout.Unit"/>. Both are exact in doubles, so at a unit of 1 nothing changes.</para>
/// </remarks>
internal sealed class HdrHistogram
{
    // Per reading thread: the block totals summed over parts, and the window buckets of the read in progress.
    [ThreadStatic]
    private static long[]? t_totals;

    [ThreadStatic]
    private static HistogramBucket[]? t_windowBuckets;

    // Per reading thread: one block's counts summed over parts, before a reusing read writes them into its own copy.
    [ThreadStatic]
    private static long[]? t_block;

    // Buckets compared at once when looking for those that matter; every block size is a multiple of it.
    private const int ChunkSize = 8;

    // Window buffers larger than this (64 KB) serve one read and are then left to the collector, so a thread that once
    // read a huge window (many significant digits) does not keep its buffer for ever.
    private const int MaxKeptBuckets = 4096;

    private static readonly HistogramSnapshot EmptyWindow = HdrSnapshotBuilder.Build([], 0, 0, 0, 0, 0, 0);

    private readonly HdrRecorder _recorder;

    // Scaled histograms: the highest trackable value in the user's units, and 2^UnitShift.
    private readonly long _highest;
    private readonly double _scale;

    /// <param name="significantDigits">Significant decimal digits kept for each value.</param>
    /// <param name="highestTrackableValue">The largest value recorded as itself, in the user's units.</param>
    /// <param name="unitShift">
    /// Values are bucketed in units of 2^-<paramref name="unitShift"/>; record them with <see cref="RecordScaled(long)"/>
    /// when it is above 0. <paramref name="highestTrackableValue"/> · 2^unitShift must fit a long.
    /// </param>
    public HdrHistogram(int significantDigits, long highestTrackableValue, int unitShift = 0)
    {
        Debug.Assert(unitShift >= 0 && highestTrackableValue <= long.MaxValue >> unitShift, "the scaled highest fits a long");
        _highest = highestTrackableValue;
        _scale = Math.ScaleB(1.0, unitShift);
        _recorder = new HdrRecorder(new HdrLayout(significantDigits, highestTrackableValue << unitShift, unitShift));
    }

    public HdrLayout Layout => _recorder.Layout;

    public long Count => _recorder.Count;

    /// <summary>Blocks of counts allocated so far over every part (each <see cref="HdrLayout.BlockSize"/> longs).</summary>
    public int AllocatedBlocks
    {
        get
        {
            var allocated = 0;
            foreach (var part in _recorder.Parts)
            {
                allocated += part is null ? 0 : CountBlocks(part);
            }

            var shared = _recorder.Shared;
            return allocated + (shared is null ? 0 : CountBlocks(shared));

            static int CountBlocks(HdrPart part)
            {
                var blocks = part.Blocks;
                var n = 0;
                for (var b = 0; b < blocks.Length; b++)
                {
                    n += Volatile.Read(ref blocks[b]) is null ? 0 : 1;
                }

                return n;
            }
        }
    }

    /// <summary>Parts that hold values: one per thread slot that recorded, plus the shared one if used.</summary>
    public int PartCount
    {
        get
        {
            var n = _recorder.Shared is null ? 0 : 1;
            foreach (var part in _recorder.Parts)
            {
                n += part is null ? 0 : 1;
            }

            return n;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(long value) => _recorder.Record(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(double value) => _recorder.Record(value);

    /// <summary>Records a value in the user's units into a histogram whose unit is finer than 1.</summary>
    public void RecordScaled(long value) =>
        // Values from 0 to the highest trackable one are exact in units (the layout's highest fits a long); negative
        // ones stay negative (rejected) and larger ones become long.MaxValue, above the scaled highest (clamped).
        _recorder.Record((ulong)value <= (ulong)_highest ? value << Layout.UnitShift : value < 0 ? value : long.MaxValue);

    /// <summary>Records a value in the user's units into a histogram whose unit is finer than 1.</summary>
    public void RecordScaled(double value)
    {
        var scaled = value * _scale;
        if (double.IsPositiveInfinity(scaled) && double.IsFinite(value))
        {
            // Finite but beyond doubles once scaled: far above the highest trackable value, so clamped, not rejected.
            scaled = double.MaxValue;
        }

        _recorder.Record(scaled);
    }

    /// <summary>Every value recorded over the histogram's life, in the user's units. Min and max are exact.</summary>
    public HistogramSnapshot GetSnapshot() => Read(new HistogramCursor(null), collectWindow: false, reuse: false, out _);

    /// <summary>
    /// The values recorded since <paramref name="cursor"/> last saw this histogram (all of them the first time),
    /// then moves the cursor to now. Other cursors and <see cref="GetSnapshot"/> are not affected.
    /// </summary>
    /// <remarks>
    /// The first window's min and max are exact. Later windows take them from the lowest and highest non-empty
    /// bucket, narrowed to the lifetime min and max: within the histogram's relative error.
    /// </remarks>
    public HistogramSnapshot GetWindow(HistogramCursor cursor)
    {
        Read(cursor, collectWindow: true, reuse: false, out var window);
        return window;
    }

    /// <summary>
    /// <see cref="GetSnapshot"/> and <see cref="GetWindow"/> from one read of the counts: the lifetime snapshot is
    /// returned, the window comes out in <paramref name="window"/>, and the cursor moves to now.
    /// </summary>
    /// <remarks>
    /// <para>A histogram that recorded, clamped and rejected nothing since the cursor's previous read returns that read's
    /// lifetime snapshot again: an idle histogram costs a reader its block totals, not a scan of its counts.</para>
    /// <para>With <paramref name="reuse"/> the caller is done with this cursor's previous lifetime snapshot (a reporter's
    /// collection): blocks that only reusing reads have handed out are then overwritten in place instead of copied, so
    /// a busy histogram's read allocates no new block. Blocks a read without it has handed out are never changed.</para>
    /// </remarks>
    public HistogramSnapshot GetSnapshotAndWindow(HistogramCursor cursor, bool reuse, out HistogramSnapshot window) =>
        Read(cursor, collectWindow: true, reuse, out window);

    // One read: copies the blocks whose total moved since the cursor's previous read (overwriting the cursor's own
    // copies when `reuse` allows), collects the window from them when `collectWindow` (the cursor then moves on), and
    // returns the lifetime snapshot, which the cursor keeps.
    private HistogramSnapshot Read(HistogramCursor cursor, bool collectWindow, bool reuse, out HistogramSnapshot window)
    {
        var lifetime = ReadCounts(cursor, collectWindow, reuse, out window);
        if (!reuse)
        {
            // Every block of the returned snapshot may now be kept by the caller: none may be overwritten any more.
            cursor.Overwritable = 0;
            cursor.OwnsBlockArrays = false;
        }

        return lifetime;
    }

    private HistogramSnapshot ReadCounts(HistogramCursor cursor, bool collectWindow, bool reuse, out HistogramSnapshot window)
    {
        var layout = Layout;
        var blockCount = layout.BlockCount;
        var parts = _recorder.Parts;
        var shared = _recorder.Shared;
        var totals = SumTotals(parts, shared, blockCount);
        var seenTotals = cursor.BlockTotals ??= new long[blockCount];
        var previous = cursor.Counts;
        long[]?[]? blocks = null;
        long[]? blockTotals = null;
        var scan = new Scan { Fresh = collectWindow ? t_windowBuckets ??= new HistogramBucket[64] : [], LowBlock = -1, Unit = layout.Unit };
        for (var b = 0; b < blockCount; b++)
        {
            var total = totals[b];
            if (total == seenTotals[b])
            {
                continue;
            }

            seenTotals[b] = total;
            if (blocks is null)
            {
                if (reuse && cursor.OwnsBlockArrays && previous is not null)
                {
                    blocks = previous.Blocks;
                    blockTotals = previous.BlockTotals;
                }
                else
                {
                    blocks = previous is null ? new long[]?[blockCount] : (long[]?[])previous.Blocks.Clone();
                    blockTotals = previous is null ? new long[blockCount] : (long[])previous.BlockTotals.Clone();
                    cursor.OwnsBlockArrays = reuse;
                }
            }

            var bit = 1UL << b;
            long[] copy;
            if ((cursor.Overwritable & bit) != 0)
            {
                // Only reusing reads have handed this copy out, and their caller is done with it: the counts now (the
                // one part's block as it is, or the parts summed into a scratch block) overwrite it where they moved.
                var own = blocks[b]!;
                var now = OnlyBlock(parts, shared, b) ?? ScratchSum(parts, shared, b, own.Length);
                if (collectWindow)
                {
                    CollectFresh(now, own, b, ref scan, overwrite: true);
                }
                else
                {
                    now.AsSpan().CopyTo(own);
                }

                copy = own;
            }
            else
            {
                copy = new long[layout.BlockSize];
                SumBlock(parts, shared, b, copy);
                if (collectWindow)
                {
                    CollectFresh(copy, blocks[b], b, ref scan, overwrite: false);
                }

                blocks[b] = copy;
                cursor.Overwritable |= reuse ? bit : 0;
            }

            // The block's exact sums follow its copy: by the counts that moved when the window's scan saw them, from
            // the whole copy otherwise.
            var sums = cursor.BlockSums ??= new BlockSums[blockCount];
            if (collectWindow)
            {
                sums[b].Add(scan.Moved);
                sums[b].Seal(b, layout.BlockSize);
            }
            else
            {
                sums[b] = BlockSums.Of(b, copy);
            }

            blockTotals![b] = sums[b].Count;
        }

        // Every bucket read above happens before the sums below (a full fence, once per read), so each value
        // counted has its sum, min and max in them.
        Interlocked.MemoryBarrier();
        var clamped = _recorder.Clamped;
        var rejected = _recorder.Rejected;
        if (blocks is null)
        {
            // No block moved: nothing new for the window (values still in flight are left to the next read), and
            // the lifetime snapshot is the previous one, with the clamped and rejected counts of now.
            window = collectWindow ? EmptyWindowOf(cursor, clamped, rejected) : EmptyWindow;
            var last = cursor.Lifetime;
            if (last is not null && last.Clamped == clamped && last.Rejected == rejected)
            {
                return last;
            }

            return cursor.Lifetime = previous is null || last is null
                ? HdrSnapshotBuilder.Build([], 0, 0, 0, 0, clamped, rejected)
                : Lifetime(previous, last.Sum, last.StdDev, clamped, rejected);
        }

        _recorder.ReadSum(out var integers, out var fractions);
        var unit = layout.Unit;
        var lifetimeMin = _recorder.Min * unit;
        var lifetimeMax = _recorder.Max * unit;
        window = EmptyWindow;
        if (collectWindow)
        {
            window = BuildWindow(
                cursor, scan.Fresh.AsSpan(0, scan.FreshCount), scan.FreshTotal, integers, fractions, previous is null,
                lifetimeMin, lifetimeMax, (scan.LowBlock, scan.LowOffset, scan.HighBlock, scan.HighOffset), clamped,
                rejected);
        }

        long lifetimeCount = 0;
        foreach (var n in blockTotals!)
        {
            lifetimeCount += n;
        }

        var min = lifetimeMin;
        var max = lifetimeMax;
        if (lifetimeCount > 0 && (double.IsInfinity(min) || double.IsInfinity(max)))
        {
            // A writer counted its value but has not published min/max yet: fall back to the buckets.
            min = HdrCounts.EdgeValue(layout, blocks, highest: false);
            max = HdrCounts.EdgeValue(layout, blocks, highest: true);
        }

        var counts = new HdrCounts(layout, blocks, blockTotals, lifetimeCount, min, Math.Max(min, max));
        var stdDev = BlockSums.StdDev(cursor.BlockSums) * unit;
        cursor.Counts = counts;
        return cursor.Lifetime = lifetimeCount == 0
            ? HdrSnapshotBuilder.Build([], 0, 0, 0, 0, clamped, rejected)
            : Lifetime(counts, ((double)integers + fractions) * unit, stdDev, clamped, rejected);
    }

    private static HistogramSnapshot Lifetime(HdrCounts counts, double sum, double stdDev, long clamped, long rejected) =>
        new(counts)
        {
            Count = counts.Total,
            Sum = sum,
            Mean = sum / counts.Total,
            Min = counts.Min,
            Max = counts.Max,
            StdDev = stdDev,
            Clamped = clamped,
            Rejected = rejected,
            Buckets = counts,
        };

    private static HistogramSnapshot EmptyWindowOf(HistogramCursor cursor, long clamped, long rejected)
    {
        var windowClamped = clamped - cursor.Clamped;
        var windowRejected = rejected - cursor.Rejected;
        cursor.Clamped = clamped;
        cursor.Rejected = rejected;
        return windowClamped == 0 && windowRejected == 0
            ? EmptyWindow
            : HdrSnapshotBuilder.Build([], 0, 0, 0, 0, windowClamped, windowRejected);
    }

    // Every part's block totals, summed into a buffer kept per reading thread.
    private static long[] SumTotals(HdrPart?[] parts, HdrPart? shared, int blockCount)
    {
        var totals = t_totals is { } kept && kept.Length >= blockCount ? kept : t_totals = new long[blockCount];
        var sum = totals.AsSpan(0, blockCount);
        sum.Clear();
        foreach (var part in parts)
        {
            if (part is not null)
            {
                Add(part.Totals, sum);
            }
        }

        if (shared is not null)
        {
            Add(shared.Totals, sum);
        }

        return totals;

        static void Add(Span<long> totals, Span<long> sum)
        {
            for (var b = 0; b < sum.Length; b++)
            {
                sum[b] += Volatile.Read(ref totals[b]);
            }
        }
    }

    // Collects the window's buckets from one block: those whose count in `now` exceeds the cursor's previous copy
    // `last` (null: all zero). With `overwrite`, `last` is the cursor's own copy and gets the counts of every chunk
    // that differs; `now` may be a part's live block, as each chunk of it is read once, so what is stored is what was
    // counted.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CollectFresh(long[] now, long[]? last, int b, ref Scan scan, bool overwrite)
    {
        Debug.Assert(!overwrite || last is not null, "a block is overwritten only where the cursor holds a copy");

        // A bucket's representative value, as HdrLayout.RepresentativeValue computes it, with the block's part
        // worked out once: (((base + offset) << shift) + half) · unit.
        var shift = b == 0 ? 0 : b - 1;
        long offsetBase = b == 0 ? 0 : now.Length;
        var half = ((1L << shift) - 1) / 2.0;
        var unit = scan.Unit;

        var fresh = scan.Fresh;
        var freshCount = scan.FreshCount;
        long freshTotal = 0;
        var moved = default(BlockSums);
        int low = -1, high = -1;
        Span<long> values = stackalloc long[ChunkSize];
        Span<long> before = stackalloc long[ChunkSize];
        for (var chunk = 0; chunk < now.Length; chunk += ChunkSize)
        {
            var mask = ReadChunk(now, last, chunk, values, before);
            if (mask == 0)
            {
                continue;
            }

            if (overwrite)
            {
                values.CopyTo(last.AsSpan(chunk));
            }

            while (mask != 0)
            {
                var i = BitOperations.TrailingZeroCount(mask);
                var o = chunk + i;
                mask &= mask - 1;
                var delta = values[i] - before[i];
                moved.Add((int)offsetBase + o, delta);
                if (delta <= 0)
                {
                    continue;
                }

                if (freshCount == fresh.Length)
                {
                    Array.Resize(ref fresh, fresh.Length * 2);
                    t_windowBuckets = fresh.Length <= MaxKeptBuckets ? fresh : t_windowBuckets;
                }

                fresh[freshCount++] = new HistogramBucket(((double)((offsetBase + o) << shift) + half) * unit, delta);
                freshTotal += delta;
                low = low < 0 ? o : low;
                high = o;
            }
        }

        scan.Fresh = fresh;
        scan.FreshCount = freshCount;
        scan.FreshTotal += freshTotal;
        scan.Moved = moved;
        if (high >= 0)
        {
            if (scan.LowBlock < 0)
            {
                scan.LowBlock = b;
                scan.LowOffset = low;
            }

            scan.HighBlock = b;
            scan.HighOffset = high;
        }
    }

    private HistogramSnapshot BuildWindow(
        HistogramCursor cursor,
        ReadOnlySpan<HistogramBucket> buckets,
        long count,
        UInt128 integers,
        double fractions,
        bool first,
        double lifetimeMin,
        double lifetimeMax,
        (int LowBlock, int LowOffset, int HighBlock, int HighOffset) range,
        long clamped,
        long rejected)
    {
        var windowClamped = clamped - cursor.Clamped;
        var windowRejected = rejected - cursor.Rejected;
        cursor.Clamped = clamped;
        cursor.Rejected = rejected;

        if (count == 0)
        {
            // Writers add to the sum before the bucket: a sum that moved without a bucket belongs to values this
            // cursor will count next time, so it stays for the next window. Sums of windows thus add up exactly.
            return windowClamped == 0 && windowRejected == 0
                ? EmptyWindow
                : HdrSnapshotBuilder.Build([], 0, 0, 0, 0, windowClamped, windowRejected);
        }

        cursor.SeenCount += count;
        var sum = ((double)(integers - cursor.IntegerSum) + (fractions - cursor.FractionalSum)) * Layout.Unit;
        cursor.IntegerSum = integers;
        cursor.FractionalSum = fractions;

        double min;
        double max;
        if (first && double.IsFinite(lifetimeMin) && double.IsFinite(lifetimeMax))
        {
            min = lifetimeMin;
            max = lifetimeMax;
        }
        else
        {
            // A value of v units, v not whole, is counted in the bucket of Math.Round(v), so it may lie half a unit
            // outside it.
            var slack = _recorder.HasFractions ? 0.5 : 0;
            min = (Layout.LowestValue(range.LowBlock, range.LowOffset) - slack) * Layout.Unit;
            max = (Layout.HighestValue(range.HighBlock, range.HighOffset) + slack) * Layout.Unit;
            if (double.IsFinite(lifetimeMin))
            {
                min = Math.Max(min, lifetimeMin);
            }

            if (double.IsFinite(lifetimeMax))
            {
                max = Math.Min(max, lifetimeMax);
            }
        }

        return HdrSnapshotBuilder.Build(buckets.ToArray(), count, sum, min, max, windowClamped, windowRejected);
    }

    // One bit per bucket of the chunk at offset `at` of block `now` (ChunkSize counts): set where the count differs
    // from last[at + i] (from 0 when `last` is null). The chunk of `now` is read once: when any bit is set, what was
    // read goes to `values` and the counts it is compared with to `before`; otherwise neither is written. Vectorized
    // where the hardware allows; every block is a whole number of chunks.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ReadChunk(long[] now, long[]? last, int at, Span<long> values, Span<long> before)
    {
        Debug.Assert(values.Length == ChunkSize && before.Length == ChunkSize, "one chunk");
        ref var from = ref MemoryMarshal.GetArrayDataReference(now);
        if (Vector512.IsHardwareAccelerated)
        {
            var current = Vector512.LoadUnsafe(ref from, (nuint)at);
            var seen = last is null ? Vector512<long>.Zero : Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(last), (nuint)at);
            var mask = ~(uint)Vector512.Equals(current, seen).ExtractMostSignificantBits() & 0xFF;
            if (mask != 0)
            {
                current.StoreUnsafe(ref MemoryMarshal.GetReference(values));
                seen.StoreUnsafe(ref MemoryMarshal.GetReference(before));
            }

            return mask;
        }

        if (Vector256.IsHardwareAccelerated)
        {
            var low = Vector256.LoadUnsafe(ref from, (nuint)at);
            var high = Vector256.LoadUnsafe(ref from, (nuint)(at + 4));
            Vector256<long> seenLow = Vector256<long>.Zero, seenHigh = Vector256<long>.Zero;
            if (last is not null)
            {
                ref var seen = ref MemoryMarshal.GetArrayDataReference(last);
                seenLow = Vector256.LoadUnsafe(ref seen, (nuint)at);
                seenHigh = Vector256.LoadUnsafe(ref seen, (nuint)(at + 4));
            }

            var mask = ~(Vector256.Equals(low, seenLow).ExtractMostSignificantBits()
                | (Vector256.Equals(high, seenHigh).ExtractMostSignificantBits() << 4)) & 0xFF;
            if (mask != 0)
            {
                low.StoreUnsafe(ref MemoryMarshal.GetReference(values));
                high.StoreUnsafe(ref MemoryMarshal.GetReference(values), 4);
                seenLow.StoreUnsafe(ref MemoryMarshal.GetReference(before));
                seenHigh.StoreUnsafe(ref MemoryMarshal.GetReference(before), 4);
            }

            return mask;
        }

        uint bits = 0;
        for (var i = 0; i < ChunkSize; i++)
        {
            values[i] = Volatile.Read(ref now[at + i]);
            before[i] = last is null ? 0 : last[at + i];
            bits |= values[i] != before[i] ? 1u << i : 0;
        }

        return bits;
    }

    // Block b of the one part that has reached it, or null when none or several have.
    private static long[]? OnlyBlock(HdrPart?[] parts, HdrPart? shared, int b)
    {
        long[]? only = shared is null ? null : Volatile.Read(ref shared.Blocks[b]);
        foreach (var part in parts)
        {
            if (part is not null && Volatile.Read(ref part.Blocks[b]) is { } block)
            {
                if (only is not null)
                {
                    return null;
                }

                only = block;
            }
        }

        return only;
    }

    // Block b's counts summed over every part into this thread's scratch block.
    private static long[] ScratchSum(HdrPart?[] parts, HdrPart? shared, int b, int blockSize)
    {
        var scratch = t_block is { } kept && kept.Length == blockSize ? kept : t_block = new long[blockSize];
        SumBlock(parts, shared, b, scratch);
        return scratch;
    }

    // Block b's counts summed over every part into `copy` (all zero when no part reached it).
    private static void SumBlock(HdrPart?[] parts, HdrPart? shared, int b, long[] copy)
    {
        var first = true;
        foreach (var part in parts)
        {
            if (part is not null)
            {
                Accumulate(Volatile.Read(ref part.Blocks[b]), copy, ref first);
            }
        }

        if (shared is not null)
        {
            Accumulate(Volatile.Read(ref shared.Blocks[b]), copy, ref first);
        }

        if (first)
        {
            copy.AsSpan().Clear();
        }
    }

    private static void Accumulate(long[]? counts, long[] copy, ref bool first)
    {
        if (counts is null)
        {
            return;
        }

        if (first)
        {
            counts.AsSpan().CopyTo(copy);
            first = false;
            return;
        }

        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref var to = ref MemoryMarshal.GetArrayDataReference(copy);
            ref var from = ref MemoryMarshal.GetArrayDataReference(counts);
            for (; i <= counts.Length - Vector<long>.Count; i += Vector<long>.Count)
            {
                (Vector.LoadUnsafe(ref to, (nuint)i) + Vector.LoadUnsafe(ref from, (nuint)i)).StoreUnsafe(ref to, (nuint)i);
            }
        }

        for (; i < counts.Length; i++)
        {
            copy[i] += counts[i];
        }
    }

    // What a read has collected so far, block after block.
    private struct Scan
    {
        // What moved in the block being scanned: the change of its count and of its exact sums.
        public BlockSums Moved;

        // The layout's unit in the user's values: bucket values are multiplied by it.
        public double Unit;
        public HistogramBucket[] Fresh;
        public int FreshCount;
        public long FreshTotal;
        public int LowBlock;
        public int LowOffset;
        public int HighBlock;
        public int HighOffset;
    }
}
