namespace Metrics.Reporters.Tests.LocalStore;

public class RollupTests : LocalStoreFixture
{
    private static readonly Tags Eu = new(("region", "eu"));

    // minute 0: 1, 3 | minute 1: 5, 7, 9 | minute 2: none | minute 3: 2
    private Reporters.LocalStore Seeded()
    {
        var store = Open();
        store.Write("orders", Eu, [
            (T0, 1), (T0.AddSeconds(30), 3),
            (T0.AddSeconds(60), 5), (T0.AddSeconds(90), 7), (T0.AddSeconds(100), 9),
            (T0.AddSeconds(200), 2),
        ]);
        return store;
    }

    [TestCase("sum", new[] { 4.0, 21, 2 })]
    [TestCase("max", new[] { 3.0, 9, 2 })]
    [TestCase("min", new[] { 1.0, 5, 2 })]
    [TestCase("avg", new[] { 2.0, 7, 2 })]
    [TestCase("mean", new[] { 2.0, 7, 2 })]
    [TestCase("count", new[] { 2.0, 3, 1 })]
    [TestCase("last", new[] { 3.0, 9, 2 })]
    [TestCase("LAST", new[] { 3.0, 9, 2 })]
    public void Read_OneMinuteRollup_AppliesFunctionPerBucket(string function, double[] expected)
    {
        var set = Seeded().Read(T0, T0.AddHours(1), "orders", interval: "1min", function: function).Single();

        Assert.That(set.Points.Select(p => p.Value), Is.EqualTo(expected));
        Assert.That(set.Points.Select(p => p.Timestamp), Is.EqualTo(new[] { T0, T0.AddMinutes(1), T0.AddMinutes(3) }));
        Assert.That(set.Interval, Is.EqualTo("1min"));
    }

    [Test]
    public void Read_StdDevRollup_IsSampleStandardDeviationPerBucket()
    {
        var set = Seeded().Read(T0, T0.AddHours(1), interval: "1min", function: "stddev").Single();

        Assert.That(set.Points.Select(p => p.Value), Is.EqualTo(new[] { Math.Sqrt(2), 2.0, 0.0 }).Within(1e-12));
    }

    [Test]
    public void Read_MeanOfValuesWhoseSumOverflows_IsTheirMeanNotInfinity()
    {
        var store = Open();
        store.Write("big", Tags.Empty, [(T0, double.MaxValue), (T0.AddSeconds(1), double.MaxValue), (T0.AddSeconds(2), double.MaxValue / 2)]);

        var set = store.Read(T0, T0.AddHours(1), "big", interval: "1min", function: "mean").Single();

        var expected = (double.MaxValue / 3 * 2) + (double.MaxValue / 6);
        Assert.That(set.Points.Single().Value, Is.EqualTo(expected).Within(1e-12).Percent);
        Assert.That(set.Summary.Mean, Is.EqualTo(expected).Within(1e-12).Percent);
        Assert.That(double.IsFinite(set.Points.Single().Value), Is.True);
    }

    [Test]
    public void Read_StdDevOfValuesNearMaxValue_IsFiniteAndExactToScale()
    {
        var store = Open();
        store.Write("big", Tags.Empty, [(T0, double.MaxValue), (T0.AddSeconds(1), double.MaxValue / 2), (T0.AddSeconds(2), -double.MaxValue / 2)]);

        var set = store.Read(T0, T0.AddHours(1), "big", interval: "1min", function: "stddev").Single();

        // The values are MaxValue * (1, 0.5, -0.5): mean MaxValue / 3, sample variance (7/12) * MaxValue^2.
        var expected = Math.Sqrt(7.0 / 12) * double.MaxValue;
        Assert.That(set.Points.Single().Value, Is.EqualTo(expected).Within(1e-12).Percent);
        Assert.That(set.Summary.StdDev, Is.EqualTo(expected).Within(1e-12).Percent);
        Assert.That(set.Summary.Mean, Is.EqualTo(double.MaxValue / 3).Within(1e-12).Percent);
    }

    [Test]
    public void Read_StdDevOfNegativeValuesNearMaxValue_IsFinite()
    {
        var store = Open();
        store.Write("big", Tags.Empty, [(T0, -double.MaxValue), (T0.AddSeconds(1), -double.MaxValue / 4)]);

        var set = store.Read(T0, T0.AddHours(1), "big", interval: "1min", function: "stddev").Single();

        // Two values 0.75 * MaxValue apart: sample standard deviation 0.75 * MaxValue / sqrt(2).
        Assert.That(set.Points.Single().Value, Is.EqualTo(0.75 * double.MaxValue / Math.Sqrt(2)).Within(1e-12).Percent);
    }

    [Test]
    public void Read_StdDevOfSmallValuesAfterAHugeOne_KeepsTheSmallOnesInTheMean()
    {
        var store = Open();
        store.Write("mixed", Tags.Empty, [(T0, 1e-300), (T0.AddSeconds(1), 3e-300), (T0.AddSeconds(2), 2e300), (T0.AddSeconds(3), 2e300)]);

        var summary = store.Read(T0, T0.AddHours(1), "mixed").Single().Summary;

        Assert.That(summary.StdDev, Is.EqualTo(Math.Sqrt(4.0 / 3) * 1e300).Within(1e-12).Percent);
    }

    [Test]
    public void Read_NoFunction_UsesMean()
    {
        var set = Seeded().Read(T0, T0.AddHours(1), interval: "1min").Single();

        Assert.That(set.Function, Is.EqualTo("mean"));
        Assert.That(set.Points.Select(p => p.Value), Is.EqualTo(new[] { 2.0, 7, 2 }));
    }

    [Test]
    public void Read_FiveMinuteRollup_PutsAllPointsInOneBucket()
    {
        var set = Seeded().Read(T0, T0.AddHours(1), interval: "5min", function: "sum").Single();

        Assert.That(set.Points, Is.EqualTo(new[] { new TimeValue(T0, 27) }));
    }

    [Test]
    public void Read_AnyInterval_SummarizesRawPoints()
    {
        var summary = Seeded().Read(T0, T0.AddHours(1), interval: "5min", function: "max").Single().Summary;

        Assert.That(summary.Count, Is.EqualTo(6));
        Assert.That(summary.Sum, Is.EqualTo(27));
        Assert.That(summary.Mean, Is.EqualTo(4.5));
        Assert.That(summary.Min, Is.EqualTo(1));
        Assert.That(summary.Max, Is.EqualTo(9));
        Assert.That(summary.StdDev, Is.EqualTo(Math.Sqrt(47.5 / 5)).Within(1e-12));
    }

    [Test]
    public void Read_NoPointsInRange_ReturnsSeriesWithEmptySummary()
    {
        var set = Seeded().Read(T0.AddDays(-1), T0, "orders").Single();

        Assert.That(set.Points, Is.Empty);
        Assert.That(set.Summary.Count, Is.Zero);
        Assert.That(set.Summary.Sum, Is.Zero);
        Assert.That(set.Summary.Mean, Is.NaN);
        Assert.That(set.Series.Key, Is.EqualTo("orders{\"region\": \"eu\"}"));
    }

    [Test]
    public void Read_FiveMinuteRollup_AlignsBucketsToEpochNotToStart()
    {
        var store = Open();
        store.Write("x", Tags.Empty, [(T0.AddMinutes(4), 1), (T0.AddMinutes(7), 2), (T0.AddMinutes(12), 4)]);

        var set = store.Read(T0.AddMinutes(3), T0.AddMinutes(20), interval: "5min", function: "sum").Single();

        Assert.That(set.Points, Is.EqualTo(new[]
        {
            new TimeValue(T0, 1), new TimeValue(T0.AddMinutes(5), 2), new TimeValue(T0.AddMinutes(10), 4),
        }));
    }

    [Test]
    public void Read_HourAndDayRollups_SplitAtBoundaries()
    {
        var store = Open();
        store.Write("x", Tags.Empty, [
            (T0.AddHours(10).AddMilliseconds(-1), 1), (T0.AddHours(10), 2), (T0.AddHours(23), 3), (T0.AddDays(1), 4), (T0.AddDays(3).AddHours(5), 5),
        ]);

        var hours = store.Read(T0, T0.AddDays(5), interval: "1hour", function: "sum").Single();
        var days = store.Read(T0, T0.AddDays(5), interval: "1day", function: "sum").Single();
        var twoDays = store.Read(T0, T0.AddDays(5), interval: "2day", function: "sum").Single();

        Assert.That(hours.Points, Is.EqualTo(new[]
        {
            new TimeValue(T0.AddHours(9), 1), new TimeValue(T0.AddHours(10), 2), new TimeValue(T0.AddHours(23), 3),
            new TimeValue(T0.AddDays(1), 4), new TimeValue(T0.AddDays(3).AddHours(5), 5),
        }));
        Assert.That(days.Points, Is.EqualTo(new[] { new TimeValue(T0, 6), new TimeValue(T0.AddDays(1), 4), new TimeValue(T0.AddDays(3), 5) }));

        // 2026-01-01 is day 20454 since the epoch (even), so two-day buckets start on Jan 1 and Jan 3.
        Assert.That(twoDays.Points, Is.EqualTo(new[] { new TimeValue(T0, 10), new TimeValue(T0.AddDays(2), 5) }));
    }

    [Test]
    public void Read_MonthRollups_FollowTheCalendar()
    {
        var store = Open();
        var jan31 = new DateTimeOffset(2026, 1, 31, 23, 59, 59, TimeSpan.Zero);
        var feb1 = new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);
        var apr15 = new DateTimeOffset(2026, 4, 15, 0, 0, 0, TimeSpan.Zero);
        store.Write("x", Tags.Empty, [(jan31, 1), (feb1, 2), (apr15, 4)]);

        var months = store.Read(T0, T0.AddYears(1), interval: "1month", function: "sum").Single();
        var quarters = store.Read(T0, T0.AddYears(1), interval: "3month", function: "sum").Single();

        Assert.That(months.Points, Is.EqualTo(new[] { new TimeValue(T0, 1), new TimeValue(feb1, 2), new TimeValue(apr15.AddDays(-14), 4) }));
        Assert.That(quarters.Points, Is.EqualTo(new[] { new TimeValue(T0, 3), new TimeValue(apr15.AddDays(-14), 4) }));
    }

    [Test]
    public void Read_YearRollups_FollowTheCalendar()
    {
        var store = Open();
        store.Write("x", Tags.Empty, [(T0.AddMilliseconds(-1), 1), (T0, 2), (T0.AddYears(1).AddDays(100), 4)]);

        var years = store.Read(T0.AddYears(-2), T0.AddYears(3), interval: "1year", function: "count").Single();
        var twoYears = store.Read(T0.AddYears(-2), T0.AddYears(3), interval: "2year", function: "sum").Single();

        Assert.That(years.Points, Is.EqualTo(new[] { new TimeValue(T0.AddYears(-1), 1), new TimeValue(T0, 1), new TimeValue(T0.AddYears(1), 1) }));
        Assert.That(twoYears.Points, Is.EqualTo(new[] { new TimeValue(T0.AddYears(-2), 1), new TimeValue(T0, 6) }));
    }

    [TestCase(48, "raw")]
    [TestCase(49, "1hour")]
    [TestCase(30 * 24, "1hour")]
    [TestCase(31 * 24, "1day")]
    public void Read_NoInterval_ChoosesByRange(int hours, string expected)
    {
        var store = Open();
        store.Write("x", Tags.Empty, [(T0, 1), (T0.AddMinutes(10), 3)]);

        var set = store.Read(T0, T0.AddHours(hours)).Single();

        Assert.That(set.Interval, Is.EqualTo(expected));
        Assert.That(set.Points.Select(p => p.Value), Is.EqualTo(expected == "raw" ? new[] { 1.0, 3 } : new[] { 2.0 }));
    }

    [Test]
    public void Read_RawInterval_ReturnsEveryPointWhateverTheRange()
    {
        var set = Seeded().Read(T0, T0.AddYears(1), interval: "raw", function: "sum").Single();

        Assert.That(set.Points, Has.Count.EqualTo(6));
        Assert.That(set.Function, Is.Null);
    }

    [Test]
    public void Read_Range_IncludesStartAndExcludesEnd()
    {
        var store = Open();
        var end = T0.AddMinutes(1);
        store.Write("x", Tags.Empty, [(T0.AddMilliseconds(-1), 0), (T0, 1), (end.AddMilliseconds(-1), 2), (end, 3)]);

        var set = store.Read(T0, end).Single();

        Assert.That(set.Points.Select(p => p.Value), Is.EqualTo(new[] { 1.0, 2 }));
        Assert.That(set.Start, Is.EqualTo(T0));
        Assert.That(set.End, Is.EqualTo(end));
    }

    [TestCase("5")]
    [TestCase("min")]
    [TestCase("0min")]
    [TestCase("1week")]
    [TestCase("1.5hour")]
    [TestCase("-1day")]
    [TestCase("")]
    public void Read_BadInterval_ThrowsNamingAcceptedForms(string interval)
    {
        var store = Seeded();

        var ex = Assert.Throws<ArgumentException>(() => store.Read(T0, T0.AddHours(1), interval: interval));

        Assert.That(ex!.Message, Does.Contain($"'{interval}'").And.Contain("raw").And.Contain("min, hour, day, month, year"));
    }

    [Test]
    public void Read_BadFunction_ThrowsNamingAcceptedFunctions()
    {
        var store = Seeded();

        var ex = Assert.Throws<ArgumentException>(() => store.Read(T0, T0.AddHours(1), interval: "1min", function: "median"));

        Assert.That(ex!.Message, Does.Contain("'median'").And.Contain("sum, max, min, avg (or mean), stddev, count, last"));
    }

    [Test]
    public void Read_EndNotAfterStart_Throws()
    {
        var store = Seeded();

        var ex = Assert.Throws<ArgumentException>(() => store.Read(T0, T0));

        Assert.That(ex!.Message, Does.Contain("end must be after start"));
    }

    [Test]
    public void Read_HundredThousandPoints_HourlySumsMatch()
    {
        const int n = 100_000;
        var store = Open();
        store.Write("load", Tags.Empty, Enumerable.Range(0, n).Select(i => (T0.AddSeconds(i), (double)(i % 100))));

        var set = store.Read(T0, T0.AddDays(2), "load", interval: "1hour", function: "sum").Single();

        var expected = Enumerable.Range(0, n).GroupBy(i => i / 3600).Select(g => new TimeValue(T0.AddHours(g.Key), g.Sum(i => i % 100))).ToArray();
        Assert.That(set.Points, Is.EqualTo(expected));
        Assert.That(set.Summary.Count, Is.EqualTo(n));
        Assert.That(set.Summary.Sum, Is.EqualTo(Enumerable.Range(0, n).Sum(i => (double)(i % 100))));
    }

    [TestCase("1000year")]
    [TestCase("12000month")]
    [TestCase("1000000day")]
    public void Read_IntervalWhoseBucketStartsBeforeYearOne_ThrowsArgumentException(string interval)
    {
        var store = Open();
        var early = new DateTimeOffset(1, 6, 1, 0, 0, 0, TimeSpan.Zero);
        store.Write("old", Tags.Empty, [(early, 1)]);

        var ex = Assert.Throws<ArgumentException>(() => store.Read(DateTimeOffset.MinValue, T0, "old", interval: interval, function: "sum"));

        Assert.That(ex!.Message, Does.Contain(interval).And.Contain("shorter interval"));
        Assert.That(ex, Is.Not.InstanceOf<ArgumentOutOfRangeException>());
    }
}
