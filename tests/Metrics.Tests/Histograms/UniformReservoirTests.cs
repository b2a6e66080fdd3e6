using Metrics.Histograms;

namespace Metrics.Tests.Histograms;

public class UniformReservoirTests
{
    [Test]
    public void GetSnapshot_100OutOf1000Values_KeepsADistinctSampleOf100FromTheRange()
    {
        var reservoir = new UniformReservoir(100, new Random(1));
        for (var v = 0; v < 1000; v++)
        {
            reservoir.Update(v);
        }

        var snapshot = reservoir.GetSnapshot(0);

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Count, Is.EqualTo(100));
            Assert.That(snapshot.Buckets, Has.Count.EqualTo(100));
            Assert.That(snapshot.Min, Is.GreaterThanOrEqualTo(0));
            Assert.That(snapshot.Max, Is.LessThan(1000));
        });
    }

    [Test]
    public void GetSnapshot_FewerValuesThanSize_KeepsThemAll()
    {
        var reservoir = new UniformReservoir(10, new Random(1));
        reservoir.Update(3);
        reservoir.Update(1);

        Assert.That(reservoir.GetSnapshot(0).Buckets.Select(b => b.Value), Is.EqualTo(new[] { 1.0, 3.0 }));
    }

    [Test]
    public void GetSnapshot_ManyValues_SampleIsUniformOverTheWholeStream()
    {
        var reservoir = new UniformReservoir(1028, new Random(9));
        for (var v = 0; v < 100_000; v++)
        {
            reservoir.Update(v);
        }

        var snapshot = reservoir.GetSnapshot(0);

        // A sample biased to early or late values would put the median far from the stream's middle.
        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Median, Is.EqualTo(50_000).Within(5_000));
            Assert.That(snapshot.GetValue(0.1), Is.EqualTo(10_000).Within(3_000));
            Assert.That(snapshot.GetValue(0.9), Is.EqualTo(90_000).Within(3_000));
        });
    }
}
