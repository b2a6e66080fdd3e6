using Metrics.Primitives;
using Metrics.Testing;

namespace Metrics.Tests.Primitives;

public class ClockTests
{
    [Test]
    public void ManualProvider_NowAndCoarseNow_FollowItsTimestamps_AndMayHavePassedLeavesTheCheckToThem()
    {
        var time = new ManualTimeProvider();
        var clock = new Clock(time);
        var start = clock.Now();

        time.Advance(TimeSpan.FromSeconds(2));

        Assert.Multiple(() =>
        {
            Assert.That(clock.Now() - start, Is.EqualTo(2 * TimeSpan.TicksPerSecond));
            Assert.That(clock.CoarseNow(), Is.EqualTo(clock.Now()));
            Assert.That(clock.MayHavePassed(clock.CoarseNow(), long.MaxValue), Is.True, "no cached reading for other providers: the caller checks");
            Assert.That(clock.CoarseFrequency, Is.EqualTo(time.TimestampFrequency));
            Assert.That(clock.ToNanoseconds(15), Is.EqualTo(1500));
            Assert.That(clock.ToTimeSpan(2 * TimeSpan.TicksPerSecond), Is.EqualTo(TimeSpan.FromSeconds(2)));
        });
    }

    [Test]
    public void SystemProvider_CoarseClockCountsMilliseconds()
    {
        var clock = new Clock(TimeProvider.System);

        var coarse = clock.CoarseNow();

        Assert.Multiple(() =>
        {
            Assert.That(clock.CoarseFrequency, Is.EqualTo(1000));
            Assert.That(Math.Abs(coarse - Environment.TickCount64), Is.LessThan(1000));
            Assert.That(clock.Frequency, Is.EqualTo(System.Diagnostics.Stopwatch.Frequency));
        });
    }
}
