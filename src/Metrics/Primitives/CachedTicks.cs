namespace Metrics.Primitives;

/// <summary>
/// A process-wide copy of <see cref="Environment.TickCount64"/> (milliseconds) that one timer refreshes every
/// <see cref="PeriodMilliseconds"/>, so hot paths that only need to know roughly what time it is (has a meter's
/// 5-second tick fallen due?) read a static field instead of the clock.
/// </summary>
/// <remarks>
/// <para>The copy is never ahead of the real tick count and normally behind it by less than one period; it can fall
/// further behind only if the thread pool cannot run the timer's callback (then checks against it are late, never
/// early). Users of the copy must treat it as a hint and read the real clock before acting on it.</para>
/// <para>The timer starts on the first <see cref="EnsureStarted"/> (the first meter or timer on
/// <see cref="TimeProvider.System"/>) and runs for the life of the process, rooted by a static field. Its cost is one
/// callback storing one long every period. 250 ms keeps a meter's tick at most about 5% of its 5-second interval
/// late on marks, while the callback runs only four times a second.</para>
/// </remarks>
internal static class CachedTicks
{
    /// <summary>How often the copy is refreshed, in milliseconds.</summary>
    public const int PeriodMilliseconds = 250;

    private static readonly Lock Gate = new();
    private static long _now = Environment.TickCount64;
    private static ITimer? _timer;

    /// <summary>The tick count in milliseconds as last stored by the timer: at most the real one, normally less than a period behind.</summary>
    public static long Now => Volatile.Read(ref _now);

    /// <summary>True once the refreshing timer runs.</summary>
    internal static bool IsStarted => Volatile.Read(ref _timer) is not null;

    /// <summary>Starts the refreshing timer if it is not running yet.</summary>
    public static void EnsureStarted()
    {
        if (Volatile.Read(ref _timer) is null)
        {
            Start();
        }
    }

    private static void Start()
    {
        lock (Gate)
        {
            if (_timer is not null)
            {
                return;
            }

            Refresh();
            var period = TimeSpan.FromMilliseconds(PeriodMilliseconds);

            // The timer must not capture the starting caller's execution context (its async locals) for the life of
            // the process.
            var restoreFlow = !ExecutionContext.IsFlowSuppressed();
            if (restoreFlow)
            {
                ExecutionContext.SuppressFlow();
            }

            try
            {
                Volatile.Write(ref _timer, TimeProvider.System.CreateTimer(static _ => Refresh(), null, period, period));
            }
            finally
            {
                if (restoreFlow)
                {
                    ExecutionContext.RestoreFlow();
                }
            }
        }
    }

    private static void Refresh() => Volatile.Write(ref _now, Environment.TickCount64);
}
