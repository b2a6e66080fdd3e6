using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Metrics.Histograms;

/// <summary>An HDR-style histogram: recording with no locked instruction, lifetime snapshots and per-reader windows.</summary>
/// <remarks>
/// A read scans the summed counts of every part once, block by block, into buffers kept per reading thread; the only
/// arrays it allocates are the snapshot's own buckets, at their exact size. A histogram that recorded nothing since the
/// cursor's previous read is answered without a scan: its window from the counts alone, and its lifetime snapshot, when
/// nothing was clamped or rejected either, by the one the cursor kept from that read.
/// </remarks>
internal sealed class HdrHistogram
{
    // Per reading thread: one block of counts summed over parts (allocated when first needed), and the buckets of the
    // read in progress (lifetime and window).
    [ThreadStatic]
    private static long[]? t_sums;

    [ThreadStatic]
    private static HistogramBucket[]? t_buckets;

    [ThreadStatic]
    private static HistogramBucket[]? t_windowBuckets;

    // Buckets compared at once when looking for those that matter; every block size is a multiple of it.
    private const int ChunkSize = 8;

    // Scratch buffers larger than this (64 KB each) serve one read and are then left to the collector, so a thread
    // that once read a huge histogram (many significant digits) does not keep its buffers for ever.
    private const int MaxKeptBuckets = 4096;
    private const int MaxKeptSums = 8192;

    private static readonly HistogramSnapshot EmptyWindow = HdrSnapshotBuilder.Build([], 0, 0, 0, 0, 0, 0);

    private readonly HdrRecorder _recorder;

    public HdrHistogram(int significantDigits, long highestTrackableValue) =>
        _recorder = new HdrRecorder(new HdrLayout(significantDigits, highestTrackableValue));

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

    /// <summary>Every value recorded over the histogram's life. Min and max are exact.</summary>
    public HistogramSnapshot GetSnapshot() => Read(null, lifetime: true, out _)!;

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
        if (cursor.Counts is not null && _recorder.Count == cursor.SeenCount)
        {
            // Nothing counted since the cursor's previous read (counts are published after buckets, so a value
            // still in flight is simply left to the next window).
            return EmptyWindowOf(cursor);
        }

        Read(cursor, lifetime: false, out var window);
        return window;
    }

    /// <summary>
    /// <see cref="GetSnapshot"/> and <see cref="GetWindow"/> from one scan of the counts: the lifetime snapshot is
    /// returned, the window comes out in <paramref name="window"/>, and the cursor moves to now.
    /// </summary>
    /// <remarks>
    /// A histogram that recorded, clamped and rejected nothing since the cursor's previous read returns that read's
    /// lifetime snapshot again: an idle histogram costs a reader a few loads, not a scan of its counts.
    /// </remarks>
    public HistogramSnapshot GetSnapshotAndWindow(HistogramCursor cursor, out HistogramSnapshot window)
    {
        if (cursor.Counts is not null && _recorder.Count == cursor.SeenCount)
        {
            window = EmptyWindowOf(cursor);
            // The kept snapshot still holds when it counted what the cursor has seen, clamped and rejected so far.
            if (cursor.Lifetime is { } last && last.Count == cursor.SeenCount && last.Clamped == cursor.Clamped && last.Rejected == cursor.Rejected)
            {
                return last;
            }

            return cursor.Lifetime = GetSnapshot();
        }

        return cursor.Lifetime = Read(cursor, lifetime: true, out window)!;
    }

    private HistogramSnapshot EmptyWindowOf(HistogramCursor cursor)
    {
        var clamped = _recorder.Clamped;
        var rejected = _recorder.Rejected;
        var windowClamped = clamped - cursor.Clamped;
        var windowRejected = rejected - cursor.Rejected;
        cursor.Clamped = clamped;
        cursor.Rejected = rejected;
        return windowClamped == 0 && windowRejected == 0
            ? EmptyWindow
            : HdrSnapshotBuilder.Build([], 0, 0, 0, 0, windowClamped, windowRejected);
    }

    // One scan of the summed counts. With a cursor: the window since its previous read goes to `window` and the
    // cursor moves on; the lifetime snapshot is built when `lifetime` (always without a cursor), else null is returned.
    private HistogramSnapshot? Read(HistogramCursor? cursor, bool lifetime, out HistogramSnapshot window)
    {
        var layout = Layout;
        var blockSize = layout.BlockSize;
        var parts = _recorder.Parts;
        var shared = _recorder.Shared;
        var sums = t_sums is { } s && s.Length >= blockSize ? s : null;
        var first = cursor is not null && cursor.Counts is null;
        var seen = cursor is null ? null : cursor.Counts ??= new long[]?[layout.BlockCount];
        var scan = new Scan
        {
            All = lifetime ? t_buckets ??= new HistogramBucket[64] : [],
            Fresh = cursor is null ? [] : t_windowBuckets ??= new HistogramBucket[64],
            LowBlock = -1,
        };

        for (var b = 0; b < layout.BlockCount; b++)
        {
            var counts = SumBlock(parts, shared, b, ref sums);
            if (!counts.IsEmpty)
            {
                ScanBlock(counts, seen is null ? null : seen[b] ??= new long[blockSize], lifetime, b, blockSize, ref scan);
            }
        }

        // Every bucket read above happens before the sums below (a full fence, once per read), so each value
        // counted has its sum, min and max in them.
        Interlocked.MemoryBarrier();
        UInt128 integers = default;
        double fractions = 0;
        if (scan.Count > 0 || scan.FreshTotal > 0)
        {
            _recorder.ReadSum(out integers, out fractions);
        }

        var lifetimeMin = _recorder.Min;
        var lifetimeMax = _recorder.Max;
        var clamped = _recorder.Clamped;
        var rejected = _recorder.Rejected;

        window = EmptyWindow;
        if (cursor is not null)
        {
            window = BuildWindow(
                cursor, scan.Fresh.AsSpan(0, scan.FreshCount), scan.FreshTotal, integers, fractions, first, lifetimeMin,
                lifetimeMax, (scan.LowBlock, scan.LowOffset, scan.HighBlock, scan.HighOffset), clamped, rejected);
        }

        if (!lifetime)
        {
            return null;
        }

        var min = lifetimeMin;
        var max = lifetimeMax;
        if (scan.Count > 0 && (double.IsInfinity(min) || double.IsInfinity(max)))
        {
            // A writer counted its value but has not published min/max yet: fall back to the buckets.
            min = scan.All[0].Value;
            max = scan.All[scan.AllCount - 1].Value;
        }

        return HdrSnapshotBuilder.Build(
            scan.All.AsSpan(0, scan.AllCount).ToArray(), scan.Count, (double)integers + fractions, min, max, clamped, rejected);
    }

    // Collects the buckets of one block that matter: every non-empty one into the lifetime list when `lifetime`, and
    // those that grew since the cursor's copy `last` (then brought up to date) into the window list.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ScanBlock(ReadOnlySpan<long> counts, long[]? last, bool lifetime, int b, int blockSize, ref Scan scan)
    {
        // A bucket's representative value, as HdrLayout.RepresentativeValue computes it, with the block's part
        // worked out once: ((base + offset) << shift) + half.
        var shift = b == 0 ? 0 : b - 1;
        long offsetBase = b == 0 ? 0 : blockSize;
        var half = ((1L << shift) - 1) / 2.0;

        var all = scan.All;
        var allCount = scan.AllCount;
        long count = 0;
        var fresh = scan.Fresh;
        var freshCount = scan.FreshCount;
        long freshTotal = 0;
        int low = -1, high = -1;
        var changedOnly = !lifetime && last is not null;
        for (var chunk = 0; chunk < counts.Length; chunk += ChunkSize)
        {
            // The buckets that matter in this chunk, one bit each: non-empty ones when the lifetime snapshot is
            // built, else those that moved since the cursor's copy.
            var mask = Matches(counts, changedOnly ? last : null, chunk);
            while (mask != 0)
            {
                var o = chunk + BitOperations.TrailingZeroCount(mask);
                mask &= mask - 1;
                var now = counts[o];
                var value = (double)((offsetBase + o) << shift) + half;
                if (lifetime)
                {
                    if (allCount == all.Length)
                    {
                        Array.Resize(ref all, all.Length * 2);
                        t_buckets = all.Length <= MaxKeptBuckets ? all : t_buckets;
                    }

                    all[allCount++] = new HistogramBucket(value, now);
                    count += now;
                }

                if (last is null)
                {
                    continue;
                }

                var delta = now - last[o];
                if (delta <= 0)
                {
                    continue;
                }

                last[o] = now;
                if (freshCount == fresh.Length)
                {
                    Array.Resize(ref fresh, fresh.Length * 2);
                    t_windowBuckets = fresh.Length <= MaxKeptBuckets ? fresh : t_windowBuckets;
                }

                fresh[freshCount++] = new HistogramBucket(value, delta);
                freshTotal += delta;
                low = low < 0 ? o : low;
                high = o;
            }
        }

        scan.All = all;
        scan.AllCount = allCount;
        scan.Count += count;
        scan.Fresh = fresh;
        scan.FreshCount = freshCount;
        scan.FreshTotal += freshTotal;
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
        var sum = (double)(integers - cursor.IntegerSum) + (fractions - cursor.FractionalSum);
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
            // A fractional value v is counted in the bucket of Math.Round(v), so it may lie half a unit outside it.
            var slack = _recorder.HasFractions ? 0.5 : 0;
            min = Layout.LowestValue(range.LowBlock, range.LowOffset) - slack;
            max = Layout.HighestValue(range.HighBlock, range.HighOffset) + slack;
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

    // One bit per bucket of counts[at .. at + ChunkSize): set where the count is not zero (`last` null) or differs
    // from `last`. Vectorized where the hardware allows; every block is a whole number of chunks.
    private static uint Matches(ReadOnlySpan<long> counts, long[]? last, int at)
    {
        ref var from = ref MemoryMarshal.GetReference(counts);
        if (Vector512.IsHardwareAccelerated)
        {
            var now = Vector512.LoadUnsafe(ref from, (nuint)at);
            var equal = last is null
                ? Vector512.Equals(now, Vector512<long>.Zero)
                : Vector512.Equals(now, Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(last), (nuint)at));
            return ~(uint)equal.ExtractMostSignificantBits() & 0xFF;
        }

        if (Vector256.IsHardwareAccelerated)
        {
            var low = Vector256.LoadUnsafe(ref from, (nuint)at);
            var high = Vector256.LoadUnsafe(ref from, (nuint)(at + 4));
            Vector256<long> lowEqual, highEqual;
            if (last is null)
            {
                lowEqual = Vector256.Equals(low, Vector256<long>.Zero);
                highEqual = Vector256.Equals(high, Vector256<long>.Zero);
            }
            else
            {
                ref var seen = ref MemoryMarshal.GetArrayDataReference(last);
                lowEqual = Vector256.Equals(low, Vector256.LoadUnsafe(ref seen, (nuint)at));
                highEqual = Vector256.Equals(high, Vector256.LoadUnsafe(ref seen, (nuint)(at + 4)));
            }

            return ~(lowEqual.ExtractMostSignificantBits() | (highEqual.ExtractMostSignificantBits() << 4)) & 0xFF;
        }

        uint mask = 0;
        for (var i = 0; i < ChunkSize; i++)
        {
            if (counts[at + i] != (last is null ? 0 : last[at + i]))
            {
                mask |= 1u << i;
            }
        }

        return mask;
    }

    // The counts of block b summed over every part: the one part's own array when only one part reached the block
    // (read as it is, no copy), else the sum in `sums`; empty when no part reached it.
    private static ReadOnlySpan<long> SumBlock(HdrPart?[] parts, HdrPart? shared, int b, ref long[]? sums)
    {
        long[]? single = null;
        var summed = false;
        foreach (var part in parts)
        {
            if (part is not null)
            {
                Accumulate(Volatile.Read(ref part.Blocks[b]), ref sums, ref single, ref summed);
            }
        }

        if (shared is not null)
        {
            Accumulate(Volatile.Read(ref shared.Blocks[b]), ref sums, ref single, ref summed);
        }

        return summed ? sums.AsSpan(0, single!.Length) : single;
    }

    private static void Accumulate(long[]? counts, ref long[]? sums, ref long[]? single, ref bool summed)
    {
        if (counts is null)
        {
            return;
        }

        if (single is null)
        {
            single = counts;
            return;
        }

        if (sums is null)
        {
            sums = new long[counts.Length];
            t_sums = counts.Length <= MaxKeptSums ? sums : t_sums;
        }

        var target = sums;
        if (!summed)
        {
            single.AsSpan().CopyTo(target);
            summed = true;
        }

        var total = target.AsSpan(0, counts.Length);
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref var to = ref MemoryMarshal.GetArrayDataReference(target);
            ref var from = ref MemoryMarshal.GetArrayDataReference(counts);
            for (; i <= counts.Length - Vector<long>.Count; i += Vector<long>.Count)
            {
                (Vector.LoadUnsafe(ref to, (nuint)i) + Vector.LoadUnsafe(ref from, (nuint)i)).StoreUnsafe(ref to, (nuint)i);
            }
        }

        for (; i < total.Length; i++)
        {
            total[i] += counts[i];
        }
    }

    // What a read has collected so far, block after block.
    private struct Scan
    {
        public HistogramBucket[] All;
        public int AllCount;
        public long Count;
        public HistogramBucket[] Fresh;
        public int FreshCount;
        public long FreshTotal;
        public int LowBlock;
        public int LowOffset;
        public int HighBlock;
        public int HighOffset;
    }
}
