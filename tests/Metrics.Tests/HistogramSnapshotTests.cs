using Metrics.Testing;

namespace Metrics.Tests;

public class HistogramSnapshotTests
{
    [TestCase(-0.01)]
    [TestCase(1.01)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void GetValue_QuantileOutsideZeroToOne_ThrowsArgumentOutOfRange(double quantile)
    {
        var histogram = new Histogram(new HistogramOptions(), new ManualTimeProvider());
        histogram.Update(5L);
        var snapshot = histogram.GetSnapshot();

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => snapshot.GetValue(quantile));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.ParamName, Is.EqualTo("quantile"));
            Assert.That(ex.Message, Does.Contain("from 0 to 1"));
        });
    }

    [Test]
    public void GetValue_EmptySnapshot_ReturnsZeroAndStillValidates()
    {
        Assert.Multiple(() =>
        {
            Assert.That(HistogramSnapshot.Empty.GetValue(0.5), Is.Zero);
            Assert.That(HistogramSnapshot.Empty.Median, Is.Zero);
            Assert.Throws<ArgumentOutOfRangeException>(() => HistogramSnapshot.Empty.GetValue(2));
        });
    }

    [Test]
    public void GetValue_ZeroAndOneOfHdr_ReturnExactMinAndMax()
    {
        var histogram = new Histogram(new HistogramOptions(), new ManualTimeProvider());
        histogram.Update(1_234_567L);
        histogram.Update(9_876_543_210L);
        histogram.Update(5_000_000L);
        var snapshot = histogram.GetSnapshot();

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.GetValue(0), Is.EqualTo(1_234_567));
            Assert.That(snapshot.GetValue(1), Is.EqualTo(9_876_543_210));
            Assert.That(snapshot.Median, Is.EqualTo(5_000_000).Within(5_000_000 * 0.01));
        });
    }

    [Test]
    public void GetValue_NearestRankOnBuckets_NoFloatingPointOverrun()
    {
        var histogram = new Histogram(new HistogramOptions(), new ManualTimeProvider());
        for (var v = 1L; v <= 100; v++)
        {
            histogram.Update(v);
        }

        var snapshot = histogram.GetSnapshot();

        Assert.Multiple(() =>
        {
            // 0.99 · 100 is 99.00000000000001 in binary floating point; the 99th value is still the answer.
            Assert.That(snapshot.GetValue(0.99), Is.EqualTo(99));
            Assert.That(snapshot.GetValue(0.5), Is.EqualTo(50));
            Assert.That(snapshot.GetValue(0.001), Is.EqualTo(1));
        });
    }

    [Test]
    public void GetValue_EveryRankOfHdr_IsTheBucketWhereTheCumulativeCountReachesIt()
    {
        var histogram = new Histogram(new HistogramOptions(), new ManualTimeProvider());
        var random = new Random(29);
        for (var i = 0; i < 997; i++)
        {
            histogram.Update(random.NextInt64(1, 1_000_000));
        }

        var snapshot = histogram.GetSnapshot();
        var buckets = snapshot.Buckets;

        Assert.Multiple(() =>
        {
            for (var rank = 2; rank < snapshot.Count; rank++)
            {
                var quantile = (rank - 0.5) / snapshot.Count;
                long seen = 0;
                var expected = buckets.First(b => (seen += b.Count) >= rank).Value;
                Assert.That(snapshot.GetValue(quantile), Is.EqualTo(Math.Clamp(expected, snapshot.Min, snapshot.Max)), $"rank {rank}");
            }
        });
    }
}
