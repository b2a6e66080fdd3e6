using Metrics.Primitives;

namespace Metrics;

/// <summary>
/// A count that goes up and down. Each thread adds to a cell of its own with a plain store (no locked instruction, no
/// cache line shared with another thread), so increments scale with cores; the count sums the cells and is exact.
/// </summary>
/// <remarks>
/// Thread-safe. <see cref="Inc()"/> takes no lock and, after a thread's first increment of this counter (which
/// allocates its cell, 136 bytes), allocates nothing. Threads beyond a per-process limit on threads with cells of
/// their own (four per processor, from 16 to 256) add with an atomic instruction to one shared field instead. Cache the
/// handle.
/// </remarks>
public sealed class Counter
{
    private StripedLong _value;

    internal Counter()
    {
    }

    /// <summary>The current count (the sum over all cells).</summary>
    /// <remarks>Exact once concurrent increments have returned; while they run it includes some of them.</remarks>
    public long Count => _value.Sum;

    /// <summary>Adds one.</summary>
    public void Inc() => _value.Add(1);

    /// <summary>Adds <paramref name="n"/>.</summary>
    public void Inc(long n) => _value.Add(n);

    /// <summary>Subtracts one.</summary>
    public void Dec() => _value.Add(-1);

    /// <summary>Subtracts <paramref name="n"/>.</summary>
    public void Dec(long n) => _value.Add(-n);
}
