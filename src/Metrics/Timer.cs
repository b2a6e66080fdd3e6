using System.Runtime.CompilerServices;
using Metrics.Primitives;

namespace Metrics;

/// <summary>
/// A meter of events plus a histogram of their durations in nanoseconds.
/// </summary>
/// <remarks>
/// Thread-safe; recording takes no lock and allocates nothing. Negative durations are ignored. Durations are
/// measured with the registry's <see cref="TimeProvider.GetTimestamp"/>. A duration is recorded once, into the
/// histogram; the rates count the histogram's values (a check whether a rate tick is due, as for
/// <see cref="Meter.Mark()"/>, is all a record adds).
/// </remarks>
public sealed class Timer
{
    private readonly Clock _clock;

    internal Timer(HistogramOptions options, TimeProvider time)
    {
        _clock = new Clock(time);
        // Durations are whole nanoseconds: HistogramOptions.Resolution does not apply.
        Histogram = new Histogram(options, time, random: null, ignoreResolution: true);
        Meter = new Meter(time, Histogram);
    }

    /// <summary>Durations recorded so far.</summary>
    public long Count => Histogram.Count;

    /// <summary>Events per second since creation.</summary>
    public double MeanRate => Meter.MeanRate;

    /// <summary>One-minute moving average rate.</summary>
    public double OneMinuteRate => Meter.OneMinuteRate;

    /// <summary>Five-minute moving average rate.</summary>
    public double FiveMinuteRate => Meter.FiveMinuteRate;

    /// <summary>Fifteen-minute moving average rate.</summary>
    public double FifteenMinuteRate => Meter.FifteenMinuteRate;

    /// <summary>The rate of recorded durations: its count is the histogram's, so a duration is recorded once.</summary>
    internal Meter Meter { get; }

    /// <summary>The recorded durations, in nanoseconds.</summary>
    internal Histogram Histogram { get; }

    /// <summary>Starts timing; dispose the returned context (a struct, no allocation) to record the elapsed time.</summary>
    public TimerContext Time() => new(this, _clock.Now());

    /// <summary>Records a duration. Negative durations are ignored.</summary>
    public void Update(TimeSpan duration)
    {
        // Ticks are 100 ns: far below zero the product would wrap to a positive number, far above it past long.MaxValue.
        var ticks = duration.Ticks;
        UpdateNanoseconds(ticks < 0 ? -1 : ticks > long.MaxValue / 100 ? long.MaxValue : ticks * 100);
    }

    /// <summary>Records a duration in nanoseconds. Negative durations are ignored.</summary>
    public void UpdateNanoseconds(long nanoseconds)
    {
        if (nanoseconds < 0)
        {
            return;
        }

        // The meter counts the histogram's values: it only has to tick first if a tick fell due. The HDR recorder is
        // called directly so that its record path is inlined here.
        Meter.TickIfDue();
        if (Histogram.Hdr is { } hdr)
        {
            hdr.Record(nanoseconds);
        }
        else
        {
            Histogram.Update(nanoseconds);
        }
    }

    /// <summary>Runs <paramref name="action"/> and records how long it took, also when it throws.</summary>
    public void Time(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var start = _clock.Now();
        try
        {
            action();
        }
        finally
        {
            RecordSince(start);
        }
    }

    /// <summary>
    /// Runs <paramref name="func"/> and records how long it took, also when it throws. When it returns a
    /// <see cref="Task"/> that is still running (an async lambda, such as <c>Time(async () =&gt; await CallAsync())</c>,
    /// binds here), the duration runs until that task completes, faulted or cancelled included, as with
    /// <see cref="TimeAsync(Func{Task})"/>. So does a <see cref="ValueTask"/> or <see cref="ValueTask{TResult}"/>
    /// still running (a method group such as <c>Time(SaveAsync)</c>): the caller then gets a value task over the same
    /// work, with its outcome, to await once as usual. <see cref="TimeAsync(Func{ValueTask})"/> and
    /// <see cref="TimeAsync{T}(Func{ValueTask{T}})"/> do the same for value tasks.
    /// </summary>
    /// <remarks>
    /// In an app compiled ahead of time (NativeAOT), a <see cref="ValueTask{TResult}"/> returned here is timed only to
    /// its return, as finding its result type needs code made at run time; use
    /// <see cref="TimeAsync{T}(Func{ValueTask{T}})"/> for those.
    /// </remarks>
    public T Time<T>(Func<T> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        var start = _clock.Now();
        T result;
        try
        {
            result = func();
        }
        catch
        {
            RecordSince(start);
            throw;
        }

        if (typeof(T).IsValueType)
        {
            // A value task cannot take a continuation: one still running is turned into its task (its one use), which
            // is recorded when it ends and handed back in a new value task. The checks on typeof(T) are constants for
            // each T.
            if (typeof(T) == typeof(ValueTask))
            {
                var valueTask = (ValueTask)(object)result!;
                if (!valueTask.IsCompleted)
                {
                    return (T)(object)new ValueTask(RecordWhenDone(valueTask, start));
                }
            }
            else if (ValueTaskTimer<T>.Wrap is { } wrap)
            {
                return wrap(this, result, start);
            }

            RecordSince(start);
        }
        else if (result is Task { IsCompleted: false } task)
        {
            // Recorded when the task ends, however it ends; the caller still observes the task's own outcome.
            RecordWhenDone(task, start);
        }
        else
        {
            RecordSince(start);
        }

        return result;
    }

    /// <summary>Awaits <paramref name="func"/> and records how long it took, also when it throws.</summary>
    /// <remarks>
    /// An async lambda that could return either (<c>TimeAsync(async () =&gt; await CallAsync())</c>) binds here, not to
    /// <see cref="TimeAsync(Func{ValueTask})"/>; a method group or lambda returning a <see cref="ValueTask"/> binds there.
    /// That takes C# 13 or later, which honours <see cref="OverloadResolutionPriorityAttribute"/>: with an older language
    /// version, or from Visual Basic, such a lambda is ambiguous between the two; cast it to <see cref="Func{Task}"/>.
    /// </remarks>
    [OverloadResolutionPriority(1)]
    public Task TimeAsync(Func<Task> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        return TimeCore(func);
    }

    /// <summary>Awaits <paramref name="func"/> and records how long it took, also when it throws.</summary>
    /// <remarks>
    /// An async lambda that could return either binds here, not to <see cref="TimeAsync{T}(Func{ValueTask{T}})"/>; a
    /// method group or lambda returning a <see cref="ValueTask{TResult}"/> binds there. That takes C# 13 or later: with
    /// an older language version, or from Visual Basic, such a lambda is ambiguous; cast it to a <c>Func&lt;Task&lt;T&gt;&gt;</c>.
    /// </remarks>
    [OverloadResolutionPriority(1)]
    public Task<T> TimeAsync<T>(Func<Task<T>> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        return TimeCore(func);
    }

    /// <summary>
    /// Awaits <paramref name="func"/> and records how long it took, until the value task completes, faulted or
    /// cancelled included; the returned value task has its outcome. Await it once, as any value task.
    /// </summary>
    public ValueTask TimeAsync(Func<ValueTask> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        return TimeCore(func);
    }

    /// <summary>
    /// Awaits <paramref name="func"/> and records how long it took, until the value task completes, faulted or
    /// cancelled included; the returned value task has its result or outcome. Await it once, as any value task.
    /// </summary>
    public ValueTask<T> TimeAsync<T>(Func<ValueTask<T>> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        return TimeCore(func);
    }

    /// <summary>A snapshot of the recorded durations, in nanoseconds.</summary>
    public HistogramSnapshot GetSnapshot() => Histogram.GetSnapshot();

    internal long Now() => _clock.Now();

    internal TimeSpan Elapsed(long start) => _clock.ToTimeSpan(_clock.Now() - start);

    internal TimeSpan Record(long start, long end)
    {
        var units = end - start;
        UpdateNanoseconds(_clock.ToNanoseconds(units));
        return _clock.ToTimeSpan(units);
    }

    private void RecordSince(long start) => Record(start, _clock.Now());

    private async Task TimeCore(Func<Task> func)
    {
        var start = _clock.Now();
        try
        {
            await func().ConfigureAwait(false);
        }
        finally
        {
            RecordSince(start);
        }
    }

    private async Task<T> TimeCore<T>(Func<Task<T>> func)
    {
        var start = _clock.Now();
        try
        {
            return await func().ConfigureAwait(false);
        }
        finally
        {
            RecordSince(start);
        }
    }

    private async ValueTask TimeCore(Func<ValueTask> func)
    {
        var start = _clock.Now();
        try
        {
            await func().ConfigureAwait(false);
        }
        finally
        {
            RecordSince(start);
        }
    }

    private async ValueTask<T> TimeCore<T>(Func<ValueTask<T>> func)
    {
        var start = _clock.Now();
        try
        {
            return await func().ConfigureAwait(false);
        }
        finally
        {
            RecordSince(start);
        }
    }

    // The value task's own task (the very task it was made from, or one that takes its outcome from its source, its
    // one use), recorded when it ends: the caller gets that task's whole outcome, every exception of a Task.WhenAll and
    // a cancellation's token included, not the first exception an await would rethrow.
    private Task RecordWhenDone(ValueTask running, long start) => RecordWhenDone(running.AsTask(), start);

    private Task<TResult> RecordWhenDone<TResult>(ValueTask<TResult> running, long start) => RecordWhenDone(running.AsTask(), start);

    private TTask RecordWhenDone<TTask>(TTask task, long start)
        where TTask : Task
    {
        // Registered before the caller can await the task, and run on completion: recorded before the caller resumes.
        _ = task.ContinueWith(
            static (_, state) =>
            {
                var (timer, started) = ((Timer, long))state!;
                timer.RecordSince(started);
            },
            (this, start),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return task;
    }

    private static ValueTask<TResult> TimeValueTask<TResult>(Timer timer, ValueTask<TResult> result, long start)
    {
        if (result.IsCompleted)
        {
            timer.RecordSince(start);
            return result;
        }

        return new ValueTask<TResult>(timer.RecordWhenDone(result, start));
    }

    /// <summary>For a <typeparamref name="T"/> that is a <see cref="ValueTask{TResult}"/>, how Time&lt;T&gt; times it.</summary>
    private static class ValueTaskTimer<T>
    {
        /// <summary>Null unless <typeparamref name="T"/> is a <see cref="ValueTask{TResult}"/>.</summary>
        public static readonly Func<Timer, T, long, T>? Wrap = Create();

        private static Func<Timer, T, long, T>? Create()
        {
            // Without dynamic code (NativeAOT) the instantiation may not exist: such a value task is then timed to
            // its return, as the remarks of Time<T> say, and TimeAsync<T>(Func<ValueTask<T>>) is the way to time it.
            if (!RuntimeFeature.IsDynamicCodeSupported || !typeof(T).IsGenericType || typeof(T).GetGenericTypeDefinition() != typeof(ValueTask<>))
            {
                return null;
            }

            var method = typeof(Timer)
                .GetMethod(nameof(TimeValueTask), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(typeof(T).GetGenericArguments()[0]);
            return method.CreateDelegate<Func<Timer, T, long, T>>();
        }
    }
}

/// <summary>A running measurement of a <see cref="Timer"/>; disposing it records the elapsed time once.</summary>
/// <remarks>A struct: starting one allocates nothing. Stop or dispose the variable itself, not a copy of it.</remarks>
public struct TimerContext : IDisposable, IEquatable<TimerContext>
{
    private readonly Timer? _timer;
    private readonly long _start;
    private TimeSpan? _recorded;

    internal TimerContext(Timer timer, long start)
    {
        _timer = timer;
        _start = start;
    }

    /// <summary>Time elapsed since the context started (zero for a default context).</summary>
    public readonly TimeSpan Elapsed => _timer is null ? TimeSpan.Zero : _timer.Elapsed(_start);

    /// <summary>
    /// Records the elapsed time (only the first call records) and returns it; later calls return the time the
    /// first call recorded. A default context records nothing and returns zero.
    /// </summary>
    public TimeSpan Stop()
    {
        if (_timer is null)
        {
            return TimeSpan.Zero;
        }

        _recorded ??= _timer.Record(_start, _timer.Now());
        return _recorded.Value;
    }

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
