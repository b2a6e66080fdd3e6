using Metrics.Histograms;

namespace Metrics.Tests.Histograms;

public class SlidingWindowReservoirTests
{
    [Test]
    public void GetSnapshot_MoreValuesThanSize_KeepsTheLastN()
    {
        var reservoir = new SlidingWindowReservoir(3);
        for (var v = 1; v <= 5; v++)
        {
            reservoir.Update(v);
        }

        var snapshot = reservoir.GetSnapshot(0);

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Buckets.Select(b => b.Value), Is.EqualTo(new[] { 3.0, 4.0, 5.0 }));
            Assert.That(snapshot.Count, Is.EqualTo(3));
        });
    }

    [Test]
    public void GetSnapshot_FewerValuesThanSize_KeepsThemAll()
    {
        var reservoir = new SlidingWindowReservoir(10);
        reservoir.Update(1);
        reservoir.Update(2);

        Assert.That(reservoir.GetSnapshot(0).Buckets.Select(b => b.Value), Is.EqualTo(new[] { 1.0, 2.0 }));
    }

    [Test]
    public void Update_ManyThreads_HistogramCountExactAndSampleFull()
    {
        var histogram = new Histogram(
            new HistogramOptions { Reservoir = ReservoirType.SlidingWindow, SampleSize = 100 },
            TimeProvider.System);
        Hammer.Run(4, () =>
        {
            for (var i = 0; i < 50_000; i++)
            {
                histogram.Update(7L);
            }
        });
        var snapshot = histogram.GetSnapshot();

        Assert.Multiple(() =>
        {
            Assert.That(histogram.Count, Is.EqualTo(200_000));
            Assert.That(snapshot.Count, Is.EqualTo(100));
            Assert.That(snapshot.Mean, Is.EqualTo(7));
        });
    }
}
