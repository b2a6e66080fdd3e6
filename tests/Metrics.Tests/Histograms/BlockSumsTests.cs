using Metrics.Histograms;

namespace Metrics.Tests.Histograms;

public class BlockSumsTests
{
    private static readonly HdrLayout Layout = new(2, 3_600_000_000_000);

    [Test]
    public void StdDev_RandomBlocks_MatchesTwoPassesOverTheBucketValues()
    {
        var random = new Random(11);
        var blocks = new long[Layout.BlockCount][];
        var sums = new BlockSums[Layout.BlockCount];
        var values = new List<(double Value, long Count)>();
        for (var b = 0; b < 20; b++)
        {
            blocks[b] = new long[Layout.BlockSize];
            for (var n = 0; n < 50; n++)
            {
                var o = random.Next(Layout.BlockSize);
                var c = random.Next(1, 1_000);
                blocks[b][o] += c;
            }

            sums[b] = BlockSums.Of(b, blocks[b]);
            for (var o = 0; o < Layout.BlockSize; o++)
            {
                if (blocks[b][o] != 0)
                {
                    values.Add((Layout.RepresentativeValue(b, o), blocks[b][o]));
                }
            }
        }

        var total = values.Sum(v => (double)v.Count);
        var mean = values.Sum(v => v.Value * v.Count) / total;
        var expected = Math.Sqrt(values.Sum(v => (v.Value - mean) * (v.Value - mean) * v.Count) / (total - 1));

        Assert.That(BlockSums.StdDev(sums), Is.EqualTo(expected).Within(expected * 1e-12));
        Assert.That(sums.Sum(s => s.Count), Is.EqualTo((long)total));
    }

    [Test]
    public void Add_FollowingACopyByWhatMoved_SameSumsAsTheWholeCopy()
    {
        var random = new Random(3);
        var copy = new long[Layout.BlockSize];
        var followed = default(BlockSums);
        for (var read = 0; read < 100; read++)
        {
            var moved = default(BlockSums);
            for (var n = 0; n < 5; n++)
            {
                var o = random.Next(Layout.BlockSize);
                var c = random.NextInt64(1, 1L << 40);
                copy[o] += c;
                moved.Add(Layout.BlockSize + o, c);
            }

            followed.Add(moved);
        }

        followed.Seal(7, Layout.BlockSize);
        var whole = BlockSums.Of(7, copy);
        Assert.That(followed, Is.EqualTo(whole));
        Assert.That(BlockSums.StdDev([default, default, default, default, default, default, default, followed]),
            Is.EqualTo(BlockSums.StdDev([default, default, default, default, default, default, default, whole])));
    }

    [Test]
    public void StdDev_OneBucketHoldingEverything_ExactlyZero_EvenPastTheExactRange()
    {
        var counts = new long[Layout.BlockSize];
        counts[93] = 3_000_000_000_000;
        var huge = new long[Layout.BlockSize];
        huge[93] = 1L << 61;

        Assert.That(BlockSums.StdDev([default, default, default, default, default, BlockSums.Of(5, counts)]), Is.Zero);
        Assert.That(BlockSums.StdDev([default, default, default, default, default, BlockSums.Of(5, huge)]), Is.Zero);
    }

    [Test]
    public void StdDev_CountsPastTheExactRange_StillWithinRelativeError()
    {
        // Two neighbouring buckets holding 2^60 values each: n (2^61) times the largest u no longer fits 64 bits.
        var counts = new long[Layout.BlockSize];
        counts[10] = 1L << 60;
        counts[11] = 1L << 60;
        var width = 1L << 4;

        var stdDev = BlockSums.StdDev([default, default, default, default, default, BlockSums.Of(5, counts)]);

        // Half the values one bucket width above the other half: the standard deviation is half a width.
        Assert.That(stdDev, Is.EqualTo(width / 2.0).Within(1e-6).Percent);
    }
}
