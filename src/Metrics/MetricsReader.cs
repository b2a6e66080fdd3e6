namespace Metrics;

/// <summary>
/// Reads a registry with its own cursor. One per reporter: deltas and histogram windows are relative to this
/// reader's previous <see cref="Read"/>; reading changes nothing any other reader or the application sees.
/// </summary>
/// <remarks>Not thread-safe: call <see cref="Read"/> from one thread at a time (a reporter's loop does).</remarks>
public sealed class MetricsReader
{
    internal MetricsReader(MetricsRegistry registry) => Registry = registry;

    /// <summary>The registry read.</summary>
    public MetricsRegistry Registry { get; }

    /// <summary>Snapshots every series, stamped with the registry clock's current time, and advances this reader's cursor.</summary>
    public IReadOnlyList<MetricSnapshot> Read() => throw new NotImplementedException();
}
