using System.Numerics;

namespace Metrics.Histograms;

/// <summary>
/// The log-linear bucket layout of an HDR-style histogram: values below <c>2 * SubBucketHalfCount</c> get a bucket
/// each; above, every power of two is split into <c>SubBucketHalfCount</c> equal buckets, so a bucket's width is
/// at most 1 / (2 * SubBucketHalfCount) of its lowest value.
/// </summary>
/// <remarks>
/// Counts are kept in blocks of <see cref="BlockSize"/> buckets. Block 0 holds the values 0 to BlockSize - 1,
/// block 1 the values BlockSize to 2 * BlockSize - 1 (width 1), and block b ≥ 2 the upper half of the power of two
/// that starts at <c>BlockSize &lt;&lt; (b - 1)</c> (width <c>1 &lt;&lt; (b - 1)</c>). This is HdrHistogram's layout with
/// a unit of 1, cut so that a block can be allocated when its first value arrives.
/// <para>Bucket numbers are in units of <see cref="Unit"/> (2^-<see cref="UnitShift"/> of the user's values): a histogram
/// with a finer resolution records its values multiplied by 2^UnitShift, and <see cref="RepresentativeValue"/> gives
/// them back in the user's units. Multiplying or dividing a double by a power of two is exact.</para>
/// </remarks>
internal sealed class HdrLayout
{
    /// <param name="significantDigits">Significant decimal digits kept for each value.</param>
    /// <param name="highestTrackableValue">The largest value recorded as itself, in units (already scaled).</param>
    /// <param name="unitShift">The unit is 2^-<paramref name="unitShift"/> of the user's values (0: whole numbers).</param>
    public HdrLayout(int significantDigits, long highestTrackableValue, int unitShift = 0)
    {
        UnitShift = unitShift;
        Unit = Math.ScaleB(1.0, -unitShift);
        // Enough sub-buckets per power of two to tell apart 2 * 10^digits values at unit resolution.
        var singleUnitResolution = 2L * (long)Math.Pow(10, significantDigits);
        SubBucketBits = 64 - BitOperations.LeadingZeroCount((ulong)(singleUnitResolution - 1));
        HalfBits = SubBucketBits - 1;
        BlockSize = 1 << HalfBits;
        HighestTrackableValue = highestTrackableValue;

        var highestBits = 64 - BitOperations.LeadingZeroCount((ulong)highestTrackableValue);
        var bucketCount = Math.Max(1, highestBits - SubBucketBits + 1);
        BlockCount = bucketCount + 1;
    }

    /// <summary>Bits of a power of two's full sub-bucket range (8 for two significant digits: 256 sub-buckets).</summary>
    public int SubBucketBits { get; }

    /// <summary>log2 of <see cref="BlockSize"/>.</summary>
    public int HalfBits { get; }

    /// <summary>Buckets per block: half the sub-buckets of a power of two (128 for two significant digits).</summary>
    public int BlockSize { get; }

    /// <summary>Blocks needed to cover every value up to <see cref="HighestTrackableValue"/>.</summary>
    public int BlockCount { get; }

    /// <summary>The largest value recorded as itself, in units.</summary>
    public long HighestTrackableValue { get; }

    /// <summary>Values are bucketed in units of 2^-UnitShift of the user's values.</summary>
    public int UnitShift { get; }

    /// <summary>One unit in the user's values, 2^-<see cref="UnitShift"/>: multiplying a number of units by it gives a user value exactly.</summary>
    public double Unit { get; }

    /// <summary>The block and the offset in it of the bucket holding <paramref name="value"/> units (0 ≤ value ≤ highest).</summary>
    public void Locate(long value, out int block, out int offset)
    {
        var bits = 64 - BitOperations.LeadingZeroCount((ulong)value);
        var shift = Math.Max(0, bits - SubBucketBits);
        var sub = value >> shift;
        block = shift + (int)(sub >> HalfBits);
        offset = (int)(sub & (BlockSize - 1));
    }

    /// <summary>The lowest value of a bucket, in units.</summary>
    public long LowestValue(int block, int offset) =>
        block == 0 ? offset : ((long)BlockSize + offset) << (block - 1);

    /// <summary>How many whole units a bucket covers.</summary>
    public static long Width(int block) => block == 0 ? 1 : 1L << (block - 1);

    /// <summary>The value reported for a bucket, in the user's units: the middle of its range of whole units.</summary>
    public double RepresentativeValue(int block, int offset) =>
        (LowestValue(block, offset) + ((Width(block) - 1) / 2.0)) * Unit;

    /// <summary>The highest value of a bucket, in units.</summary>
    public long HighestValue(int block, int offset) => LowestValue(block, offset) + Width(block) - 1;
}
