using Metrics.Histograms;
using Metrics.Testing;

namespace Metrics.Tests.Histograms;

public class ExponentiallyDecayingReservoirTests
{
    [Test]
    public void Update_MoreValuesThanSize_KeepsSizeSamplesFromTheRange()
    {
        var reservoir = new ExponentiallyDecayingReservoir(100, 0.99, new ManualTimeProvider(), new Random(1));
        for (var v = 0; v < 1000; v++)
        {
            reservoir.Update(v);
        }

        var snapshot = reservoir.GetSnapshot(0);

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Count, Is.EqualTo(100));
            Assert.That(snapshot.Min, Is.GreaterThanOrEqualTo(0));
            Assert.That(snapshot.Max, Is.LessThan(1000));
        });
    }

    [Test]
    public void Update_FewerValuesThanSize_KeepsThemAll()
    {
        var reservoir = new ExponentiallyDecayingReservoir(100, 0.99, new ManualTimeProvider(), new Random(1));
        for (var v = 0; v < 10; v++)
        {
            reservoir.Update(v);
        }

        Assert.That(reservoir.GetSnapshot(0).Count, Is.EqualTo(10));
    }

    // Dropwizard's spotLift: two hours of one value, then ten minutes of another at the same rate.
    [Test]
    public void GetSnapshot_ValueChangesAfterTwoHours_MedianFollowsWithinTenMinutes()
    {
        var time = new ManualTimeProvider();
        var reservoir = new ExponentiallyDecayingReservoir(1000, 0.015, time, new Random(2));
        for (var i = 0; i < 120 * 10; i++)
        {
            reservoir.Update(177);
            time.Advance(TimeSpan.FromSeconds(6));
        }

        for (var i = 0; i < 10 * 10; i++)
        {
            reservoir.Update(9999);
            time.Advance(TimeSpan.FromSeconds(6));
        }

        Assert.That(reservoir.GetSnapshot(0).Median, Is.EqualTo(9999));
    }

    // Dropwizard's spotFall.
    [Test]
    public void GetSnapshot_ValueFallsAfterTwoHours_MedianFollowsWithinTenMinutes()
    {
        var time = new ManualTimeProvider();
        var reservoir = new ExponentiallyDecayingReservoir(1000, 0.015, time, new Random(3));
        for (var i = 0; i < 120 * 10; i++)
        {
            reservoir.Update(9998);
            time.Advance(TimeSpan.FromSeconds(6));
        }

        for (var i = 0; i < 10 * 10; i++)
        {
            reservoir.Update(178);
            time.Advance(TimeSpan.FromSeconds(6));
        }

        Assert.That(reservoir.GetSnapshot(0).GetValue(0.95), Is.EqualTo(178));
    }

    [Test]
    public void GetSnapshot_AfterOneHourIdle_StillHoldsTheSampleWithFiniteStatistics()
    {
        var time = new ManualTimeProvider();
        var reservoir = new ExponentiallyDecayingReservoir(1028, 0.015, time, new Random(4));
        for (var i = 1; i <= 500; i++)
        {
            reservoir.Update(i);
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        time.Advance(TimeSpan.FromHours(1));
        var snapshot = reservoir.GetSnapshot(0);

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Count, Is.EqualTo(500));
            Assert.That(double.IsFinite(snapshot.Mean), Is.True);
            Assert.That(double.IsFinite(snapshot.StdDev), Is.True);
            Assert.That(snapshot.Median, Is.InRange(1, 500));
            Assert.That(snapshot.GetValue(0.99), Is.InRange(1, 500));
        });
    }

    [Test]
    public void GetSnapshot_AfterADayIdle_OldSamplesHaveDecayedAway()
    {
        var time = new ManualTimeProvider();
        var reservoir = new ExponentiallyDecayingReservoir(1028, 0.015, time, new Random(5));
        for (var i = 0; i < 100; i++)
        {
            reservoir.Update(i);
        }

        time.Advance(TimeSpan.FromDays(1));
        var snapshot = reservoir.GetSnapshot(0);

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Count, Is.Zero);
            Assert.That(snapshot.Median, Is.Zero);
        });
    }

    [Test]
    public void Update_AfterLongIdleWithoutReads_NewValueDominatesWithFinitePriorities()
    {
        var time = new ManualTimeProvider();
        var reservoir = new ExponentiallyDecayingReservoir(1028, 0.015, time, new Random(6));
        for (var i = 0; i < 100; i++)
        {
            reservoir.Update(5);
        }

        time.Advance(TimeSpan.FromHours(2));
        reservoir.Update(1000);
        time.Advance(TimeSpan.FromMinutes(59));
        reservoir.Update(1000);
        var snapshot = reservoir.GetSnapshot(0);

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Median, Is.EqualTo(1000));
            Assert.That(double.IsFinite(snapshot.Mean), Is.True);
            Assert.That(snapshot.Mean, Is.EqualTo(1000).Within(1e-6));
        });
    }

    [Test]
    public void Update_HighAlphaOverHalfAnHour_WeightsStayFiniteAndTheSampleFollowsTheData()
    {
        // At alpha 0.5 a weight of e^(alpha * t) overflows after about 24 minutes: the landmark must move sooner
        // than Dropwizard's hourly rescale, or every weight becomes infinite and every statistic NaN.
        var time = new ManualTimeProvider();
        var reservoir = new ExponentiallyDecayingReservoir(100, 0.5, time, new Random(7));
        for (var i = 0; i < 30 * 60; i++)
        {
            reservoir.Update(i < 29 * 60 ? 1 : 500);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var snapshot = reservoir.GetSnapshot(0);

        Assert.Multiple(() =>
        {
            Assert.That(double.IsFinite(snapshot.Mean), Is.True, "mean");
            Assert.That(double.IsFinite(snapshot.StdDev), Is.True, "std dev");
            Assert.That(snapshot.Median, Is.EqualTo(500));
            Assert.That(snapshot.Mean, Is.EqualTo(500).Within(1e-6));
        });
    }

    [Test]
    public void Update_ManyThreadsOnOneHistogram_CountExactAndSampleBounded()
    {
        var histogram = new Histogram(
            new HistogramOptions { Reservoir = ReservoirType.ExponentiallyDecaying },
            new ManualTimeProvider());
        Hammer.Run(4, () =>
        {
            for (var i = 0; i < 50_000; i++)
            {
                histogram.Update((long)(i % 100));
            }
        });
        var snapshot = histogram.GetSnapshot();

        Assert.Multiple(() =>
        {
            Assert.That(histogram.Count, Is.EqualTo(200_000));
            Assert.That(snapshot.Count, Is.EqualTo(1028));
            Assert.That(snapshot.Max, Is.LessThanOrEqualTo(99));
        });
    }
}
