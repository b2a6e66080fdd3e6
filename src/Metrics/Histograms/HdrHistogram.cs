namespace Metrics.Histograms;

/// <summary>An HDR-style histogram: lock-free recording, lifetime snapshots and per-reader windows.</summary>
internal sealed class HdrHistogram
{
    private readonly HdrRecorder _recorder;

    public HdrHistogram(int significantDigits, long highestTrackableValue) =>
        _recorder = new HdrRecorder(new HdrLayout(significantDigits, highestTrackableValue));

    public HdrLayout Layout => _recorder.Layout;

    public long Count => _recorder.Count;

    /// <summary>Blocks of counts allocated so far (each <see cref="HdrLayout.BlockSize"/> longs).</summary>
    public int AllocatedBlocks
    {
        get
        {
            var blocks = _recorder.Blocks;
            var allocated = 0;
            for (var b = 0; b < blocks.Length; b++)
            {
                allocated += Volatile.Read(ref blocks[b]) is null ? 0 : 1;
            }

            return allocated;
        }
    }

    public void Record(long value) => _recorder.Record(value);

    public void Record(double value) => _recorder.Record(value);

    /// <summary>Every value recorded over the histogram's life. Min and max are exact.</summary>
    public HistogramSnapshot GetSnapshot()
    {
        var buckets = new List<HistogramBucket>();
        long count = 0;
        var blocks = _recorder.Blocks;
        for (var b = 0; b < blocks.Length; b++)
        {
            var counts = Volatile.Read(ref blocks[b]);
            if (counts is null)
            {
                continue;
            }

            for (var o = 0; o < counts.Length; o++)
            {
                var c = Volatile.Read(ref counts[o]);
                if (c > 0)
                {
                    buckets.Add(new HistogramBucket(Layout.RepresentativeValue(b, o), c));
                    count += c;
                }
            }
        }

        _recorder.ReadSum(out var integers, out var fractions);
        var min = _recorder.Min;
        var max = _recorder.Max;
        if (count > 0 && (double.IsInfinity(min) || double.IsInfinity(max)))
        {
            // A writer counted its value but has not published min/max yet: fall back to the buckets.
            min = buckets[0].Value;
            max = buckets[^1].Value;
        }

        return HdrSnapshotBuilder.Build(
            buckets.ToArray(), count, (double)integers + fractions, min, max, _recorder.Clamped, _recorder.Rejected);
    }

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
        var first = cursor.Counts is null;
        var seen = cursor.Counts ??= new long[]?[Layout.BlockCount];
        var buckets = new List<HistogramBucket>();
        long count = 0;
        int lowBlock = -1, lowOffset = 0, highBlock = -1, highOffset = 0;
        var blocks = _recorder.Blocks;
        for (var b = 0; b < blocks.Length; b++)
        {
            var counts = Volatile.Read(ref blocks[b]);
            if (counts is null)
            {
                continue;
            }

            var last = seen[b] ??= new long[counts.Length];
            for (var o = 0; o < counts.Length; o++)
            {
                var now = Volatile.Read(ref counts[o]);
                var delta = now - last[o];
                if (delta <= 0)
                {
                    continue;
                }

                last[o] = now;
                buckets.Add(new HistogramBucket(Layout.RepresentativeValue(b, o), delta));
                count += delta;
                if (lowBlock < 0)
                {
                    lowBlock = b;
                    lowOffset = o;
                }

                highBlock = b;
                highOffset = o;
            }
        }

        var clamped = _recorder.Clamped;
        var rejected = _recorder.Rejected;
        var windowClamped = clamped - cursor.Clamped;
        var windowRejected = rejected - cursor.Rejected;
        cursor.Clamped = clamped;
        cursor.Rejected = rejected;

        if (count == 0)
        {
            // Writers add to the sum before the bucket: a sum that moved without a bucket belongs to values this
            // cursor will count next time, so it stays for the next window. Sums of windows thus add up exactly.
            return HdrSnapshotBuilder.Build([], 0, 0, 0, 0, windowClamped, windowRejected);
        }

        _recorder.ReadSum(out var integers, out var fractions);
        var sum = (double)(integers - cursor.IntegerSum) + (fractions - cursor.FractionalSum);
        cursor.IntegerSum = integers;
        cursor.FractionalSum = fractions;

        var lifetimeMin = _recorder.Min;
        var lifetimeMax = _recorder.Max;
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
            min = Layout.LowestValue(lowBlock, lowOffset) - slack;
            max = Layout.HighestValue(highBlock, highOffset) + slack;
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
}
