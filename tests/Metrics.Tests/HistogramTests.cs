using Metrics.Testing;

namespace Metrics.Tests;

public class HistogramTests
{
    private static Histogram Create(HistogramOptions? options = null) =>
        new(options ?? new HistogramOptions(), new ManualTimeProvider());

    [TestCase(0)]
    [TestCase(6)]
    public void Constructor_SignificantDigitsOutOfRange_ThrowsNamingTheOption(int digits)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Create(new HistogramOptions { SignificantDigits = digits }));
        Assert.That(ex!.Message, Does.Contain("SignificantDigits must be from 1 to 5"));
    }

    [TestCase(1L)]
    [TestCase(-5L)]
    public void Constructor_HighestTrackableValueBelowTwo_ThrowsNamingTheOption(long highest)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Create(new HistogramOptions { HighestTrackableValue = highest }));
        Assert.That(ex!.Message, Does.Contain("HighestTrackableValue must be at least 2"));
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void Constructor_SampleSizeNotPositive_ThrowsNamingTheOption(int size)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(
            () => Create(new HistogramOptions { Reservoir = ReservoirType.SlidingWindow, SampleSize = size }));
        Assert.That(ex!.Message, Does.Contain("SampleSize must be greater than 0"));
    }

    [TestCase(0.0)]
    [TestCase(-0.015)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void Constructor_AlphaNotPositiveFinite_ThrowsNamingTheOption(double alpha)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(
            () => Create(new HistogramOptions { Reservoir = ReservoirType.ExponentiallyDecaying, Alpha = alpha }));
        Assert.That(ex!.Message, Does.Contain("Alpha must be a finite number greater than 0"));
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void Constructor_WindowNotPositive_ThrowsNamingTheOption(int seconds)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(
            () => Create(new HistogramOptions { Reservoir = ReservoirType.SlidingTimeWindow, Window = TimeSpan.FromSeconds(seconds) }));
        Assert.That(ex!.Message, Does.Contain("Window must be longer than zero"));
    }

    [Test]
    public void Constructor_UnknownReservoir_ThrowsListingKnownOnes()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Create(new HistogramOptions { Reservoir = (ReservoirType)42 }));
        Assert.That(ex!.Message, Does.Contain("ExponentiallyDecaying"));
    }

    [Test]
    public void Constructor_NullOptions_ThrowsArgumentNull()
    {
        Assert.Throws<ArgumentNullException>(() => _ = new Histogram(null!, TimeProvider.System));
    }

    [TestCase(ReservoirType.Hdr)]
    [TestCase(ReservoirType.ExponentiallyDecaying)]
    [TestCase(ReservoirType.SlidingTimeWindow)]
    [TestCase(ReservoirType.SlidingWindow)]
    [TestCase(ReservoirType.Uniform)]
    public void Update_NegativeOrNotFinite_IgnoredAndCountedAsRejected(ReservoirType reservoir)
    {
        var histogram = Create(new HistogramOptions { Reservoir = reservoir });

        histogram.Update(-1L);
        histogram.Update(-0.5);
        histogram.Update(double.NaN);
        histogram.Update(double.PositiveInfinity);
        histogram.Update(10L);

        var snapshot = histogram.GetSnapshot();
        Assert.Multiple(() =>
        {
            Assert.That(histogram.Count, Is.EqualTo(1));
            Assert.That(snapshot.Count, Is.EqualTo(1));
            Assert.That(snapshot.Rejected, Is.EqualTo(4));
            Assert.That(snapshot.Min, Is.EqualTo(10));
            Assert.That(snapshot.Max, Is.EqualTo(10));
        });
    }

    [Test]
    public void Update_AboveHighestTrackable_RecordedAsHighestAndCountedAsClamped()
    {
        var histogram = Create(new HistogramOptions { HighestTrackableValue = 1000 });

        histogram.Update(5_000L);
        histogram.Update(1e9);
        histogram.Update(10L);

        var snapshot = histogram.GetSnapshot();
        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Count, Is.EqualTo(3));
            Assert.That(snapshot.Clamped, Is.EqualTo(2));
            Assert.That(snapshot.Max, Is.EqualTo(1000));
            Assert.That(snapshot.Sum, Is.EqualTo(2010));
            Assert.That(snapshot.GetValue(0.99), Is.EqualTo(1000).Within(1000 * 0.01));
        });
    }

    [Test]
    public void Update_Doubles_SumMinMaxMeanExactWhileBucketsRound()
    {
        var histogram = Create();

        histogram.Update(1.25);
        histogram.Update(2.5);
        histogram.Update(7L);

        var snapshot = histogram.GetSnapshot();
        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Sum, Is.EqualTo(10.75));
            Assert.That(snapshot.Min, Is.EqualTo(1.25));
            Assert.That(snapshot.Max, Is.EqualTo(7));
            Assert.That(snapshot.Mean, Is.EqualTo(10.75 / 3));
            Assert.That(snapshot.Buckets.Select(b => b.Value), Is.EqualTo(new[] { 1.0, 2.0, 7.0 }));
        });
    }

    [Test]
    public void Update_ManyThreadsOnOneHistogram_CountSumMinMaxExact()
    {
        var histogram = Create();
        const int threads = 4;
        const int perThread = 250_000;
        Hammer.Run(threads, t =>
        {
            for (var i = 0; i < perThread; i++)
            {
                histogram.Update((long)(((i % 10_000) + 1) * (t + 1)));
            }
        });

        // Per thread: (1 + ... + 10000) * 25 repetitions * (t + 1).
        var expectedSum = 50_005_000L * 25 * (1 + 2 + 3 + 4);
        var snapshot = histogram.GetSnapshot();
        Assert.Multiple(() =>
        {
            Assert.That(histogram.Count, Is.EqualTo(threads * perThread));
            Assert.That(snapshot.Count, Is.EqualTo(threads * perThread));
            Assert.That(snapshot.Buckets.Sum(b => b.Count), Is.EqualTo(threads * perThread));
            Assert.That(snapshot.Sum, Is.EqualTo((double)expectedSum));
            Assert.That(snapshot.Min, Is.EqualTo(1));
            Assert.That(snapshot.Max, Is.EqualTo(40_000));
        });
    }

    [Test]
    public void Update_ManyThreadsWhileTwoReadersTakeWindows_EachReadersWindowsAddUpToEverything()
    {
        var histogram = Create();
        const int threads = 2;
        const int perThread = 200_000;
        var writersLeft = threads;
        var totals = new (long Count, double Sum)[2];
        Hammer.Run(threads + 2, i =>
        {
            if (i < threads)
            {
                for (var n = 0; n < perThread; n++)
                {
                    histogram.Update((long)(n % 5000));
                    histogram.Update(0.5);
                }

                Interlocked.Decrement(ref writersLeft);
                return;
            }

            var r = i - threads;
            HistogramCursor? cursor = null;
            bool writing;
            do
            {
                writing = Volatile.Read(ref writersLeft) > 0;
                var window = histogram.GetWindow(ref cursor);
                totals[r].Count += window.Count;
                totals[r].Sum += window.Sum;
            }
            while (writing);
        });

        // Each writer: 0 + ... + 4999 forty times, plus 0.5 per iteration.
        var expectedSum = ((12_497_500.0 * 40) + (0.5 * perThread)) * threads;
        Assert.Multiple(() =>
        {
            foreach (var (count, sum) in totals)
            {
                Assert.That(count, Is.EqualTo(2 * threads * perThread));
                Assert.That(sum, Is.EqualTo(expectedSum));
            }

            Assert.That(histogram.GetSnapshot().Sum, Is.EqualTo(expectedSum));
        });
    }

    [Test]
    public void Update_ManyThreadsWhileTwoReadersTakeSlidingTimeWindows_EachReadersWindowsAddUpToEverything()
    {
        // The clock stands still, so the reservoir keeps every value and each must be in exactly one window per reader.
        var histogram = Create(new HistogramOptions { Reservoir = ReservoirType.SlidingTimeWindow });
        const int threads = 2;
        const int perThread = 50_000;
        var writersLeft = threads;
        var totals = new (long Count, double Sum)[2];
        Hammer.Run(threads + 2, i =>
        {
            if (i < threads)
            {
                for (var n = 0; n < perThread; n++)
                {
                    histogram.Update((long)(n % 100));
                }

                Interlocked.Decrement(ref writersLeft);
                return;
            }

            var r = i - threads;
            HistogramCursor? cursor = null;
            bool writing;
            do
            {
                writing = Volatile.Read(ref writersLeft) > 0;
                var window = histogram.GetWindow(ref cursor);
                totals[r].Count += window.Count;
                totals[r].Sum += window.Sum;
            }
            while (writing);
        });

        Assert.Multiple(() =>
        {
            foreach (var (count, sum) in totals)
            {
                Assert.That(count, Is.EqualTo(threads * perThread));
                Assert.That(sum, Is.EqualTo(4950.0 * (perThread / 100) * threads));
            }
        });
    }

    [Test]
    public void Update_HdrAfterWarmUp_AllocatesNothing()
    {
        var histogram = Create();
        for (var v = 1L; v <= 3_600_000_000_000; v *= 2)
        {
            histogram.Update(v);
        }

        histogram.Update(1.5);
        RecordMany(histogram);

        var before = GC.GetAllocatedBytesForCurrentThread();
        RecordMany(histogram);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.Zero);

        static void RecordMany(Histogram h)
        {
            for (var i = 0; i < 100_000; i++)
            {
                h.Update(i * 7_919L);
                h.Update(i * 1.5);
            }
        }
    }

    [Test]
    public void Memory_DefaultHdrWithEveryMagnitudeReached_AtMost40KB()
    {
        var time = new ManualTimeProvider();
        var options = new HistogramOptions();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var histogram = new Histogram(options, time);
        for (var v = 1L; v <= options.HighestTrackableValue; v = (v * 2) + 1)
        {
            histogram.Update(v);
        }

        histogram.Update(long.MaxValue);
        var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        TestContext.Out.WriteLine($"HDR histogram at defaults, every block allocated: {bytes} bytes");

        Assert.Multiple(() =>
        {
            Assert.That(histogram.Hdr!.AllocatedBlocks, Is.EqualTo(histogram.Hdr.Layout.BlockCount));
            Assert.That(bytes, Is.LessThanOrEqualTo(40 * 1024));
        });
    }

    [Test]
    public void Memory_DefaultHdrWithOneValue_AllocatesOneBlock()
    {
        var histogram = Create();

        histogram.Update(1_000_000L);

        Assert.That(histogram.Hdr!.AllocatedBlocks, Is.EqualTo(1));
    }

    [Test]
    public void GetSnapshot_Empty_AllZero()
    {
        var snapshot = Create().GetSnapshot();

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Count, Is.Zero);
            Assert.That(snapshot.Min, Is.Zero);
            Assert.That(snapshot.Max, Is.Zero);
            Assert.That(snapshot.Mean, Is.Zero);
            Assert.That(snapshot.StdDev, Is.Zero);
            Assert.That(snapshot.GetValue(0.99), Is.Zero);
            Assert.That(snapshot.Buckets, Is.Empty);
        });
    }

    [Test]
    public void GetWindow_FirstCall_ReturnsEverythingThenOnlyWhatIsNew()
    {
        var histogram = Create();
        histogram.Update(10L);
        histogram.Update(20L);
        HistogramCursor? cursor = null;

        var first = histogram.GetWindow(ref cursor);
        var empty = histogram.GetWindow(ref cursor);
        histogram.Update(300L);
        histogram.Update(500L);
        var second = histogram.GetWindow(ref cursor);

        Assert.Multiple(() =>
        {
            Assert.That(first.Count, Is.EqualTo(2));
            Assert.That(first.Sum, Is.EqualTo(30));
            Assert.That(first.Min, Is.EqualTo(10));
            Assert.That(first.Max, Is.EqualTo(20));
            Assert.That(empty.Count, Is.Zero);
            Assert.That(empty.GetValue(0.5), Is.Zero);
            Assert.That(second.Count, Is.EqualTo(2));
            Assert.That(second.Sum, Is.EqualTo(800));
            Assert.That(second.Mean, Is.EqualTo(400));
            Assert.That(second.Min, Is.EqualTo(300).Within(300 * 0.01));
            Assert.That(second.Max, Is.EqualTo(500));
            Assert.That(histogram.GetSnapshot().Count, Is.EqualTo(4));
        });
    }

    [Test]
    public void GetWindow_TwoCursors_EachSeesEverythingSinceItsOwnPreviousRead()
    {
        var histogram = Create();
        HistogramCursor? a = null;
        HistogramCursor? b = null;
        histogram.Update(1L);

        var a1 = histogram.GetWindow(ref a);
        histogram.Update(2L);
        var a2 = histogram.GetWindow(ref a);
        histogram.Update(3L);
        var b1 = histogram.GetWindow(ref b);
        var a3 = histogram.GetWindow(ref a);

        Assert.Multiple(() =>
        {
            Assert.That(a1.Sum, Is.EqualTo(1));
            Assert.That(a2.Sum, Is.EqualTo(2));
            Assert.That(b1.Sum, Is.EqualTo(6));
            Assert.That(b1.Count, Is.EqualTo(3));
            Assert.That(a3.Sum, Is.EqualTo(3));
            Assert.That(histogram.GetSnapshot().Sum, Is.EqualTo(6));
        });
    }

    [Test]
    public void GetWindow_ClampedAndRejected_CountedPerWindow()
    {
        var histogram = Create(new HistogramOptions { HighestTrackableValue = 100 });
        HistogramCursor? cursor = null;
        histogram.Update(1_000L);
        histogram.Update(-1L);
        var first = histogram.GetWindow(ref cursor);
        histogram.Update(-2L);
        var second = histogram.GetWindow(ref cursor);

        Assert.Multiple(() =>
        {
            Assert.That(first.Clamped, Is.EqualTo(1));
            Assert.That(first.Rejected, Is.EqualTo(1));
            Assert.That(second.Clamped, Is.Zero);
            Assert.That(second.Rejected, Is.EqualTo(1));
        });
    }

    [Test]
    public void GetWindow_LaterWindowOfWideBuckets_MinMaxWithinRelativeErrorAndOrdered()
    {
        var histogram = Create();
        HistogramCursor? cursor = null;
        histogram.Update(1L);
        histogram.Update(10_000_000L);
        histogram.GetWindow(ref cursor);
        histogram.Update(123_456L);
        histogram.Update(7_654_321L);

        var window = histogram.GetWindow(ref cursor);

        Assert.Multiple(() =>
        {
            Assert.That(window.Min, Is.EqualTo(123_456).Within(123_456 * 0.01));
            Assert.That(window.Max, Is.EqualTo(7_654_321).Within(7_654_321 * 0.01));
            Assert.That(window.GetValue(0), Is.EqualTo(window.Min));
            Assert.That(window.GetValue(1), Is.EqualTo(window.Max));
        });
    }

    [TestCase(ReservoirType.SlidingWindow)]
    [TestCase(ReservoirType.SlidingTimeWindow)]
    [TestCase(ReservoirType.Uniform)]
    [TestCase(ReservoirType.ExponentiallyDecaying)]
    public void GetWindow_SampleReservoir_HoldsOnlyValuesRecordedSinceThePreviousWindow(ReservoirType reservoir)
    {
        var histogram = Create(new HistogramOptions { Reservoir = reservoir, SampleSize = 10 });
        histogram.Update(4L);
        histogram.Update(6L);
        HistogramCursor? cursor = null;

        var first = histogram.GetWindow(ref cursor);
        var idle = histogram.GetWindow(ref cursor);
        histogram.Update(10L);
        var next = histogram.GetWindow(ref cursor);

        Assert.Multiple(() =>
        {
            Assert.That(first.Buckets.Select(b => b.Value), Is.EqualTo(new[] { 4.0, 6.0 }));
            Assert.That(idle.Count, Is.Zero, "a window with no new value must not hand out the sample again");
            Assert.That(idle.Buckets, Is.Empty);
            Assert.That(next.Buckets.Select(b => b.Value), Is.EqualTo(new[] { 10.0 }));
            Assert.That(next.Sum, Is.EqualTo(10));
            Assert.That(histogram.GetSnapshot().Count, Is.EqualTo(3), "the lifetime snapshot still holds the whole sample");
        });
    }

    [Test]
    public void GetWindow_SlidingWindowPastItsSize_HoldsTheLastValuesOfTheInterval()
    {
        var histogram = Create(new HistogramOptions { Reservoir = ReservoirType.SlidingWindow, SampleSize = 4 });
        HistogramCursor? cursor = null;
        histogram.Update(1L);
        histogram.Update(2L);
        histogram.GetWindow(ref cursor);
        for (var i = 3; i <= 10; i++)
        {
            histogram.Update((long)i);
        }

        Assert.That(histogram.GetWindow(ref cursor).Buckets.Select(b => b.Value), Is.EqualTo(new[] { 7.0, 8.0, 9.0, 10.0 }));
    }

    [Test]
    public void GetWindow_SlidingTimeWindow_HoldsNewValuesStillInTheWindow()
    {
        var time = new ManualTimeProvider();
        var histogram = new Histogram(new HistogramOptions { Reservoir = ReservoirType.SlidingTimeWindow, Window = TimeSpan.FromMinutes(1) }, time);
        HistogramCursor? cursor = null;
        histogram.Update(1L);
        histogram.GetWindow(ref cursor);
        histogram.Update(2L);
        time.Advance(TimeSpan.FromMinutes(2));
        histogram.Update(3L);
        histogram.Update(4L);

        Assert.That(histogram.GetWindow(ref cursor).Buckets.Select(b => b.Value), Is.EqualTo(new[] { 3.0, 4.0 }));
    }

    [TestCase(ReservoirType.Uniform)]
    [TestCase(ReservoirType.ExponentiallyDecaying)]
    public void GetWindow_RandomReservoirPastItsSize_HoldsOnlyNewValuesItSampled(ReservoirType reservoir)
    {
        var histogram = Create(new HistogramOptions { Reservoir = reservoir, SampleSize = 8 });
        HistogramCursor? cursor = null;
        for (var i = 1; i <= 100; i++)
        {
            histogram.Update((long)i);
        }

        var first = histogram.GetWindow(ref cursor);
        for (var i = 101; i <= 200; i++)
        {
            histogram.Update((long)i);
        }

        var second = histogram.GetWindow(ref cursor);
        var idle = histogram.GetWindow(ref cursor);

        Assert.Multiple(() =>
        {
            Assert.That(first.Count, Is.EqualTo(8));
            Assert.That(second.Count, Is.InRange(1, 8));
            Assert.That(second.Buckets.Select(b => b.Value), Has.All.GreaterThan(100));
            Assert.That(idle.Count, Is.Zero);
        });
    }

    [Test]
    public void GetWindow_SampleReservoir_RejectedCountedPerWindow()
    {
        var histogram = Create(new HistogramOptions { Reservoir = ReservoirType.SlidingWindow });
        HistogramCursor? cursor = null;
        histogram.Update(-1L);
        histogram.Update(double.NaN);
        var first = histogram.GetWindow(ref cursor);
        histogram.Update(-5L);
        var second = histogram.GetWindow(ref cursor);
        var third = histogram.GetWindow(ref cursor);

        Assert.Multiple(() =>
        {
            Assert.That(first.Rejected, Is.EqualTo(2));
            Assert.That(second.Rejected, Is.EqualTo(1));
            Assert.That(third.Rejected, Is.Zero);
            Assert.That(histogram.GetSnapshot().Rejected, Is.EqualTo(3));
        });
    }

    [Test]
    public void Read_IdleSlidingWindowTimer_WindowEmptyWhileTheSnapshotKeepsTheSample()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        var timer = registry.Timer("db.query", new HistogramOptions { Reservoir = ReservoirType.SlidingWindow });
        var reader = registry.CreateReader();
        timer.UpdateNanoseconds(100);
        timer.UpdateNanoseconds(300);
        var first = reader.Read().Single();
        var second = reader.Read().Single();

        Assert.Multiple(() =>
        {
            Assert.That(first.Window!.Count, Is.EqualTo(2));
            Assert.That(second.Window!.Count, Is.Zero, "an idle timer's values must not be handed out as new again");
            Assert.That(second.Histogram!.Count, Is.EqualTo(2));
            Assert.That(second.Histogram.Mean, Is.EqualTo(200));
        });
    }

    [TestCase(ReservoirType.SlidingWindow)]
    [TestCase(ReservoirType.Uniform)]
    [TestCase(ReservoirType.ExponentiallyDecaying)]
    public void GetSnapshot_SampleReservoirPastItsSize_SumIsOfEveryValueRecorded(ReservoirType reservoir)
    {
        var histogram = Create(new HistogramOptions { Reservoir = reservoir, SampleSize = 4 });
        for (var i = 1; i <= 10; i++)
        {
            histogram.Update((long)i);
        }

        histogram.Update(-1L);
        var snapshot = histogram.GetSnapshot();

        Assert.Multiple(() =>
        {
            Assert.That(histogram.Count, Is.EqualTo(10));
            Assert.That(snapshot.Count, Is.EqualTo(4), "the sample");
            Assert.That(snapshot.Sum, Is.EqualTo(55), "pyformance's sum: every value recorded, as Count counts them");
            Assert.That(snapshot.Rejected, Is.EqualTo(1));
        });
    }

    [TestCase(ReservoirType.SlidingWindow)]
    [TestCase(ReservoirType.ExponentiallyDecaying)]
    public void Update_ManyThreadsOnASampleReservoir_CountAndSumExact(ReservoirType reservoir)
    {
        var histogram = Create(new HistogramOptions { Reservoir = reservoir });
        const int threads = 4;
        const int perThread = 50_000;
        Hammer.Run(threads, t =>
        {
            for (var i = 0; i < perThread; i++)
            {
                histogram.Update((long)((i % 100) + 1));
            }
        });

        var snapshot = histogram.GetSnapshot();
        Assert.Multiple(() =>
        {
            Assert.That(histogram.Count, Is.EqualTo(threads * perThread));
            Assert.That(snapshot.Sum, Is.EqualTo(5050.0 * (perThread / 100) * threads));
            Assert.That(snapshot.Count, Is.EqualTo(1028));
        });
    }

    [Test]
    public void GetSnapshot_SlidingTimeWindowAfterItsValuesLeft_SumStillHoldsThem()
    {
        var time = new ManualTimeProvider();
        var histogram = new Histogram(new HistogramOptions { Reservoir = ReservoirType.SlidingTimeWindow, Window = TimeSpan.FromMinutes(1) }, time);
        histogram.Update(2.5);
        histogram.Update(4.0);
        time.Advance(TimeSpan.FromMinutes(2));
        histogram.Update(1.0);

        var snapshot = histogram.GetSnapshot();

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Count, Is.EqualTo(1));
            Assert.That(snapshot.Max, Is.EqualTo(1.0));
            Assert.That(snapshot.Sum, Is.EqualTo(7.5));
        });
    }

    [Test]
    public void Read_TimerWithSlidingWindow_SumAgreesWithTheLifetimeCount()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        var timer = registry.Timer("db.query", new HistogramOptions { Reservoir = ReservoirType.SlidingWindow, SampleSize = 2 });
        var reader = registry.CreateReader();
        timer.UpdateNanoseconds(100);
        timer.UpdateNanoseconds(200);
        timer.UpdateNanoseconds(300);
        var first = reader.Read().Single();
        timer.UpdateNanoseconds(1000);
        var second = reader.Read().Single();

        Assert.Multiple(() =>
        {
            Assert.That(first.Count, Is.EqualTo(3));
            Assert.That(first.Histogram!.Sum, Is.EqualTo(600));
            Assert.That(second.Count, Is.EqualTo(4));
            Assert.That(second.Histogram!.Sum, Is.EqualTo(1600), "a total that only grows, as a summary's _sum must");
        });
    }

    [Test]
    public void GetWindow_CursorOfAnotherHistogram_ThrowsArgumentException()
    {
        HistogramCursor? cursor = null;
        Create().GetWindow(ref cursor);

        var ex = Assert.Throws<ArgumentException>(() => Create().GetWindow(ref cursor));
        Assert.That(ex!.Message, Does.Contain("another histogram"));
    }
}
