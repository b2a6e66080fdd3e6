namespace Metrics;

/// <summary>
/// Marks events and reports their mean rate and 1-, 5- and 15-minute exponentially weighted moving average
/// rates, per second, with Dropwizard's semantics (5-second ticks, missed ticks caught up on mark and on read).
/// </summary>
/// <remarks>Thread-safe; <see cref="Mark()"/> takes no lock and allocates nothing.</remarks>
public sealed class Meter
{
    internal Meter(TimeProvider time)
    {
        _ = time;
    }

    /// <summary>Events marked so far.</summary>
    public long Count => throw new NotImplementedException();

    /// <summary>Events per second since the meter was created.</summary>
    public double MeanRate => throw new NotImplementedException();

    /// <summary>One-minute moving average rate, events per second.</summary>
    public double OneMinuteRate => throw new NotImplementedException();

    /// <summary>Five-minute moving average rate, events per second.</summary>
    public double FiveMinuteRate => throw new NotImplementedException();

    /// <summary>Fifteen-minute moving average rate, events per second.</summary>
    public double FifteenMinuteRate => throw new NotImplementedException();

    /// <summary>Marks one event.</summary>
    public void Mark() => throw new NotImplementedException();

    /// <summary>Marks <paramref name="n"/> events.</summary>
    public void Mark(long n) => throw new NotImplementedException();
}
