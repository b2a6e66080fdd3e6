using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Metrics.Primitives;

/// <summary>
/// Timestamps from a <see cref="TimeProvider"/>, reading <see cref="Stopwatch"/> directly when the provider is
/// <see cref="TimeProvider.System"/> (the same clock, without a virtual call on the hot path).
/// </summary>
internal readonly struct Clock
{
    private readonly TimeProvider _time;
    private readonly bool _system;

    public Clock(TimeProvider time)
    {
        _time = time;
        _system = ReferenceEquals(time, TimeProvider.System);
        Frequency = time.TimestampFrequency;
    }

    /// <summary>Timestamp units per second.</summary>
    public long Frequency { get; }

    /// <summary>
    /// Units per second of <see cref="CoarseNow"/>: milliseconds for the system clock, the provider's timestamp
    /// frequency otherwise.
    /// </summary>
    public long CoarseFrequency => _system ? 1000 : Frequency;

    /// <summary>
    /// A cheap monotonic reading for checks that need no precision (a meter's 5-second tick): the system's
    /// millisecond tick count (the same monotonic clock as <see cref="Stopwatch"/>, read without its cost) for
    /// the system provider, the provider's timestamp otherwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long CoarseNow() => _system ? Environment.TickCount64 : _time.GetTimestamp();

    /// <summary>
    /// Whether <paramref name="interval"/> (in the units of <see cref="CoarseNow"/>) may have passed since
    /// <paramref name="since"/>, by the cheapest reading: for the system provider the process-wide copy of the
    /// millisecond tick count kept by <see cref="CachedTicks"/> (a static field, at most a refresh period behind, so
    /// the answer may be late but is never early; call <see cref="StartCachedTicks"/> first). For other providers it
    /// is always true, and the caller checks with <see cref="CoarseNow"/>, whose reading is a virtual call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool MayHavePassed(long since, long interval) => !_system || CachedTicks.Now - since >= interval;

    /// <summary>Starts the process-wide refresh behind <see cref="MayHavePassed"/> if this is the system clock.</summary>
    public void StartCachedTicks()
    {
        if (_system)
        {
            CachedTicks.EnsureStarted();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Now() => _system ? Stopwatch.GetTimestamp() : _time.GetTimestamp();

    /// <summary>Converts a span of timestamp units to nanoseconds.</summary>
    public long ToNanoseconds(long units) => Frequency == 1_000_000_000
        ? units
        : (long)(units * (1_000_000_000.0 / Frequency));

    /// <summary>Converts a span of timestamp units to a <see cref="TimeSpan"/>.</summary>
    public TimeSpan ToTimeSpan(long units) => TimeSpan.FromTicks((long)(units * ((double)TimeSpan.TicksPerSecond / Frequency)));
}
