using System.Diagnostics;
using System.Runtime.CompilerServices;
using Metrics.Primitives;

namespace Metrics;

/// <summary>
/// Marks events and reports their mean rate and 1-, 5- and 15-minute exponentially weighted moving average
/// rates, per second, with Dropwizard's semantics (5-second ticks, missed ticks caught up on mark and on read).
/// </summary>
/// <remarks>
/// <para>Thread-safe; <see cref="Mark()"/> allocates nothing, takes no lock and reads no clock: it compares a cached
/// time with the last tick and adds to a count with one cell per thread (like <see cref="Counter"/>). When a tick looks
/// due, the mark reads the real clock, and the thread that wins a compare-and-swap on the last tick time folds the
/// events marked since the previous tick (and any missed ticks) into the moving averages, under a lock only ever taken
/// by that one thread every 5 seconds; other threads go on. Reading a rate ticks from the real clock, so what is read
/// is always up to date.</para>
/// <para>Time comes from the registry's <see cref="TimeProvider"/>. With <see cref="TimeProvider.System"/> the cached
/// time on marks is a process-wide copy of the millisecond tick count that one timer refreshes every 250 ms, so a tick
/// falls due on marks up to about 250 ms after its 5-second boundary (later only if the thread pool cannot run that
/// timer): events marked in that gap count towards the tick that just ended. Tick boundaries stay aligned to the
/// meter's creation, and reads are not affected. Any other provider (a test clock) is read on every mark.</para>
/// </remarks>
public sealed class Meter
{
    private readonly Clock _clock;
    private readonly long _start;
    private readonly long _tickInterval;
    private readonly object _tickLock = new();
    private readonly Histogram? _countSource;
    private StripedLong _count;
    private long _lastTick;
    private long _countAtLastTick;
    private Ewma _m1 = new(1);
    private Ewma _m5 = new(5);
    private Ewma _m15 = new(15);

    internal Meter(TimeProvider time)
    {
        _clock = new Clock(time);
        _clock.StartCachedTicks();
        _start = _clock.Now();
        _lastTick = _clock.CoarseNow();
        _tickInterval = (long)(Ewma.TickSeconds * _clock.CoarseFrequency);
    }

    /// <summary>
    /// A meter whose events are the values recorded into <paramref name="countSource"/> (a timer's durations): its
    /// count is that histogram's, so the owner records once and calls <see cref="TickIfDue"/> before, never
    /// <see cref="Mark()"/>.
    /// </summary>
    internal Meter(TimeProvider time, Histogram countSource)
        : this(time)
    {
        _countSource = countSource;
    }

    /// <summary>Events marked so far.</summary>
    public long Count => _countSource?.Count ?? _count.Sum;

    /// <summary>Events per second since the meter was created (0 until time has passed).</summary>
    public double MeanRate => MeanRateOf(Count);

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

    /// <summary>
    /// Every rate at once, as a reader takes them: one tick check, one clock reading, and <paramref name="count"/>
    /// (this meter's count, as the caller has just read it) for the mean rate.
    /// </summary>
    internal MeterRates ReadRates(long count)
    {
        TickIfNecessary();
        return new MeterRates(MeanRateOf(count), _m1.Rate, _m5.Rate, _m15.Rate);
    }

    /// <summary>Marks one event.</summary>
    public void Mark() => Mark(1);

    /// <summary>
    /// Marks <paramref name="n"/> events. As in Dropwizard, a negative <paramref name="n"/> is taken as it is (it lowers
    /// the count and the rates), for a meter that corrects an earlier mark.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Mark(long n)
    {
        Debug.Assert(_countSource is null, "a meter counting a histogram's values is never marked");
        TickIfDue();
        _count.Add(n);
    }

    /// <summary>
    /// Ticks if a tick looks due on the cached clock (no clock read otherwise): the check an event makes before it
    /// is counted, so that it counts towards the tick in progress.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void TickIfDue()
    {
        if (_clock.MayHavePassed(Volatile.Read(ref _lastTick), _tickInterval))
        {
            TickIfNecessary();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TickIfNecessary()
    {
        var old = Volatile.Read(ref _lastTick);
        var age = _clock.CoarseNow() - old;
        if (age >= _tickInterval)
        {
            CatchUp(old, age);
        }
    }

    private double MeanRateOf(long count)
    {
        var elapsed = _clock.Now() - _start;
        return elapsed <= 0 ? 0 : count / ((double)elapsed / _clock.Frequency);
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
            var count = Count;
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

/// <summary>A meter's rates, events per second, read together.</summary>
internal readonly record struct MeterRates(double Mean, double OneMinute, double FiveMinute, double FifteenMinute);
