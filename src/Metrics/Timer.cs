namespace Metrics;

/// <summary>
/// A meter of events plus a histogram of their durations in nanoseconds.
/// </summary>
/// <remarks>Thread-safe; recording takes no lock and allocates nothing. Negative durations are ignored.</remarks>
public sealed class Timer
{
    internal Timer(HistogramOptions options, TimeProvider time)
    {
        _ = options;
        _ = time;
    }

    /// <summary>Durations recorded so far.</summary>
    public long Count => throw new NotImplementedException();

    /// <summary>Events per second since creation.</summary>
    public double MeanRate => throw new NotImplementedException();

    /// <summary>One-minute moving average rate.</summary>
    public double OneMinuteRate => throw new NotImplementedException();

    /// <summary>Five-minute moving average rate.</summary>
    public double FiveMinuteRate => throw new NotImplementedException();

    /// <summary>Fifteen-minute moving average rate.</summary>
    public double FifteenMinuteRate => throw new NotImplementedException();

    /// <summary>Starts timing; dispose the returned context (a struct, no allocation) to record the elapsed time.</summary>
    public TimerContext Time() => throw new NotImplementedException();

    /// <summary>Records a duration. Negative durations are ignored.</summary>
    public void Update(TimeSpan duration) => throw new NotImplementedException();

    /// <summary>Records a duration in nanoseconds. Negative durations are ignored.</summary>
    public void UpdateNanoseconds(long nanoseconds) => throw new NotImplementedException();

    /// <summary>Runs <paramref name="action"/> and records how long it took, also when it throws.</summary>
    public void Time(Action action) => throw new NotImplementedException();

    /// <summary>Runs <paramref name="func"/> and records how long it took, also when it throws.</summary>
    public T Time<T>(Func<T> func) => throw new NotImplementedException();

    /// <summary>Awaits <paramref name="func"/> and records how long it took, also when it throws.</summary>
    public Task TimeAsync(Func<Task> func) => throw new NotImplementedException();

    /// <summary>Awaits <paramref name="func"/> and records how long it took, also when it throws.</summary>
    public Task<T> TimeAsync<T>(Func<Task<T>> func) => throw new NotImplementedException();

    /// <summary>A snapshot of the recorded durations, in nanoseconds.</summary>
    public HistogramSnapshot GetSnapshot() => throw new NotImplementedException();
}

/// <summary>A running measurement of a <see cref="Timer"/>; disposing it records the elapsed time once.</summary>
public struct TimerContext : IDisposable, IEquatable<TimerContext>
{
    private readonly Timer? _timer;
    private readonly long _start;

    internal TimerContext(Timer timer, long start)
    {
        _timer = timer;
        _start = start;
    }

    /// <summary>Time elapsed since the context started.</summary>
    public readonly TimeSpan Elapsed => throw new NotImplementedException();

    /// <summary>Records the elapsed time (only the first call records) and returns it.</summary>
    public TimeSpan Stop() => throw new NotImplementedException();

    /// <summary>Records the elapsed time, like <see cref="Stop"/>.</summary>
    public void Dispose() => Stop();

    /// <inheritdoc />
    public readonly bool Equals(TimerContext other) => ReferenceEquals(_timer, other._timer) && _start == other._start;

    /// <inheritdoc />
    public override readonly bool Equals(object? obj) => obj is TimerContext other && Equals(other);

    /// <inheritdoc />
    public override readonly int GetHashCode() => HashCode.Combine(_timer, _start);

    /// <summary>Equality.</summary>
    public static bool operator ==(TimerContext left, TimerContext right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(TimerContext left, TimerContext right) => !left.Equals(right);
}
