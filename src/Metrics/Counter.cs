using Metrics.Primitives;

namespace Metrics;

/// <summary>
/// A count that goes up and down. Increments from many threads are spread over striped cells, so they scale
/// with cores and the total is exact.
/// </summary>
/// <remarks>Thread-safe. <see cref="Inc()"/> takes no lock and allocates nothing. Cache the handle.</remarks>
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
