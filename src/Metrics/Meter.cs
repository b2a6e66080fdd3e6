using Metrics.Primitives;

namespace Metrics;

/// <summary>
/// Marks events and reports their mean rate and 1-, 5- and 15-minute exponentially weighted moving average
/// rates, per second, with Dropwizard's semantics (5-second ticks, missed ticks caught up on mark and on read).
/// </summary>
/// <remarks>
/// Thread-safe; <see cref="Mark()"/> takes no lock and allocates nothing: it adds to a striped count and compares
/// the clock with the next tick. Events marked since the last tick are folded into the moving averages when a
/// tick falls due; the thread that wins a compare-and-swap on the last tick time does the catch-up, others go on.
/// Time comes from the registry's <see cref="TimeProvider"/>. With <see cref="TimeProvider.System"/>, a mark first
/// compares the cheap millisecond clock (<see cref="Environment.TickCount64"/>) with the time the next tick is due and
/// reads the precise clock only from then on, so a tick may be taken by a mark a few milliseconds late (reading a
/// rate always checks the precise clock).
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

    // With the system clock: the Environment.TickCount64 value from which a mark checks the precise clock again.
    private long _nextCheckMillis;
    private Ewma _m1 = new(1);
    private Ewma _m5 = new(5);
    private Ewma _m15 = new(15);

    internal Meter(TimeProvider time)
    {
        _clock = new Clock(time);
        _start = _clock.Now();
        _lastTick = _start;
        _tickInterval = (long)(Ewma.TickSeconds * _clock.Frequency);
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
        // The precise clock costs several times a striped add; the millisecond clock says when it is worth reading.
        if (!_clock.IsSystem || Environment.TickCount64 >= Volatile.Read(ref _nextCheckMillis))
        {
            TickIfNecessary();
        }

        _count.Add(n);
    }

    private void TickIfNecessary()
    {
        // Read before the precise clock, which it lags by at most its resolution: see below.
        var coarse = _clock.IsSystem ? Environment.TickCount64 : 0;
        var old = Volatile.Read(ref _lastTick);
        var age = _clock.Now() - old;
        if (age >= _tickInterval)
        {
            CatchUp(old, age);
        }

        if (_clock.IsSystem)
        {
            // Whole milliseconds to the next tick boundary, rounded down, counted from a millisecond reading taken no
            // later than the precise one: marks look at the precise clock again no later than one resolution step of
            // the millisecond clock after the boundary. A thread that writes late writes an earlier time, never a later one.
            var untilNext = _tickInterval - (age % _tickInterval);
            Volatile.Write(ref _nextCheckMillis, coarse + (untilNext * 1000 / _clock.Frequency));
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
