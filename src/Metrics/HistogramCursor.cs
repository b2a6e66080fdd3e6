namespace Metrics;

/// <summary>
/// One reader's position in one histogram: what that reader saw at its previous window, so the next window holds
/// exactly the values recorded since. Created by <see cref="Histogram.GetWindow"/>; owned by one reader, not shared.
/// </summary>
internal sealed class HistogramCursor
{
    internal HistogramCursor(Histogram owner) => Owner = owner;

    /// <summary>The histogram this cursor belongs to.</summary>
    public Histogram Owner { get; }

    /// <summary>HDR: a copy of the bucket counts last seen, block by block (null until a block had values).</summary>
    public long[]?[]? Counts { get; set; }

    /// <summary>HDR: how many values the cursor has counted so far (the sum of <see cref="Counts"/>).</summary>
    public long SeenCount { get; set; }

    public UInt128 IntegerSum { get; set; }

    public double FractionalSum { get; set; }

    public long Clamped { get; set; }

    public long Rejected { get; set; }

    /// <summary>
    /// HDR: the lifetime snapshot built at the cursor's previous read. While nothing was recorded, clamped or rejected
    /// since, the next read returns it again instead of scanning the counts (snapshots are immutable).
    /// </summary>
    public HistogramSnapshot? Lifetime { get; set; }
}
