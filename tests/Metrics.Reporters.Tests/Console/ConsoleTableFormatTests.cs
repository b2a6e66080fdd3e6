namespace Metrics.Reporters.Tests.Console;

public class ConsoleTableFormatTests
{
    private static readonly DateTimeOffset Time = new(2026, 1, 1, 0, 0, 10, TimeSpan.Zero);

    [Test]
    public void Format_Points_WritesHeaderSeriesAndAlignedFields()
    {
        var eu = new Tags(("region", "eu"));
        var text = ConsoleTableFormat.Format(Time, [
            new DataPoint("orders.count", eu, Time, 5),
            new DataPoint("db.query.count", Tags.Empty, Time, 3),
            new DataPoint("db.query.avg", Tags.Empty, Time, 0.0012),
        ]);

        var expected =
            "2026-01-01T00:00:10.000Z " + new string('=', 55) + "\n" +
            "\n" +
            "orders {region=eu}\n" +
            "                 count = 5\n" +
            "db.query\n" +
            "                 count = 3\n" +
            "                   avg = 0.0012\n" +
            "\n";
        Assert.That(text, Is.EqualTo(expected));
    }

    [Test]
    public void Format_DottedFieldNames_SplitBeforeTheLongestThatEndsThePoint()
    {
        var dotted = ConsoleTableFormat.DottedFields(new FieldNaming { Mean = "mean.v", HistogramPercentiles = [(0.999, "99.9_percentile"), (0.9, "9_percentile")] });

        var text = ConsoleTableFormat.Format(Time, [
            new DataPoint("size.count", Tags.Empty, Time, 2),
            new DataPoint("size.mean.v", Tags.Empty, Time, 3),
            new DataPoint("size.99.9_percentile", Tags.Empty, Time, 4),
            new DataPoint("size.9_percentile", Tags.Empty, Time, 5),
        ], dotted);

        Assert.That(dotted, Is.EqualTo(new[] { "99.9_percentile", "mean.v" }));
        Assert.That(text, Does.EndWith(
            "size\n" +
            "                 count = 2\n" +
            "                mean.v = 3\n" +
            "       99.9_percentile = 4\n" +
            "          9_percentile = 5\n" +
            "\n"));
    }

    [Test]
    [SetCulture("de-DE")]
    public void Format_UnderCommaCulture_UsesInvariantNumbers()
    {
        var text = ConsoleTableFormat.Format(Time, [new DataPoint("g.value", Tags.Empty, Time, 1234.5)]);

        Assert.That(text, Does.Contain("value = 1234.5\n"));
    }

    [Test]
    public void Format_OlderPoint_ShowsItsOwnTimestamp()
    {
        var older = Time.AddMinutes(-5);

        var text = ConsoleTableFormat.Format(Time, [new DataPoint("orders.count", Tags.Empty, older, 1)]);

        Assert.That(text, Does.Contain("orders @ 2025-12-31T23:55:10.000Z\n"));
    }

    [Test]
    public void Format_DeltaAndDistribution_AreMarked()
    {
        var text = ConsoleTableFormat.Format(Time, [
            new DataPoint("orders.count", Tags.Empty, Time, 4) { Kind = PointKind.DeltaCounter },
            new DataPoint("latency.hist", Tags.Empty, Time, 4) { Kind = PointKind.Distribution, Centroids = [new Centroid(1.5, 3), new Centroid(2, 1)] },
        ]);

        Assert.That(text, Does.Contain("count = +4 (delta)\n"));
        Assert.That(text, Does.Contain("hist = 4 values [1.5 x 3, 2 x 1]\n"));
    }
}
