using Metrics.Histograms;

namespace Metrics.Tests.Histograms;

public class HdrLayoutTests
{
    [Test]
    public void Constructor_Defaults_128BucketsPerBlockAnd36Blocks()
    {
        var layout = new HdrLayout(2, 3_600_000_000_000);

        Assert.Multiple(() =>
        {
            Assert.That(layout.BlockSize, Is.EqualTo(128));
            Assert.That(layout.BlockCount, Is.EqualTo(36));
        });
    }

    [Test]
    public void RepresentativeValue_FinerUnit_InTheUsersUnits()
    {
        var layout = new HdrLayout(2, 1_000L << 10, unitShift: 10);
        var whole = new HdrLayout(2, 1_000L << 10);

        Assert.Multiple(() =>
        {
            Assert.That((layout.Unit, whole.Unit), Is.EqualTo((1.0 / 1024, 1.0)));
            Assert.That((layout.BlockSize, layout.BlockCount), Is.EqualTo((whole.BlockSize, whole.BlockCount)));
            Assert.That(layout.RepresentativeValue(0, 5), Is.EqualTo(5.0 / 1024));
            Assert.That(layout.RepresentativeValue(3, 7), Is.EqualTo(whole.RepresentativeValue(3, 7) / 1024));
            Assert.That(layout.LowestValue(3, 7), Is.EqualTo(whole.LowestValue(3, 7)), "bucket bounds stay in units");
        });
    }

    [TestCase(1, 3_600_000_000_000L)]
    [TestCase(2, 3_600_000_000_000L)]
    [TestCase(3, 1_000_000L)]
    [TestCase(2, long.MaxValue)]
    [TestCase(5, 2L)]
    public void Locate_AnyValue_BucketContainsItAndIsNarrowEnough(int digits, long highest)
    {
        var layout = new HdrLayout(digits, highest);
        var random = new Random(1);
        var samples = new List<long> { 0, 1, highest, highest - 1 };
        for (var i = 0; i < 10_000; i++)
        {
            samples.Add(random.NextInt64(0, highest));
        }

        Assert.Multiple(() =>
        {
            foreach (var v in samples)
            {
                layout.Locate(v, out var block, out var offset);
                Assert.That(block, Is.InRange(0, layout.BlockCount - 1), $"block of {v}");
                Assert.That(v, Is.InRange(layout.LowestValue(block, offset), layout.HighestValue(block, offset)), $"bucket of {v}");
                Assert.That(
                    Math.Abs(layout.RepresentativeValue(block, offset) - v),
                    Is.LessThanOrEqualTo(Math.Max(0.5, v * Math.Pow(10, -digits))),
                    $"error for {v}");
            }
        });
    }

    [Test]
    public void Locate_ConsecutiveBuckets_TileTheRangeWithoutGaps()
    {
        var layout = new HdrLayout(2, 1L << 20);
        long next = 0;
        for (var block = 0; block < layout.BlockCount; block++)
        {
            for (var offset = 0; offset < layout.BlockSize; offset++)
            {
                Assert.That(layout.LowestValue(block, offset), Is.EqualTo(next));
                next = layout.HighestValue(block, offset) + 1;
            }
        }

        Assert.That(next - 1, Is.GreaterThanOrEqualTo(1L << 20));
    }
}
