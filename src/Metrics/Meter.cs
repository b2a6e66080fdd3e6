using Metrics.Primitives;

namespace Metrics;

/// <summary>
/// Marks events and reports their mean rate and 1-, 5- and 15-minute exponentially weighted moving average
/// rates, per second, with Dropwizard's semantics (5-second ticks, missed ticks caught up on mark and on read).
/// </summary>
/// <remarks>
/// Thread-safe; <see cref="Mark()"/> allocates nothing and takes no lock: it compares the clock with the next tick
/// and adds to a striped count. When a tick falls due, the thread that wins a compare-and-swap on the last tick
/// time folds the events marked since the previous tick (and any missed ticks) into the moving averages, under a
/// lock only ever taken by that one thread every 5 seconds; other threads go on. Time comes from the registry's
/// <see cref="TimeProvider"/>; with <see cref="TimeProvider.System"/> the tick check reads the system's
/// millisecond tick count, which is much cheaper than a high-resolution timestamp.
/// </remarks>
public sealed class Meter
{
    private readonly Clock _clock;
    private readonly long _start;
    private readonly long _tickInterval;
    private readonly object _tickLock = new();
    private StripedLong _count;
    private long _lastTick;
    private long _countAtLastTick;
    private Ewma _m1 = new(1);
    private Ewma _m5 = new(5);
    private Ewma _m15 = new(15);

    internal Meter(TimeProvider time)
    {
        _clock = new Clock(time);
        _start = _clock.Now();
        _lastTick = _clock.CoarseNow();
        _tickInterval = (long)(Ewma.TickSeconds * _clock.CoarseFrequency);
    }

    /// <summary>Events marked so far.</summary>
    public long Count => _count.Sum;

    /// <summary>Events per second since the meter was created (0 until time has passed).</summary>
    public double MeanRate
    {
        get
        {
            var elapsed = _clock.Now() - _start;
            return elapsed <= 0 ? 0 : Count / ((double)elapsed / _clock.Frequency);
        }
    }

    /// <summary>One-minute moving average rate, events per second.</summary>
    public double OneMinuteRate
    {
        get
        {
            TickIfNecessary();
            return _m1.Rate;
        }
    }

    /// <summary>Five-minute moving average rate, events per second.</summary>
    public double FiveMinuteRate
    {
        get
        {
            TickIfNecessary();
            return _m5.Rate;
        }
    }

    /// <summary>Fifteen-minute moving average rate, events per second.</summary>
    public double FifteenMinuteRate
    {
        get
        {
            TickIfNecessary();
            return _m15.Rate;
        }
    }

    /// <summary>Marks one event.</summary>
    public void Mark() => Mark(1);

    /// <summary>Marks <paramref name="n"/> events.</summary>
    public void Mark(long n)
    {
        TickIfNecessary();
        _count.Add(n);
    }

    private void TickIfNecessary()
    {
        var old = Volatile.Read(ref _lastTick);
        var age = _clock.CoarseNow() - old;
        if (age >= _tickInterval)
        {
            CatchUp(old, age);
        }
    }

    private void CatchUp(long old, long age)
    {
        // The tick boundary stays aligned to the meter's start; only the CAS winner folds in the missed ticks.
        var newTick = old + (age - (age % _tickInterval));
        if (Interlocked.CompareExchange(ref _lastTick, newTick, old) != old)
        {
            return;
        }

        var ticks = age / _tickInterval;
        lock (_tickLock)
        {
            var count = _count.Sum;
            var uncounted = count - _countAtLastTick;
            _countAtLastTick = count;
            _m1.Tick(uncounted);
            _m5.Tick(uncounted);
            _m15.Tick(uncounted);
            _m1.Decay(ticks - 1);
            _m5.Decay(ticks - 1);
            _m15.Decay(ticks - 1);
        }
    }
}
