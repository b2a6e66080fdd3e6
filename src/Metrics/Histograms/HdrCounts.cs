using System.Collections;

namespace Metrics.Histograms;

/// <summary>
/// The bucket counts behind an HDR lifetime snapshot, block by block, with each block's total: quantiles walk the
/// block totals and then one block, and the bucket list is built only when asked for.
/// </summary>
/// <remarks>
/// Immutable once built. A reader's next snapshot shares every block that did not change with this one and gets new
/// arrays for those that did, so a busy histogram costs a read the blocks its new values reached, not all of them.
/// </remarks>
internal sealed class HdrCounts : IQuantileSource, IReadOnlyList<HistogramBucket>
{
    private readonly HdrLayout _layout;
    private readonly long[]?[] _blocks;
    private readonly long[] _blockTotals;
    private readonly long _total;
    private HistogramBucket[]? _buckets;

    /// <param name="layout">The histogram's layout.</param>
    /// <param name="blocks">Per block, its bucket counts (null for a block with none); not changed afterwards.</param>
    /// <param name="blockTotals">Per block, the sum of its counts; not changed afterwards.</param>
    /// <param name="total">The sum of <paramref name="blockTotals"/>.</param>
    /// <param name="min">The snapshot's Min: quantiles are kept within it and <paramref name="max"/>.</param>
    /// <param name="max">The snapshot's Max (at least <paramref name="min"/>).</param>
    public HdrCounts(HdrLayout layout, long[]?[] blocks, long[] blockTotals, long total, double min, double max)
    {
        _layout = layout;
        _blocks = blocks;
        _blockTotals = blockTotals;
        _total = total;
        Min = min;
        Max = max;
    }

    /// <summary>Per block, its bucket counts (null for a block with none). Do not change them.</summary>
    public long[]?[] Blocks => _blocks;

    /// <summary>Per block, the sum of its counts. Do not change them.</summary>
    public long[] BlockTotals => _blockTotals;

    /// <summary>The sum of every count.</summary>
    public long Total => _total;

    public double Min { get; }

    public double Max { get; }

    /// <summary>How many non-empty buckets there are.</summary>
    public int Count => Materialize().Length;

    public HistogramBucket this[int index] => Materialize()[index];

    /// <summary>
    /// The representative value of the bucket holding the value of rank ⌈q · Total⌉ (nearest rank), kept within
    /// [Min, Max]; 0 gives Min and 1 gives Max. The same rule as <see cref="HistogramSnapshot.GetValue"/> on a bucket list.
    /// </summary>
    public double GetValue(double quantile)
    {
        var value = 0.0;
        GetValues(new ReadOnlySpan<double>(in quantile), new Span<double>(ref value));
        return value;
    }

    /// <summary>
    /// <see cref="GetValue"/> of each of <paramref name="quantiles"/>, into <paramref name="values"/>. Quantiles in
    /// ascending order (as reporters list them) are found in one walk over the block totals and counts, each one
    /// going on from where the one before stopped; any other order walks again from the start where it must.
    /// </summary>
    public void GetValues(ReadOnlySpan<double> quantiles, Span<double> values)
    {
        var total = _total;

        // Where the walk stands: block b, and within it (when inBlock) offset o; seen counts every value before that.
        long seen = 0;
        var b = 0;
        var o = 0;
        var inBlock = false;
        long lastRank = 0;
        for (var q = 0; q < quantiles.Length; q++)
        {
            var rank = HistogramSnapshot.NearestRank(quantiles[q], total);
            if (rank == 1)
            {
                values[q] = Min;
                continue;
            }

            if (rank >= total)
            {
                values[q] = Max;
                continue;
            }

            if (rank < lastRank)
            {
                (seen, b, o, inBlock) = (0, 0, 0, false);
            }

            lastRank = rank;
            values[q] = Max;
            while (b < _blockTotals.Length)
            {
                if (!inBlock)
                {
                    var blockTotal = _blockTotals[b];
                    if (seen + blockTotal < rank)
                    {
                        seen += blockTotal;
                        b++;
                        continue;
                    }

                    inBlock = true;
                    o = 0;
                }

                var counts = _blocks[b]!;
                while (o < counts.Length && seen + counts[o] < rank)
                {
                    seen += counts[o++];
                }

                if (o < counts.Length)
                {
                    values[q] = Math.Clamp(_layout.RepresentativeValue(b, o), Min, Max);
                    break;
                }

                inBlock = false;
                b++;
            }
        }
    }

    /// <summary>The representative value of the lowest (or highest) non-empty bucket of <paramref name="blocks"/>; NaN when there is none.</summary>
    public static double EdgeValue(HdrLayout layout, long[]?[] blocks, bool highest)
    {
        for (var i = 0; i < blocks.Length; i++)
        {
            var b = highest ? blocks.Length - 1 - i : i;
            if (blocks[b] is not { } counts)
            {
                continue;
            }

            var o = highest ? Array.FindLastIndex(counts, c => c != 0) : Array.FindIndex(counts, c => c != 0);
            if (o >= 0)
            {
                return layout.RepresentativeValue(b, o);
            }
        }

        return double.NaN;
    }

    public IEnumerator<HistogramBucket> GetEnumerator() => ((IEnumerable<HistogramBucket>)Materialize()).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // Every non-empty bucket in ascending order, built on first use. Racing threads build equal arrays; one is kept.
    private HistogramBucket[] Materialize()
    {
        if (Volatile.Read(ref _buckets) is { } built)
        {
            return built;
        }

        var n = 0;
        foreach (var counts in _blocks)
        {
            if (counts is not null)
            {
                foreach (var c in counts)
                {
                    n += c == 0 ? 0 : 1;
                }
            }
        }

        var buckets = new HistogramBucket[n];
        var i = 0;
        for (var b = 0; b < _blocks.Length; b++)
        {
            if (_blocks[b] is not { } counts)
            {
                continue;
            }

            for (var o = 0; o < counts.Length; o++)
            {
                if (counts[o] != 0)
                {
                    buckets[i++] = new HistogramBucket(_layout.RepresentativeValue(b, o), counts[o]);
                }
            }
        }

        return Interlocked.CompareExchange(ref _buckets, buckets, null) ?? buckets;
    }
}
