using Metrics.Testing;

namespace Metrics.Tests;

/// <summary><see cref="HistogramOptions.Resolution"/>: HDR histograms of fractional values.</summary>
public class HistogramResolutionTests : ManualClockFixture
{
    private static readonly double[] Quantiles = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

    // 0.001 to 0.1 in steps of 0.001: exact p50 0.05, p95 0.095, p99 0.099, sample standard deviation 0.0290115.
    private static double[] Thousandths => [.. Enumerable.Range(1, 100).Select(i => i / 1000.0)];

    private static Histogram Create(HistogramOptions options) => new(options, new ManualTimeProvider());

    private static Histogram Record(HistogramOptions options, IEnumerable<double> values)
    {
        var histogram = Create(options);
        foreach (var v in values)
        {
            histogram.Update(v);
        }

        return histogram;
    }

    [TestCase(1.0, 0)]
    [TestCase(0.75, 1)]
    [TestCase(0.5, 1)]
    [TestCase(0.01, 7)]
    [TestCase(0.001, 10)]
    [TestCase(1.0 / 1024, 10)]
    [TestCase(0.000976, 11)]
    [TestCase(1.0 / (1L << 40), 40)]
    public void UnitShift_IsTheResolutionRoundedDownToAPowerOfTwo(double resolution, int shift)
    {
        Assert.That(Histogram.UnitShift(resolution), Is.EqualTo(shift));
    }

    [Test]
    public void GetValue_Thousandths_WithinRelativeErrorOrHalfAUnitOfExactPercentiles()
    {
        var values = Thousandths;
        var snapshot = Record(new HistogramOptions { Resolution = 0.001 }, values).GetSnapshot();

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.GetValue(0.5), Is.EqualTo(0.05).Within(Tolerance(0.05, 2, 0.001)));
            Assert.That(snapshot.GetValue(0.95), Is.EqualTo(0.095).Within(Tolerance(0.095, 2, 0.001)));
            Assert.That(snapshot.GetValue(0.99), Is.EqualTo(0.099).Within(Tolerance(0.099, 2, 0.001)));
        });
        AssertQuantilesWithin(snapshot, values, 2, 0.001);
    }

    [Test]
    public void GetSnapshot_Thousandths_SumMinMaxMeanExactAndStdDevClose()
    {
        var values = Thousandths;
        var snapshot = Record(new HistogramOptions { Resolution = 0.001 }, values).GetSnapshot();

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Count, Is.EqualTo(100));
            Assert.That(snapshot.Sum, Is.EqualTo(SequentialSum(values)));
            Assert.That(snapshot.Mean, Is.EqualTo(SequentialSum(values) / 100));
            Assert.That(snapshot.Min, Is.EqualTo(0.001));
            Assert.That(snapshot.Max, Is.EqualTo(0.1));
            Assert.That(snapshot.StdDev, Is.EqualTo(ExactStdDev(values)).Within(Tolerance(ExactStdDev(values), 2, 0.001)));
            Assert.That(snapshot.Clamped, Is.Zero);
            Assert.That(snapshot.Rejected, Is.Zero);
        });
    }

    [Test]
    public void GetSnapshot_QuartersAndHalves_ExactMedianAndBucketsInUserUnits()
    {
        double[] values = [0.25, 0.5, 0.75, 1.25, 2.5];
        var snapshot = Record(new HistogramOptions { Resolution = 0.01 }, values).GetSnapshot();

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Median, Is.EqualTo(0.75));
            Assert.That(snapshot.Sum, Is.EqualTo(5.25));
            Assert.That(snapshot.Mean, Is.EqualTo(1.05));
            Assert.That((snapshot.Min, snapshot.Max), Is.EqualTo((0.25, 2.5)));
            Assert.That(snapshot.StdDev, Is.EqualTo(ExactStdDev(values)).Within(Tolerance(ExactStdDev(values), 2, 0.01)));
            Assert.That(snapshot.Buckets.Select(b => b.Count), Is.EqualTo(new[] { 1L, 1, 1, 1, 1 }));
            for (var i = 0; i < values.Length; i++)
            {
                Assert.That(snapshot.Buckets[i].Value, Is.EqualTo(values[i]).Within(Tolerance(values[i], 2, 0.01)), $"bucket {i}");
            }

            Assert.That(snapshot.Buckets.Take(4).Select(b => b.Value), Is.EqualTo(values.Take(4)), "whole units: exact bucket values");
        });
    }

    [TestCase(2)]
    [TestCase(3)]
    public void GetValue_LogNormalSeconds_WithinRelativeErrorOrHalfAUnitOfExactPercentiles(int digits)
    {
        // Latencies in seconds around 50 ms, from well under a millisecond to several seconds.
        var random = new Random(5);
        var values = Enumerable.Range(0, 50_000)
            .Select(_ => Math.Exp(Math.Log(0.05) + (1.5 * NextGaussian(random))))
            .ToArray();
        var snapshot = Record(new HistogramOptions { Resolution = 0.001, SignificantDigits = digits }, values).GetSnapshot();

        AssertQuantilesWithin(snapshot, values, digits, 0.001);
        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Sum, Is.EqualTo(SequentialSum(values)).Within(1e-12).Percent);
            Assert.That(snapshot.Min, Is.EqualTo(values.Min()));
            Assert.That(snapshot.Max, Is.EqualTo(values.Max()));
            Assert.That(snapshot.StdDev, Is.EqualTo(ExactStdDev(values)).Within(Math.Pow(10, -digits) * ExactStdDev(values)));
        });
    }

    [Test]
    public void GetValues_OneWalk_SameValuesAsGetValueInUserUnits()
    {
        var snapshot = Record(new HistogramOptions { Resolution = 0.001 }, Thousandths).GetSnapshot();
        var values = new double[Quantiles.Length];

        snapshot.GetValues(Quantiles, values);

        Assert.That(values, Is.EqualTo(Quantiles.Select(snapshot.GetValue)));
    }

    [Test]
    public void Update_Long_ScaledExactly()
    {
        var histogram = Create(new HistogramOptions { Resolution = 0.001 });
        foreach (var v in new long[] { 3, 1, 2, 1_000_000_000 })
        {
            histogram.Update(v);
        }

        var snapshot = histogram.GetSnapshot();

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Sum, Is.EqualTo(1_000_000_006));
            Assert.That((snapshot.Min, snapshot.Max), Is.EqualTo((1.0, 1e9)));
            Assert.That(snapshot.Buckets.Take(3).Select(b => b.Value), Is.EqualTo(new[] { 1.0, 2, 3 }).Within(1).Percent);
            Assert.That(snapshot.GetValue(0.5), Is.EqualTo(2).Within(1).Percent);
        });
    }

    [Test]
    public void Update_AboveHighestTrackableValue_ClampedInUserUnits()
    {
        var histogram = Create(new HistogramOptions { Resolution = 0.001, HighestTrackableValue = 10 });

        histogram.Update(5.0);
        histogram.Update(10L);
        histogram.Update(10.0);
        histogram.Update(10.25);
        histogram.Update(11L);
        histogram.Update(1e308);

        var snapshot = histogram.GetSnapshot();
        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Count, Is.EqualTo(6));
            Assert.That(snapshot.Clamped, Is.EqualTo(3));
            Assert.That(snapshot.Rejected, Is.Zero);
            Assert.That(snapshot.Sum, Is.EqualTo(55));
            Assert.That((snapshot.Min, snapshot.Max), Is.EqualTo((5.0, 10.0)));
            Assert.That(snapshot.GetValue(0.9), Is.EqualTo(10));
            Assert.That(snapshot.Buckets.Sum(b => b.Count), Is.EqualTo(6));
            Assert.That(snapshot.Buckets[^1].Value, Is.EqualTo(10).Within(1).Percent);
        });
    }

    [Test]
    public void Update_NegativeOrNotFinite_RejectedAtAFinerResolution()
    {
        var histogram = Create(new HistogramOptions { Resolution = 0.001 });

        histogram.Update(-1L);
        histogram.Update(-0.0005);
        histogram.Update(double.NaN);
        histogram.Update(double.PositiveInfinity);
        histogram.Update(double.NegativeInfinity);
        histogram.Update(0.002);

        var snapshot = histogram.GetSnapshot();
        Assert.That((snapshot.Count, snapshot.Rejected, snapshot.Clamped, snapshot.Sum), Is.EqualTo((1L, 5L, 0L, 0.002)));
        Assert.That(histogram.Count, Is.EqualTo(1));
    }

    [Test]
    public void Read_TwoReads_SecondWindowHoldsOnlyNewValuesInUserUnits()
    {
        var histogram = _registry.Histogram("latency", new HistogramOptions { Resolution = 0.001 });
        var reader = _registry.CreateReader();
        var values = Thousandths;
        foreach (var v in values)
        {
            histogram.Update(v);
        }

        var first = reader.Read().Single();
        histogram.Update(0.2);
        histogram.Update(0.3);
        histogram.Update(0.4);
        var second = reader.Read().Single();

        Assert.Multiple(() =>
        {
            var window = first.Window!;
            Assert.That((window.Count, window.Min, window.Max), Is.EqualTo((100L, 0.001, 0.1)));
            Assert.That(window.Sum, Is.EqualTo(SequentialSum(values)));
            Assert.That(window.GetValue(0.5), Is.EqualTo(0.05).Within(Tolerance(0.05, 2, 0.001)));
            Assert.That(window.GetValue(0.99), Is.EqualTo(0.099).Within(Tolerance(0.099, 2, 0.001)));
            Assert.That(window.StdDev, Is.EqualTo(ExactStdDev(values)).Within(Tolerance(ExactStdDev(values), 2, 0.001)));
            Assert.That(window.Buckets.Sum(b => b.Count), Is.EqualTo(100));
            Assert.That(window.Buckets.Select(b => b.Value), Is.EqualTo(values).Within(0.0005), "window buckets in seconds");

            window = second.Window!;
            Assert.That(window.Count, Is.EqualTo(3));
            Assert.That(window.Sum, Is.EqualTo(0.9).Within(1e-12));
            Assert.That(window.Min, Is.EqualTo(0.2).Within(Tolerance(0.2, 2, 0.001)));
            Assert.That(window.Max, Is.EqualTo(0.4).Within(Tolerance(0.4, 2, 0.001)));
            Assert.That(window.GetValue(0.5), Is.EqualTo(0.3).Within(Tolerance(0.3, 2, 0.001)));
            Assert.That(window.Buckets.Select(b => b.Value), Is.EqualTo(new[] { 0.2, 0.3, 0.4 }).Within(1).Percent);

            var lifetime = second.Histogram!;
            Assert.That((second.Count, second.Delta), Is.EqualTo((103L, 3L)));
            Assert.That((lifetime.Count, lifetime.Min, lifetime.Max), Is.EqualTo((103L, 0.001, 0.4)));
            Assert.That(lifetime.GetValue(0.5), Is.EqualTo(0.052).Within(Tolerance(0.052, 2, 0.001)));
            Assert.That(lifetime.GetValue(1), Is.EqualTo(0.4));
        });
    }

    [Test]
    public void Read_NothingNew_SameLifetimeSnapshotAndAnEmptyWindow()
    {
        var histogram = _registry.Histogram("latency", new HistogramOptions { Resolution = 0.001 });
        var reader = _registry.CreateReader();
        histogram.Update(0.0125);
        var first = reader.Read().Single();

        var second = reader.Read().Single();

        Assert.That(second.Histogram, Is.SameAs(first.Histogram));
        Assert.That((second.Window!.Count, second.Delta, second.Histogram!.Max), Is.EqualTo((0L, 0L, 0.0125)));
    }

    [Test]
    public void ReadReusing_TwoReads_SecondWindowHoldsOnlyNewValuesInUserUnits()
    {
        var histogram = _registry.Histogram("latency", new HistogramOptions { Resolution = 0.001 });
        var reader = _registry.CreateReader();
        histogram.Update(0.01);
        histogram.Update(0.02);
        var first = reader.ReadReusing().Single();
        (long, double, double) firstWindow = (first.Window!.Count, first.Window.Min, first.Window.Max);
        histogram.Update(0.03);

        var second = reader.ReadReusing().Single();

        Assert.Multiple(() =>
        {
            Assert.That(firstWindow, Is.EqualTo((2L, 0.01, 0.02)));
            Assert.That(second.Window!.Count, Is.EqualTo(1));
            Assert.That(second.Window.Sum, Is.EqualTo(0.03).Within(1e-15));
            Assert.That(second.Window.Buckets.Single().Value, Is.EqualTo(0.03).Within(0.0005));
            Assert.That((second.Histogram!.Count, second.Histogram.Max), Is.EqualTo((3L, 0.03)));
            Assert.That(second.Histogram.Sum, Is.EqualTo(0.06).Within(1e-15));
        });
    }

    [TestCase(0.0)]
    [TestCase(-0.001)]
    [TestCase(1.5)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    [TestCase(1e-13)]
    public void Constructor_ResolutionOutOfRange_ThrowsSayingTheRange(double resolution)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Create(new HistogramOptions { Resolution = resolution }));
        Assert.That(ex!.Message, Does.Contain("Resolution must be from 2^-40 (about 9.1E-13) to 1"));
    }

    [Test]
    public void Constructor_ScaledHighestBeyondALong_ThrowsSayingTheLargestAllowed()
    {
        // 1e-7 rounds down to 2^-24; one hour in nanoseconds (the default) is about 2^41.7, so in units of 2^-24 it
        // exceeds 2^63.
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Create(new HistogramOptions { Resolution = 1e-7 }));
        Assert.That(ex!.Message, Does.Contain($"HighestTrackableValue must be at most {long.MaxValue >> 24}"));
    }

    [Test]
    public void Constructor_FinestResolutionWithASmallEnoughHighest_Works()
    {
        var histogram = Create(new HistogramOptions { Resolution = Math.ScaleB(1, -40), HighestTrackableValue = (1L << 23) - 1 });
        histogram.Update(1e-12);
        histogram.Update(3e-12);
        histogram.Update((double)(1L << 22));

        var snapshot = histogram.GetSnapshot();
        Assert.Multiple(() =>
        {
            Assert.That((snapshot.Min, snapshot.Max, snapshot.Clamped), Is.EqualTo((1e-12, 4194304.0, 0L)));
            Assert.That(snapshot.GetValue(0.5), Is.EqualTo(3e-12).Within(Tolerance(3e-12, 2, Math.ScaleB(1, -40))));
        });
    }

    [Test]
    public void MetricsRegistry_DefaultHistogramWithResolutionOutOfRange_Throws()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(
            () => _ = new MetricsRegistry(new MetricsOptions { DefaultHistogram = new HistogramOptions { Resolution = 0 } }));
        Assert.That(ex!.Message, Does.Contain("Resolution must be from"));
    }

    [Test]
    public void Timer_IgnoresResolution_RecordsWholeNanoseconds()
    {
        var timer = _registry.Timer("db", new HistogramOptions { Resolution = 0.001 });
        timer.Update(TimeSpan.FromMilliseconds(2));
        timer.UpdateNanoseconds(150);

        var snapshot = timer.GetSnapshot();

        Assert.Multiple(() =>
        {
            Assert.That(timer.Histogram.Hdr!.Layout.UnitShift, Is.Zero);
            Assert.That((snapshot.Count, snapshot.Min, snapshot.Max, snapshot.Sum), Is.EqualTo((2L, 150.0, 2_000_000.0, 2_000_150.0)));
            Assert.That(snapshot.Buckets[0].Value, Is.EqualTo(150));
        });
    }

    [Test]
    public void Timer_ResolutionOutOfRange_Ignored()
    {
        var timer = _registry.Timer("db", new HistogramOptions { Resolution = 0 });
        timer.UpdateNanoseconds(1_000);

        Assert.That(timer.GetSnapshot().Max, Is.EqualTo(1_000));
    }

    [Test]
    public void ResolutionOne_SameAsTheDefault()
    {
        double[] values = [0.25, 0.5, 0.75, 1.25, 2.5, 7, 300.4, 12_345.5];
        var byDefault = Record(new HistogramOptions(), values).GetSnapshot();
        var one = Record(new HistogramOptions { Resolution = 1 }, values).GetSnapshot();

        Assert.Multiple(() =>
        {
            Assert.That(new HistogramOptions().Resolution, Is.EqualTo(1));
            Assert.That(Create(new HistogramOptions { Resolution = 1 }).Hdr!.Layout.UnitShift, Is.Zero);
            Assert.That(
                (one.Count, one.Sum, one.Min, one.Max, one.Mean, one.StdDev),
                Is.EqualTo((byDefault.Count, byDefault.Sum, byDefault.Min, byDefault.Max, byDefault.Mean, byDefault.StdDev)));
            Assert.That(Quantiles.Select(one.GetValue), Is.EqualTo(Quantiles.Select(byDefault.GetValue)));
            Assert.That(one.Buckets, Is.EqualTo(byDefault.Buckets));
        });
    }

    [Test]
    public void Update_FromManyThreads_EveryValueCountedInUserUnits()
    {
        var histogram = Create(new HistogramOptions { Resolution = 0.001 });

        Hammer.Run(4, _ =>
        {
            for (var i = 1; i <= 1_000; i++)
            {
                histogram.Update(i / 1000.0);
            }
        });

        var snapshot = histogram.GetSnapshot();
        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Count, Is.EqualTo(4_000));
            Assert.That(snapshot.Sum, Is.EqualTo(2_002).Within(1e-9));
            Assert.That((snapshot.Min, snapshot.Max), Is.EqualTo((0.001, 1.0)));
            Assert.That(snapshot.GetValue(0.5), Is.EqualTo(0.5).Within(Tolerance(0.5, 2, 0.001)));
        });
    }

    // What HistogramOptions.Resolution documents: the relative error of the significant digits or half a unit (the
    // resolution rounded down to a power of two), whichever is larger.
    private static double Tolerance(double exact, int digits, double resolution) =>
        Math.Max(exact * Math.Pow(10, -digits), Math.ScaleB(1, -Histogram.UnitShift(resolution)) / 2);

    private static void AssertQuantilesWithin(HistogramSnapshot snapshot, double[] values, int digits, double resolution)
    {
        var sorted = values.Order().ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Count, Is.EqualTo(values.Length));
            foreach (var q in Quantiles)
            {
                var rank = Math.Max(1, (long)Math.Ceiling((decimal)q * sorted.Length));
                var exact = sorted[rank - 1];
                Assert.That(snapshot.GetValue(q), Is.EqualTo(exact).Within(Tolerance(exact, digits, resolution)), $"q = {q}");
            }
        });
    }

    private static double SequentialSum(double[] values)
    {
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += v;
        }

        return sum;
    }

    private static double ExactStdDev(double[] values)
    {
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
    }

    private static double NextGaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
