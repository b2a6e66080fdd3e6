using Metrics.Testing;

namespace Metrics.Tests;

/// <summary>A fresh registry on a manual clock for every test.</summary>
public abstract class ManualClockFixture
{
    private protected ManualTimeProvider _time = null!;
    private protected MetricsRegistry _registry = null!;

    [SetUp]
    public void SetUpClockAndRegistry()
    {
        _time = new ManualTimeProvider();
        _registry = new MetricsRegistry(new MetricsOptions { TimeProvider = _time });
    }

    /// <summary>
    /// Runs <paramref name="record"/> <paramref name="perThread"/> times on each of <paramref name="threads"/> real
    /// threads while one more thread moves the clock 20 seconds, a second at a time, so ticks fall due mid-recording.
    /// </summary>
    private protected void RecordWhileTimeAdvances(int threads, int perThread, Action<int> record)
    {
        Hammer.Run(threads + 1, i =>
        {
            if (i == threads)
            {
                for (var t = 0; t < 20; t++)
                {
                    _time.Advance(TimeSpan.FromSeconds(1));
                    Thread.Yield();
                }

                return;
            }

            for (var n = 0; n < perThread; n++)
            {
                record(n);
            }
        });
    }
}
