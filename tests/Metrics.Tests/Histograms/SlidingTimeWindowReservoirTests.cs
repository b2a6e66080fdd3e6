using Metrics.Histograms;
using Metrics.Testing;

namespace Metrics.Tests.Histograms;

public class SlidingTimeWindowReservoirTests
{
    [Test]
    public void GetSnapshot_ClockAdvances_DropsValuesOlderThanTheWindow()
    {
        var time = new ManualTimeProvider();
        var reservoir = new SlidingTimeWindowReservoir(TimeSpan.FromMinutes(1), time);

        reservoir.Update(1);
        time.Advance(TimeSpan.FromSeconds(30));
        reservoir.Update(2);
        time.Advance(TimeSpan.FromSeconds(30));
        var both = reservoir.GetSnapshot(0);
        time.Advance(TimeSpan.FromSeconds(1));
        var newest = reservoir.GetSnapshot(0);
        time.Advance(TimeSpan.FromMinutes(1));
        var none = reservoir.GetSnapshot(0);

        Assert.Multiple(() =>
        {
            Assert.That(both.Buckets.Select(b => b.Value), Is.EqualTo(new[] { 1.0, 2.0 }));
            Assert.That(newest.Buckets.Select(b => b.Value), Is.EqualTo(new[] { 2.0 }));
            Assert.That(none.Count, Is.Zero);
            Assert.That(none.GetValue(0.99), Is.Zero);
        });
    }

    [Test]
    public void Update_BurstThenQuiet_KeepsOnlyRecentValuesAndGivesMemoryBack()
    {
        var time = new ManualTimeProvider();
        var reservoir = new SlidingTimeWindowReservoir(TimeSpan.FromSeconds(10), time);
        for (var i = 0; i < 10_000; i++)
        {
            reservoir.Update(i);
        }

        time.Advance(TimeSpan.FromSeconds(11));
        reservoir.Update(42);

        var snapshot = reservoir.GetSnapshot(0);
        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Count, Is.EqualTo(1));
            Assert.That(snapshot.Max, Is.EqualTo(42));
            Assert.That(reservoir.Capacity, Is.LessThanOrEqualTo(16));
        });
    }

    [Test]
    public void Histogram_SlidingTimeWindow_UsesTheRegistryClock()
    {
        var time = new ManualTimeProvider();
        var histogram = new Histogram(
            new HistogramOptions { Reservoir = ReservoirType.SlidingTimeWindow, Window = TimeSpan.FromSeconds(5) },
            time);
        histogram.Update(100L);
        time.Advance(TimeSpan.FromSeconds(6));
        histogram.Update(200L);

        var snapshot = histogram.GetSnapshot();

        Assert.Multiple(() =>
        {
            Assert.That(histogram.Count, Is.EqualTo(2));
            Assert.That(snapshot.Count, Is.EqualTo(1));
            Assert.That(snapshot.Median, Is.EqualTo(200));
        });
    }
}
