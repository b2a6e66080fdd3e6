using Metrics.Primitives;

namespace Metrics.Tests.Primitives;

public class CachedTicksTests
{
    [Test]
    public void SystemMeter_StartsTheRefreshAndTheCopyNeverRunsAhead()
    {
        _ = new MetricsRegistry().Meter("m");

        var cached = CachedTicks.Now;
        var real = Environment.TickCount64;

        Assert.Multiple(() =>
        {
            Assert.That(CachedTicks.IsStarted, Is.True);
            Assert.That(cached, Is.LessThanOrEqualTo(real));
        });
    }

    [Test]
    public void Now_OnceStarted_FollowsTheRealTickCount()
    {
        // A meter on the system clock ticks on marks only if the copy moves: wait (bounded) for one refresh.
        CachedTicks.EnsureStarted();
        var before = CachedTicks.Now;

        var moved = SpinWait.SpinUntil(() => CachedTicks.Now > before, TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(moved, Is.True, "the cached tick count was never refreshed");
            Assert.That(Environment.TickCount64 - CachedTicks.Now, Is.GreaterThanOrEqualTo(0));
        });
    }

    [Test]
    public void SystemClock_MayHavePassed_NeverEarly_InTheUnitsOfCoarseNow()
    {
        var clock = new Clock(TimeProvider.System);
        clock.StartCachedTicks();
        var now = clock.CoarseNow();

        Assert.Multiple(() =>
        {
            Assert.That(clock.MayHavePassed(now, 60_000), Is.False, "a minute from now has not passed: the cached count is never ahead");
            Assert.That(clock.MayHavePassed(now - 120_000, 60_000), Is.True, "a minute since two minutes ago has passed: milliseconds, at most a refresh behind");
            Assert.That(clock.MayHavePassed(now - 120_000, 180_000), Is.False);
        });
    }
}
