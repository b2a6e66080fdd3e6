using Metrics.AspNetCore.Middleware;
using Metrics.Testing;

namespace Metrics.Integrations.AspNetCore.Tests.Middleware;

public class ApdexTrackerTests
{
    private static readonly TimeSpan T = TimeSpan.FromMilliseconds(100);

    [Test]
    public void Score_NoRequests_IsNaN()
    {
        var tracker = new ApdexTracker(T, TimeSpan.FromMinutes(1), new ManualTimeProvider());

        Assert.That(tracker.Score(), Is.NaN);
    }

    [TestCase(100, false, 1.0)]
    [TestCase(101, false, 0.5)]
    [TestCase(400, false, 0.5)]
    [TestCase(401, false, 0.0)]
    [TestCase(1, true, 0.0)]
    public void Score_OneRequest_ClassifiedByThreshold(int milliseconds, bool failed, double expected)
    {
        var tracker = new ApdexTracker(T, TimeSpan.FromMinutes(1), new ManualTimeProvider());

        tracker.Record(TimeSpan.FromMilliseconds(milliseconds), failed);

        Assert.That(tracker.Score(), Is.EqualTo(expected));
    }

    [Test]
    public void Record_ThresholdTooLargeToMultiplyByFour_ClassifiesInsteadOfThrowing()
    {
        // TimeSpan.MaxValue as "never frustrated": 4T does not fit a TimeSpan.
        var tracker = new ApdexTracker(TimeSpan.MaxValue, TimeSpan.FromMinutes(1), new ManualTimeProvider());

        tracker.Record(TimeSpan.FromDays(1), failed: false);
        tracker.Record(TimeSpan.FromDays(1), failed: true);

        Assert.That(tracker.Score(), Is.EqualTo(0.5));
    }

    [Test]
    public void Score_OldRequestsLeaveTheWindow()
    {
        var clock = new ManualTimeProvider();
        var tracker = new ApdexTracker(T, TimeSpan.FromMinutes(1), clock);
        tracker.Record(TimeSpan.FromSeconds(5), failed: false);   // frustrated
        clock.Advance(TimeSpan.FromSeconds(70));

        tracker.Record(TimeSpan.FromMilliseconds(10), failed: false);

        Assert.That(tracker.Score(), Is.EqualTo(1.0), "the frustrated request is older than the window");
    }

    [Test]
    public void Record_ManyThreads_ExactScore()
    {
        var tracker = new ApdexTracker(T, TimeSpan.FromMinutes(1), new ManualTimeProvider());
        const int threads = 8;
        const int perThread = 20_000;

        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            for (var i = 0; i < perThread; i++)
            {
                // Per four requests: two satisfied, one tolerating, one frustrated -> (2 + 0.5) / 4.
                tracker.Record(TimeSpan.FromMilliseconds((i % 4) switch { 0 or 1 => 50, 2 => 200, _ => 900 }), failed: false);
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        Assert.That(tracker.Score(), Is.EqualTo(0.625));
    }
}
