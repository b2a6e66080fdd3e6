namespace Metrics;

/// <summary>
/// A count that goes up and down. Increments from many threads are spread over striped cells, so they scale
/// with cores and the total is exact.
/// </summary>
/// <remarks>Thread-safe. <see cref="Inc()"/> takes no lock and allocates nothing. Cache the handle.</remarks>
public sealed class Counter
{
    internal Counter()
    {
    }

    /// <summary>The current count (the sum over all cells).</summary>
    public long Count => throw new NotImplementedException();

    /// <summary>Adds one.</summary>
    public void Inc() => throw new NotImplementedException();

    /// <summary>Adds <paramref name="n"/>.</summary>
    public void Inc(long n) => throw new NotImplementedException();

    /// <summary>Subtracts one.</summary>
    public void Dec() => throw new NotImplementedException();

    /// <summary>Subtracts <paramref name="n"/>.</summary>
    public void Dec(long n) => throw new NotImplementedException();
}
