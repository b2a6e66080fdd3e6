namespace Metrics;

/// <summary>
/// One reader's position in one histogram: what that reader saw at its previous window, so the next window holds
/// exactly the values recorded since. Created by <see cref="Histogram.GetWindow"/>; owned by one reader, not shared.
/// </summary>
internal sealed class HistogramCursor
{
    /// <param name="owner">The histogram it belongs to; null for a one-off read that no histogram hands out.</param>
    internal HistogramCursor(Histogram? owner) => Owner = owner;

    /// <summary>The histogram this cursor belongs to.</summary>
    public Histogram? Owner { get; }

    /// <summary>
    /// HDR: the counts last seen, block by block (null until the cursor saw a value); changed in place only where
    /// <see cref="Overwritable"/> and <see cref="OwnsBlockArrays"/> allow.
    /// </summary>
    public Histograms.HdrCounts? Counts { get; set; }

    /// <summary>
    /// HDR: one bit per block whose copy in <see cref="Counts"/> only reusing reads have handed out, so the next
    /// reusing read may overwrite it in place; cleared by every read that is not reusing.
    /// </summary>
    public ulong Overwritable { get; set; }

    /// <summary>HDR: whether the block and block-total arrays of <see cref="Counts"/> were made by a reusing read and never handed out by another.</summary>
    public bool OwnsBlockArrays { get; set; }

    /// <summary>HDR: per block, the parts' summed block total when the cursor last copied that block.</summary>
    public long[]? BlockTotals { get; set; }

    /// <summary>HDR: per block, the exact sums of the counts in <see cref="Counts"/> that the standard deviation is taken from.</summary>
    public Histograms.BlockSums[]? BlockSums { get; set; }

    /// <summary>How many values the cursor's windows have counted so far (sample-based reservoirs: how many the reservoir had been given).</summary>
    public long SeenCount { get; set; }

    public UInt128 IntegerSum { get; set; }

    public double FractionalSum { get; set; }

    public long Clamped { get; set; }

    /// <summary>Rejected values counted by the cursor's windows so far.</summary>
    public long Rejected { get; set; }

    /// <summary>
    /// HDR: the lifetime snapshot built at the cursor's previous read. While no block moved and nothing was clamped or
    /// rejected since, the next read returns it again (snapshots are immutable).
    /// </summary>
    public HistogramSnapshot? Lifetime { get; set; }
}
