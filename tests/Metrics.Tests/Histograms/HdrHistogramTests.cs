using Metrics.Histograms;

namespace Metrics.Tests.Histograms;

public class HdrHistogramTests
{
    private static readonly double[] Quantiles = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void GetValue_UniformRandomData_WithinRelativeErrorOfExactPercentiles(int digits)
    {
        var random = new Random(20261122);
        var values = Enumerable.Range(0, 100_000).Select(_ => random.NextInt64(1, 1_000_000_000)).ToArray();

        AssertQuantilesWithin(values, digits);
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void GetValue_LogNormalData_WithinRelativeErrorOfExactPercentiles(int digits)
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 100_000)
            .Select(_ => (long)Math.Round(Math.Exp(Math.Log(1_000_000) + (2 * NextGaussian(random)))))
            .Where(v => v <= 3_600_000_000_000)
            .ToArray();

        AssertQuantilesWithin(values, digits);
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void GetValue_ParetoData_WithinRelativeErrorOfExactPercentiles(int digits)
    {
        var random = new Random(11);
        var values = Enumerable.Range(0, 100_000)
            .Select(_ => (long)Math.Round(1000 / Math.Pow(1 - random.NextDouble(), 1 / 1.16)))
            .Where(v => v <= 3_600_000_000_000)
            .ToArray();

        AssertQuantilesWithin(values, digits);
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void GetWindow_LaterWindowOfHeavyTailedData_WithinRelativeErrorOfItsOwnExactPercentiles(int digits)
    {
        var hdr = new HdrHistogram(digits, 3_600_000_000_000);
        var cursor = new HistogramCursor(new Histogram(new HistogramOptions(), TimeProvider.System));
        var random = new Random(13);
        foreach (var v in Enumerable.Range(0, 50_000).Select(_ => random.NextInt64(1, 100_000_000_000)))
        {
            hdr.Record(v);
        }

        hdr.GetWindow(cursor);
        var values = Enumerable.Range(0, 50_000)
            .Select(_ => (long)Math.Round(1000 / Math.Pow(1 - random.NextDouble(), 1 / 1.16)))
            .Where(v => v <= 3_600_000_000_000)
            .ToArray();
        foreach (var v in values)
        {
            hdr.Record(v);
        }

        var window = hdr.GetWindow(cursor);
        var sorted = values.OrderBy(v => v).ToArray();
        var tolerance = Math.Pow(10, -digits);
        Assert.Multiple(() =>
        {
            Assert.That(window.Count, Is.EqualTo(values.Length));
            Assert.That(window.Sum, Is.EqualTo((double)values.Sum()));
            foreach (var q in Quantiles)
            {
                var rank = Math.Max(1, (long)Math.Ceiling((decimal)q * sorted.Length));
                var exact = (double)sorted[rank - 1];
                Assert.That(window.GetValue(q), Is.EqualTo(exact).Within(exact * tolerance), $"q = {q}");
            }
        });
    }

    [Test]
    public void GetSnapshot_SmallIntegers_ExactStatistics()
    {
        var hdr = new HdrHistogram(2, 3_600_000_000_000);
        foreach (var v in new long[] { 2, 4, 4, 4, 5, 5, 7, 9 })
        {
            hdr.Record(v);
        }

        var snapshot = hdr.GetSnapshot();

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Mean, Is.EqualTo(5));
            Assert.That(snapshot.StdDev, Is.EqualTo(Math.Sqrt(32.0 / 7)).Within(1e-12));
            Assert.That(snapshot.Median, Is.EqualTo(4));
            Assert.That(snapshot.Buckets, Is.EqualTo(new[]
            {
                new HistogramBucket(2, 1), new HistogramBucket(4, 3), new HistogramBucket(5, 2),
                new HistogramBucket(7, 1), new HistogramBucket(9, 1),
            }));
        });
    }

    [Test]
    public void GetSnapshot_WideValues_StdDevWithinRelativeError()
    {
        var random = new Random(3);
        var values = Enumerable.Range(0, 50_000).Select(_ => random.NextInt64(1_000_000, 10_000_000)).ToArray();
        var hdr = new HdrHistogram(2, 3_600_000_000_000);
        foreach (var v in values)
        {
            hdr.Record(v);
        }

        var mean = values.Average();
        var exact = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));

        Assert.That(hdr.GetSnapshot().StdDev, Is.EqualTo(exact).Within(exact * 0.01));
    }

    [Test]
    public void GetSnapshot_Buckets_AscendingAndSumToCount()
    {
        var hdr = new HdrHistogram(2, 3_600_000_000_000);
        var random = new Random(5);
        for (var i = 0; i < 10_000; i++)
        {
            hdr.Record(random.NextInt64(0, 1L << 40));
        }

        var buckets = hdr.GetSnapshot().Buckets;

        Assert.Multiple(() =>
        {
            Assert.That(buckets.Select(b => b.Value), Is.Ordered.Ascending);
            Assert.That(buckets.Sum(b => b.Count), Is.EqualTo(10_000));
            Assert.That(buckets.All(b => b.Count > 0), Is.True);
        });
    }

    [Test]
    public void Record_SumBeyond64Bits_StaysExact()
    {
        var hdr = new HdrHistogram(2, long.MaxValue);
        hdr.Record(long.MaxValue);
        hdr.Record(long.MaxValue);
        hdr.Record(long.MaxValue);

        var snapshot = hdr.GetSnapshot();

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Sum, Is.EqualTo(3 * (double)long.MaxValue));
            Assert.That(snapshot.Count, Is.EqualTo(3), "the value whose sum carried is counted in its bucket too");
            Assert.That(snapshot.Buckets.Single(b => b.Count > 0).Count, Is.EqualTo(3));
            Assert.That(snapshot.Clamped, Is.Zero);
            Assert.That(snapshot.Max, Is.EqualTo((double)long.MaxValue));
        });
    }

    [Test]
    public void Record_DoublesAtEveryEdge_RecordedClampedOrRejectedAsTheyShouldBe()
    {
        var wide = new HdrHistogram(2, long.MaxValue);
        var justBelowTwoToThe63 = Math.BitDecrement(9_223_372_036_854_775_808.0);
        wide.Record(justBelowTwoToThe63);
        wide.Record(-0.0);
        wide.Record(double.PositiveInfinity);
        wide.Record(double.NegativeInfinity);
        wide.Record(double.NaN);
        wide.Record(-0.5);

        var narrow = new HdrHistogram(2, 1_000);
        narrow.Record(1_000.0);
        narrow.Record(999.6);
        narrow.Record(1_000.4);
        narrow.Record(double.MaxValue);

        var w = wide.GetSnapshot();
        var n = narrow.GetSnapshot();
        Assert.Multiple(() =>
        {
            Assert.That((w.Count, w.Clamped, w.Rejected), Is.EqualTo((2L, 0L, 4L)), "2^63 less one step is a long; -0.0 is 0");
            Assert.That(w.Max, Is.EqualTo(justBelowTwoToThe63));
            Assert.That(w.Min, Is.EqualTo(0));
            Assert.That((n.Count, n.Clamped, n.Rejected), Is.EqualTo((4L, 2L, 0L)), "above 1,000 is clamped, 999.6 is not");
            Assert.That(n.Sum, Is.EqualTo(1_000 + 999.6 + 1_000 + 1_000).Within(1e-9));
            Assert.That(n.Max, Is.EqualTo(1_000));
        });
    }

    [Test]
    public void Record_DoubleAtTwoToThe63_ClampedToHighest()
    {
        var hdr = new HdrHistogram(2, long.MaxValue);

        hdr.Record(9_223_372_036_854_775_808.0);

        var snapshot = hdr.GetSnapshot();
        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Count, Is.EqualTo(1));
            Assert.That(snapshot.Clamped, Is.EqualTo(1));
        });
    }

    [Test]
    public void GetSnapshotAndWindow_LaterRecordingAndReads_LeaveAnEarlierLifetimeSnapshotAsItWas()
    {
        var hdr = new HdrHistogram(2, 3_600_000_000_000);
        var cursor = new HistogramCursor(null);
        foreach (var v in new long[] { 100, 200, 300, 300 })
        {
            hdr.Record(v);
        }

        // Not looked at yet: its buckets and quantiles are worked out from the counts it shares with later reads.
        var earlier = hdr.GetSnapshotAndWindow(cursor, reuse: false, out _);
        foreach (var v in new long[] { 100, 301, 302, 5000 })
        {
            hdr.Record(v);
        }

        var later = hdr.GetSnapshotAndWindow(cursor, reuse: false, out var window);

        Assert.Multiple(() =>
        {
            Assert.That(earlier.Buckets, Is.EqualTo(new[]
            {
                new HistogramBucket(100, 1), new HistogramBucket(200, 1), new HistogramBucket(300.5, 2),
            }));
            Assert.That(earlier.GetValue(0.5), Is.EqualTo(200));
            Assert.That(earlier.GetValue(0.75), Is.EqualTo(300), "the bucket of 300 and 301, kept within Max");
            Assert.That(earlier.Max, Is.EqualTo(300));
            Assert.That(later.Buckets, Is.EqualTo(new[]
            {
                new HistogramBucket(100, 2), new HistogramBucket(200, 1), new HistogramBucket(300.5, 3),
                new HistogramBucket(302.5, 1), new HistogramBucket(5007.5, 1),
            }));
            Assert.That(window.Buckets, Is.EqualTo(new[]
            {
                new HistogramBucket(100, 1), new HistogramBucket(300.5, 1), new HistogramBucket(302.5, 1),
                new HistogramBucket(5007.5, 1),
            }));
        });
    }

    [Test]
    public void GetSnapshotAndWindow_ValuesInOneBlock_OnlyThatBlockIsCopiedAgain()
    {
        var hdr = new HdrHistogram(2, 3_600_000_000_000);
        var cursor = new HistogramCursor(null);
        var random = new Random(21);
        for (var i = 0; i < 5_000; i++)
        {
            hdr.Record(random.NextInt64(1, 1L << 30));
        }

        hdr.GetSnapshotAndWindow(cursor, reuse: false, out _);
        var before = cursor.Counts!.Blocks;
        hdr.Layout.Locate(1000, out var changed, out _);
        hdr.Record(1000);
        hdr.GetSnapshotAndWindow(cursor, reuse: false, out var window);
        var after = cursor.Counts!.Blocks;

        Assert.Multiple(() =>
        {
            Assert.That(window.Count, Is.EqualTo(1));
            Assert.That(after[changed], Is.Not.SameAs(before[changed]));
            for (var b = 0; b < after.Length; b++)
            {
                if (b != changed)
                {
                    Assert.That(after[b], Is.SameAs(before[b]), $"block {b} was not reached and is shared");
                }
            }
        });
    }

    [Test]
    public void GetSnapshotAndWindow_ReusingReads_SameFiguresAsFreshSnapshots_AndOverwriteTheirOwnBlocksOnly()
    {
        var hdr = new HdrHistogram(2, 3_600_000_000_000);
        var cursor = new HistogramCursor(null);
        var random = new Random(5);
        for (var i = 0; i < 3_000; i++)
        {
            hdr.Record(random.NextInt64(1, 1L << 30));
        }

        // A read that is not reusing hands its blocks to a caller who may keep them: reusing reads never change them.
        var kept = hdr.GetSnapshotAndWindow(cursor, reuse: false, out _);
        var keptBuckets = kept.Buckets.ToArray();
        var keptCounts = CountsBehind(kept);
        var keptQuantiles = Quantiles.Select(kept.GetValue).ToArray();
        var keptBlocks = cursor.Counts!.Blocks.ToArray();
        long windowed = 0;
        var overwritten = 0;
        for (var report = 0; report < 6; report++)
        {
            for (var i = 0; i < 200; i++)
            {
                hdr.Record(random.NextInt64(1, 1L << (10 + (3 * report))));
                hdr.Record(random.NextInt64(1, 1L << 30) + 0.5);
            }

            var blocksBefore = cursor.Counts!.Blocks.ToArray();
            var totalsBefore = cursor.Counts.BlockTotals.ToArray();
            var lifetime = hdr.GetSnapshotAndWindow(cursor, reuse: true, out var window);
            windowed += window.Count;
            var fresh = hdr.GetSnapshot();
            Assert.Multiple(() =>
            {
                Assert.That(lifetime.Buckets, Is.EqualTo(fresh.Buckets), $"report {report}");
                Assert.That(Quantiles.Select(lifetime.GetValue), Is.EqualTo(Quantiles.Select(fresh.GetValue)), $"report {report}");
                Assert.That(lifetime.Count, Is.EqualTo(fresh.Count));
                Assert.That(lifetime.Sum, Is.EqualTo(fresh.Sum));
                Assert.That(lifetime.StdDev, Is.EqualTo(fresh.StdDev), "the same counts give the same figure however they were read");
                Assert.That(window.Count, Is.EqualTo(400), "every value of the report in its window");
                Assert.That(window.Buckets.Sum(b => b.Count), Is.EqualTo(400));
            });

            var blocksAfter = cursor.Counts!.Blocks;
            for (var b = 0; b < blocksAfter.Length; b++)
            {
                if (blocksBefore[b] is { } before && !ReferenceEquals(before, keptBlocks[b]))
                {
                    Assert.That(blocksAfter[b], Is.SameAs(before), $"report {report}: block {b}, copied by a reusing read, is overwritten in place");
                    overwritten += cursor.Counts.BlockTotals[b] != totalsBefore[b] ? 1 : 0;
                }
            }
        }

        Assert.That(overwritten, Is.GreaterThan(10), "blocks that reusing reads copied are used again");

        Assert.Multiple(() =>
        {
            Assert.That(kept.Buckets, Is.EqualTo(keptBuckets), "a snapshot handed out by a read that is not reusing stays as it was");
            Assert.That(CountsBehind(kept), Is.EqualTo(keptCounts));
            Assert.That(Quantiles.Select(kept.GetValue), Is.EqualTo(keptQuantiles));
            Assert.That(windowed, Is.EqualTo(2_400));
        });

        // And a read that is not reusing, after reusing ones, copies again: what it hands out stays as it was.
        var later = hdr.GetSnapshotAndWindow(cursor, reuse: false, out _);
        var laterCounts = CountsBehind(later);
        hdr.Record(1000);
        hdr.Record(1L << 29);
        hdr.GetSnapshotAndWindow(cursor, reuse: true, out var last);
        Assert.Multiple(() =>
        {
            Assert.That(CountsBehind(later), Is.EqualTo(laterCounts), "the counts behind a snapshot that was handed out stay as they were");
            Assert.That(last.Count, Is.EqualTo(2));
        });

        // Every count of every block, as a flat copy.
        static long[] CountsBehind(HistogramSnapshot snapshot) =>
            [.. ((HdrCounts)snapshot.Buckets).Blocks.SelectMany(block => block ?? [])];
    }

    [Test]
    public void GetSnapshotAndWindow_BusyHistogramReusingRead_AllocatesNoBlock()
    {
        var hdr = new HdrHistogram(2, 3_600_000_000_000);
        var cursor = new HistogramCursor(null);
        var random = new Random(9);
        for (var i = 0; i < 20_000; i++)
        {
            // Long-lived: every magnitude from 2^8 to 2^28 holds values already.
            var k = 8 + (i % 20);
            hdr.Record((1L << k) + random.Next(1 << (k - 1)));
        }

        hdr.GetSnapshotAndWindow(cursor, reuse: true, out _);
        long allocated = 0;
        for (var report = 0; report < 5; report++)
        {
            // One value in each of 20 blocks: a copying read would allocate 1 KB for each.
            for (var k = 8; k < 28; k++)
            {
                hdr.Record((1L << k) + random.Next(1 << (k - 1)));
            }

            // The first report also gives the reading thread its scratch block, once.
            var before = GC.GetAllocatedBytesForCurrentThread();
            hdr.GetSnapshotAndWindow(cursor, reuse: true, out _);
            allocated = report == 0 ? 0 : Math.Max(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.That(allocated, Is.LessThan(hdr.Layout.BlockSize * sizeof(long)), "the snapshot, its counts view and the window, but no block copy");
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void GetSnapshot_QuantilesFromBlockCounts_SameAsTheBucketListRule(int digits)
    {
        var hdr = new HdrHistogram(digits, 3_600_000_000_000);
        var random = new Random(17);
        for (var i = 0; i < 20_000; i++)
        {
            hdr.Record((long)Math.Round(1000 / Math.Pow(1 - random.NextDouble(), 1 / 1.16)));
        }

        var snapshot = hdr.GetSnapshot();

        // The same buckets as a plain list: quantiles then come from HistogramSnapshot's own nearest-rank rule.
        var list = HdrSnapshotBuilder.Build(
            [.. snapshot.Buckets], snapshot.Count, snapshot.Sum, snapshot.Min, snapshot.Max, 0, 0);
        Assert.Multiple(() =>
        {
            for (var q = 0.0; q <= 1.0; q += 0.0005)
            {
                Assert.That(snapshot.GetValue(q), Is.EqualTo(list.GetValue(q)), $"q = {q}");
            }

            foreach (var q in new[] { 0.5, 0.75, 0.95, 0.98, 0.99, 0.999, 1 })
            {
                Assert.That(snapshot.GetValue(q), Is.EqualTo(list.GetValue(q)), $"q = {q}");
            }

            Assert.That(snapshot.StdDev, Is.EqualTo(list.StdDev).Within(list.StdDev * 1e-12));
        });
    }

    [Test]
    public void GetSnapshot_OneValueManyTimes_StdDevExactlyZero()
    {
        var hdr = new HdrHistogram(2, 3_600_000_000_000);
        for (var i = 0; i < 100_000; i++)
        {
            hdr.Record(123_456_789);
        }

        var cursor = new HistogramCursor(null);
        var read = hdr.GetSnapshotAndWindow(cursor, reuse: false, out _);
        var snapshot = hdr.GetSnapshot();

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.StdDev, Is.Zero);
            Assert.That(read.StdDev, Is.Zero);
            Assert.That(snapshot.Median, Is.EqualTo(123_456_789));
        });
    }

    [Test]
    public void RecordScaled_FinerUnit_SnapshotAndWindowsInTheUsersUnits()
    {
        var hdr = new HdrHistogram(2, 1_000, unitShift: 4);
        var cursor = new HistogramCursor(null);
        hdr.RecordScaled(0.25);
        hdr.RecordScaled(0.5);
        hdr.RecordScaled(3L);
        var firstLifetime = hdr.GetSnapshotAndWindow(cursor, reuse: true, out var first);
        (long, double, double, double) firstWindow = (first.Count, first.Sum, first.Min, first.Max);
        var firstBuckets = firstLifetime.Buckets.Select(b => b.Value).ToArray();
        hdr.RecordScaled(1.75);
        hdr.RecordScaled(2_000L);

        var lifetime = hdr.GetSnapshotAndWindow(cursor, reuse: true, out var second);

        Assert.Multiple(() =>
        {
            Assert.That(firstBuckets, Is.EqualTo(new[] { 0.25, 0.5, 3 }));
            Assert.That(firstWindow, Is.EqualTo((3L, 3.75, 0.25, 3.0)));
            Assert.That((second.Count, second.Sum, second.Clamped), Is.EqualTo((2L, 1_001.75, 1L)));
            Assert.That(second.Buckets.Select(b => b.Value), Is.EqualTo(new[] { 1.75, 1_000 }).Within(1).Percent);
            Assert.That((second.Min, second.Max), Is.EqualTo((1.75, 1_000.0)).Within(1).Percent);
            Assert.That((lifetime.Count, lifetime.Sum, lifetime.Min, lifetime.Max), Is.EqualTo((5L, 1_005.5, 0.25, 1_000.0)));
            Assert.That(lifetime.Median, Is.EqualTo(1.75));
            Assert.That(lifetime.StdDev, Is.EqualTo(446.6).Within(1).Percent);
        });
    }

    private static void AssertQuantilesWithin(long[] values, int digits)
    {
        var hdr = new HdrHistogram(digits, 3_600_000_000_000);
        foreach (var v in values)
        {
            hdr.Record(v);
        }

        var snapshot = hdr.GetSnapshot();
        var sorted = values.OrderBy(v => v).ToArray();
        var tolerance = Math.Pow(10, -digits);
        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Count, Is.EqualTo(values.Length));
            Assert.That(snapshot.Sum, Is.EqualTo((double)values.Sum()));
            foreach (var q in Quantiles)
            {
                var rank = Math.Max(1, (long)Math.Ceiling((decimal)q * sorted.Length));
                var exact = (double)sorted[rank - 1];
                Assert.That(snapshot.GetValue(q), Is.EqualTo(exact).Within(exact * tolerance), $"q = {q}");
            }
        });
    }

    private static double NextGaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
    [TestCase(new[] { 0.5, 0.75, 0.95, 0.99, 0.999 })]
    [TestCase(new[] { 0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1 })]
    [TestCase(new[] { 0.99, 0.5, 0.5, 0.999, 0.1, 1, 0 })]
    [TestCase(new[] { 0.5, 0.5000001, 0.9999999 })]
    public void GetValues_OneWalk_SameValuesAsGetValueOneByOne(double[] quantiles)
    {
        var random = new Random(23);
        foreach (var spread in new[] { 1, 3, 12, 40 })
        {
            var hdr = new HdrHistogram(2, 3_600_000_000_000);
            for (var i = 0; i < 5_000; i++)
            {
                hdr.Record(random.NextInt64(1, 1L << spread));
                hdr.Record(random.NextInt64(1, 1L << (spread / 2 + 1)) + 0.25);
            }

            var snapshot = hdr.GetSnapshot();
            var values = new double[quantiles.Length];
            snapshot.GetValues(quantiles, values);

            Assert.That(values, Is.EqualTo(quantiles.Select(snapshot.GetValue)), $"values up to 2^{spread}");
        }
    }

    [Test]
    public void GetValues_EmptyAndReservoirSnapshots_SameValuesAsGetValue()
    {
        var quantiles = new[] { 0.5, 0.99 };
        var empty = new HdrHistogram(2, 1_000).GetSnapshot();
        var values = new[] { double.NaN, double.NaN };
        empty.GetValues(quantiles, values);
        Assert.That(values, Is.EqualTo(new[] { 0d, 0 }));

        var registry = new MetricsRegistry();
        var sliding = registry.Histogram("sliding", new HistogramOptions { Reservoir = ReservoirType.SlidingWindow });
        for (var v = 1; v <= 100; v++)
        {
            sliding.Update(v);
        }

        var snapshot = sliding.GetSnapshot();
        snapshot.GetValues(quantiles, values);
        Assert.That(values, Is.EqualTo(quantiles.Select(snapshot.GetValue)));
    }
}
