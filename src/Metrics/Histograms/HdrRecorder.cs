namespace Metrics.Histograms;

/// <summary>
/// The lock-free recording side of an HDR-style histogram: bucket counts in lazily allocated blocks, plus exact
/// count, sum, min and max.
/// </summary>
/// <remarks>
/// Recording takes no lock. It allocates only when a value falls in a block no value has reached before (at most
/// <see cref="HdrLayout.BlockCount"/> times over the histogram's life); every later update allocates nothing.
/// Readers see each bucket's count grow monotonically, so a copy of the counts taken at one read and subtracted at
/// the next yields exactly the values recorded in between. A value's sum, min and max are published before its
/// bucket, so a reader that scans the buckets and then reads the sum has the sum of every value it counted.
/// </remarks>
internal sealed class HdrRecorder
{
    private readonly long[]?[] _blocks;

    // The sum of integer values as a 128-bit number: the low half is added atomically, and the add that wraps it
    // carries one into the high half. Fractional values (Update(double)) are summed apart, in a double.
    private ulong _sumLow;
    private ulong _sumHigh;
    private double _fractionalSum;
    private long _count;
    private long _clamped;
    private long _rejected;
    private double _min = double.PositiveInfinity;
    private double _max = double.NegativeInfinity;
    private int _hasFractions;

    public HdrRecorder(HdrLayout layout)
    {
        Layout = layout;
        _blocks = new long[]?[layout.BlockCount];
    }

    public HdrLayout Layout { get; }

    /// <summary>Values recorded (clamped ones included, rejected ones not).</summary>
    public long Count => Volatile.Read(ref _count);

    public long Clamped => Volatile.Read(ref _clamped);

    public long Rejected => Volatile.Read(ref _rejected);

    /// <summary>Whether a value with a fractional part was ever recorded (then bucket bounds are ± 0.5 of the value).</summary>
    public bool HasFractions => Volatile.Read(ref _hasFractions) != 0;

    /// <summary>The smallest value recorded, or +∞.</summary>
    public double Min => Volatile.Read(ref _min);

    /// <summary>The largest value recorded, or -∞.</summary>
    public double Max => Volatile.Read(ref _max);

    /// <summary>The block array; a slot is null until a value reaches it. Read its counts with <see cref="Volatile"/>.</summary>
    public long[]?[] Blocks => _blocks;

    public void Record(long value)
    {
        if (value < 0)
        {
            Interlocked.Increment(ref _rejected);
            return;
        }

        if (value > Layout.HighestTrackableValue)
        {
            Interlocked.Increment(ref _clamped);
            value = Layout.HighestTrackableValue;
        }

        RecordInteger(value);
    }

    public void Record(double value)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            Interlocked.Increment(ref _rejected);
            return;
        }

        // The second test catches 2^63, which equals (double)long.MaxValue but does not fit a long.
        if (value > Layout.HighestTrackableValue || value >= long.MaxValue)
        {
            Interlocked.Increment(ref _clamped);
            RecordInteger(Layout.HighestTrackableValue);
            return;
        }

        var rounded = Math.Round(value);
        if (rounded == value)
        {
            Record((long)value);
            return;
        }

        if (Volatile.Read(ref _hasFractions) == 0)
        {
            Volatile.Write(ref _hasFractions, 1);
        }

        AddFraction(value);
        UpdateMinMax(value);

        // Rounding can lift a value just under the highest trackable one above it.
        Increment(Math.Min((long)rounded, Layout.HighestTrackableValue));
    }

    /// <summary>The exact sum of every recorded value, split in an integer part and a fractional part.</summary>
    public void ReadSum(out UInt128 integers, out double fractions)
    {
        // A reader that races the add which wraps the low half may see the carry late; it cannot tear otherwise.
        ulong high;
        ulong low;
        do
        {
            high = Volatile.Read(ref _sumHigh);
            low = Volatile.Read(ref _sumLow);
        }
        while (high != Volatile.Read(ref _sumHigh));

        integers = new UInt128(high, low);
        fractions = Volatile.Read(ref _fractionalSum);
    }

    private void RecordInteger(long value)
    {
        // Sum, min and max go first: a reader that sees a value's bucket then also sees them (see GetWindow).
        var added = Interlocked.Add(ref _sumLow, (ulong)value);
        if (added < (ulong)value)
        {
            Interlocked.Increment(ref _sumHigh);
        }

        UpdateMinMax(value);
        Increment(value);
    }

    private void Increment(long value)
    {
        Layout.Locate(value, out var block, out var offset);
        var counts = Volatile.Read(ref _blocks[block]) ?? AllocateBlock(block);
        Interlocked.Increment(ref counts[offset]);
        Interlocked.Increment(ref _count);
    }

    private long[] AllocateBlock(int block)
    {
        var fresh = new long[Layout.BlockSize];
        return Interlocked.CompareExchange(ref _blocks[block], fresh, null) ?? fresh;
    }

    private void AddFraction(double value)
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

    private void UpdateMinMax(double value)
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
}
