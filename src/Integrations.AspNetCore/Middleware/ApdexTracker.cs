namespace Metrics.AspNetCore.Middleware;

/// <summary>
/// Apdex of one route over a sliding window: (satisfied + tolerating / 2) / total, where a request is satisfied when
/// it took at most T, tolerating up to 4T, frustrated when slower or failed. The window is kept in 12 buckets, so the
/// score covers between 11/12 and 12/12 of it. No requests in the window: NaN (no score rather than a made-up 1.0).
/// </summary>
/// <remarks>Thread-safe; <see cref="Record"/> takes no lock except once per bucket period, and allocates nothing.</remarks>
internal sealed class ApdexTracker
{
    private const int Buckets = 12;

    private readonly TimeProvider _time;
    private readonly long _bucketTicks;
    private readonly TimeSpan _toleratedUpTo;
    private readonly Lock _lock = new();
    private readonly long[] _slot = new long[Buckets];
    private readonly long[] _satisfied = new long[Buckets];
    private readonly long[] _tolerating = new long[Buckets];
    private readonly long[] _frustrated = new long[Buckets];

    public ApdexTracker(TimeSpan threshold, TimeSpan window, TimeProvider time)
    {
        Threshold = threshold;
        // 4T, or the longest TimeSpan when 4T does not fit one (a threshold of TimeSpan.MaxValue: never frustrated by time).
        _toleratedUpTo = threshold.Ticks > TimeSpan.MaxValue.Ticks / 4 ? TimeSpan.MaxValue : threshold * 4;
        _time = time;
        _bucketTicks = Math.Max(1, (long)(window.TotalSeconds * time.TimestampFrequency / Buckets));
        Array.Fill(_slot, long.MinValue);
    }

    /// <summary>The threshold T.</summary>
    public TimeSpan Threshold { get; }

    /// <summary>Records one request.</summary>
    public void Record(TimeSpan elapsed, bool failed)
    {
        var slot = _time.GetTimestamp() / _bucketTicks;
        var i = (int)(slot % Buckets);
        if (Volatile.Read(ref _slot[i]) != slot)
        {
            lock (_lock)
            {
                if (_slot[i] != slot)
                {
                    Volatile.Write(ref _satisfied[i], 0);
                    Volatile.Write(ref _tolerating[i], 0);
                    Volatile.Write(ref _frustrated[i], 0);
                    Volatile.Write(ref _slot[i], slot);
                }
            }
        }

        if (failed || elapsed > _toleratedUpTo)
        {
            Interlocked.Increment(ref _frustrated[i]);
        }
        else if (elapsed > Threshold)
        {
            Interlocked.Increment(ref _tolerating[i]);
        }
        else
        {
            Interlocked.Increment(ref _satisfied[i]);
        }
    }

    /// <summary>The score over the window, or NaN when the window has no requests.</summary>
    public double Score()
    {
        var current = _time.GetTimestamp() / _bucketTicks;
        long s = 0, t = 0, f = 0;
        for (var i = 0; i < Buckets; i++)
        {
            var slot = Volatile.Read(ref _slot[i]);
            if (slot > current - Buckets && slot <= current)
            {
                s += Volatile.Read(ref _satisfied[i]);
                t += Volatile.Read(ref _tolerating[i]);
                f += Volatile.Read(ref _frustrated[i]);
            }
        }

        var total = s + t + f;
        return total == 0 ? double.NaN : (s + (t / 2.0)) / total;
    }
}
