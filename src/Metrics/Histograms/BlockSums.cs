using System.Runtime.CompilerServices;

namespace Metrics.Histograms;

/// <summary>
/// One HDR block's counts summed exactly, for the standard deviation: the count n, Σ c·u and Σ c·u², where u is a
/// bucket's unscaled value (the block's base plus the bucket's offset, below twice the block size).
/// </summary>
/// <remarks>
/// <para>Within block b a bucket's representative value is <c>u · w + h</c>, with <c>w</c> the block's bucket width
/// and <c>h = (w - 1) / 2</c>, so the block's mean and its sum of squared distances from that mean are taken over u and
/// then scaled. Integer sums can follow a block by what moved alone (a reader adds the deltas it saw), where sums of
/// doubles would drift, and they give the squared distances as the exact integer <c>n Σ c·u² - (Σ c·u)²</c> over n:
/// identical values give exactly 0.</para>
/// <para>The block's scaled mean and squared distances are worked out from the sums by <see cref="Seal"/>, once per
/// change of the block, so that <see cref="StdDev"/> combines only doubles.</para>
/// </remarks>
internal struct BlockSums
{
    private Int128 _linear;
    private Int128 _squares;
    private double _mean;
    private double _distances;

    /// <summary>How many values the block holds.</summary>
    public long Count { get; private set; }

    /// <summary>The sums of a whole block of counts, sealed.</summary>
    public static BlockSums Of(int block, long[] counts)
    {
        var sums = default(BlockSums);
        var start = block == 0 ? 0 : counts.Length;
        for (var o = 0; o < counts.Length; o++)
        {
            var c = counts[o];
            if (c != 0)
            {
                sums.Add(start + o, c);
            }
        }

        sums.Seal(block, counts.Length);
        return sums;
    }

    /// <summary>
    /// The sample standard deviation of every block's values together (each value taken as its bucket's
    /// representative value); 0 for fewer than two values. Every block must be sealed since it last changed.
    /// </summary>
    /// <param name="blocks">The sums, by block (default: no values).</param>
    public static double StdDev(ReadOnlySpan<BlockSums> blocks)
    {
        // The blocks' means and squared distances, combined pairwise (Chan et al.).
        double n = 0;
        double mean = 0;
        double m2 = 0;
        foreach (ref readonly var block in blocks)
        {
            if (block.Count == 0)
            {
                continue;
            }

            var nb = (double)block.Count;
            var delta = block._mean - mean;
            var combined = n + nb;
            mean += delta * nb / combined;
            m2 += block._distances + (delta * delta * n * nb / combined);
            n = combined;
        }

        return n > 1 ? Math.Sqrt(Math.Max(0, m2) / (n - 1)) : 0;
    }

    /// <summary>Adds <paramref name="delta"/> values (negative: removes them) of unscaled value <paramref name="u"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int u, long delta)
    {
        Count += delta;
        _linear += Math.BigMul(delta, (long)u);
        _squares += Math.BigMul(delta, (long)u * u);
    }

    /// <summary>Adds the values of <paramref name="other"/>.</summary>
    public void Add(in BlockSums other)
    {
        Count += other.Count;
        _linear += other._linear;
        _squares += other._squares;
    }

    /// <summary>Works out the block's mean value and squared distances from the sums (block <paramref name="block"/> of a layout with <paramref name="blockSize"/> buckets per block).</summary>
    public void Seal(int block, int blockSize)
    {
        if (Count == 0)
        {
            (_mean, _distances) = (0, 0);
            return;
        }

        // The mean of u, and the squared distances from it: exact in 128 bits while n times the largest u fits 64
        // bits (then n Σ c·u² and (Σ c·u)² are both below 2^128), which any real count does.
        var width = block == 0 ? 1.0 : (double)(1L << (block - 1));
        var meanU = (double)_linear / Count;
        double distancesU;
        if ((UInt128)(ulong)Count * (ulong)(2 * blockSize) <= ulong.MaxValue)
        {
            var numerator = ((UInt128)Count * (UInt128)_squares) - ((UInt128)_linear * (UInt128)_linear);
            distancesU = (double)numerator / Count;
        }
        else
        {
            distancesU = Math.Max(0, (double)_squares - ((double)_linear * meanU));
        }

        _mean = (meanU * width) + ((width - 1) / 2);
        _distances = distancesU * width * width;
    }
}
