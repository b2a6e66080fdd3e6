using Metrics.Reporters.Engine;
using Metrics.Reporters.Wavefront;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Engine;

// ExpandSeries, as the engine calls it once per series and report: names and merged tags are kept per series.
public class PointExpanderSeriesTests
{
    private static readonly Tags Reporter = new(("env", "prod"), ("region", "eu"));

    private static IReadOnlyList<DataPoint> Report(PointExpander expander, string prefix, params MetricSnapshot[] snapshots)
    {
        var buffer = new PointBuffer();
        foreach (var snapshot in snapshots)
        {
            expander.ExpandSeries(snapshot, prefix, Reporter, buffer);
        }

        expander.EndReport();
        return buffer.Points.ToArray();
    }

    [Test]
    public void ExpandSeries_TwoReports_SameNamesAndTagsInstancesAndNewValues()
    {
        var expander = new PointExpander(FieldNaming.Pyformance);
        var tags = new Tags(("shard", "s1"));

        var first = Report(expander, "app.", Snap.Meter("events", 10, 1, 2, 3, 4), Snap.Gauge("queue", 1.5, tags));
        var second = Report(expander, "app.", Snap.Meter("events", 20, 5, 6, 7, 8), Snap.Gauge("queue", 2.5, tags));

        Assert.That(second.Select(p => p.Metric), Is.EqualTo(first.Select(p => p.Metric)));
        Assert.That(second.Select(p => p.Metric), Is.EqualTo(new[] { "app.events.count", "app.events.mean_rate", "app.events.1m_rate", "app.events.5m_rate", "app.events.15m_rate", "app.queue.value" }));
        for (var i = 0; i < first.Count; i++)
        {
            Assert.That(second[i].Metric, Is.SameAs(first[i].Metric), "the point name is built once per series");
            Assert.That(second[i].Tags, Is.SameAs(first[i].Tags), "the tags are merged once per series");
        }

        Assert.That(second.Select(p => p.Value), Is.EqualTo(new[] { 20, 5, 6, 7, 8, 2.5 }));
    }

    [Test]
    public void ExpandSeries_SeriesTags_MergedOverReporterTags()
    {
        var expander = new PointExpander(FieldNaming.Pyformance);

        var points = Report(expander, string.Empty, Snap.Gauge("queue", 1, new Tags(("env", "dev"), ("shard", "s1"))), Snap.Gauge("plain", 2));

        Assert.That(points[0].Tags, Is.EqualTo(new Tags(("env", "dev"), ("region", "eu"), ("shard", "s1"))));
        Assert.That(points[1].Tags, Is.SameAs(Reporter), "a series without tags gets the reporter's tags as they are");
    }

    [Test]
    public void ExpandSeries_PrefixChanges_NamesFollowThePrefix()
    {
        var expander = new PointExpander(FieldNaming.Pyformance);
        var snapshot = Snap.Counter("orders", 5);

        Report(expander, "a.", snapshot);
        var points = Report(expander, "b.", snapshot);

        Assert.That(points.Single().Metric, Is.EqualTo("b.orders.count"));
    }

    [Test]
    public void ExpandSeries_SeriesGoneAndBack_ExpandsWithItsNamesAgain()
    {
        var expander = new PointExpander(FieldNaming.Pyformance);
        var tags = new Tags(("shard", "s1"));

        Report(expander, string.Empty, Snap.Counter("orders", 1, tags), Snap.Counter("refunds", 1, tags));
        Report(expander, string.Empty, Snap.Counter("orders", 2, tags));
        var points = Report(expander, string.Empty, Snap.Counter("orders", 3, tags), Snap.Counter("refunds", 4, tags));

        Assert.That(points.Select(p => (p.Metric, p.Value)), Is.EqualTo(new[] { ("orders.count", 3d), ("refunds.count", 4d) }));
    }

    [Test]
    public void ExpandSeries_WavefrontDeltaCounters_KeepsTheCountName()
    {
        var expander = new WavefrontPointExpander(FieldNaming.Pyformance, deltaCounters: true, distributions: false);

        var first = Report(expander, string.Empty, Snap.Counter("orders", 10, delta: 4));
        var second = Report(expander, string.Empty, Snap.Counter("orders", 13, delta: 3));

        Assert.That(second.Single().Metric, Is.EqualTo("orders.count"));
        Assert.That(second.Single().Metric, Is.SameAs(first.Single().Metric));
        Assert.That(second.Single().Kind, Is.EqualTo(PointKind.DeltaCounter));
        Assert.That(second.Single().Value, Is.EqualTo(3));
    }

    [Test]
    public void ExpandSeries_HistogramIdleThenBusy_PercentilesFollowEveryChangeAndStayWhileIdle()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        var latency = registry.Histogram("latency");
        var db = registry.Timer("db");
        var reader = registry.CreateReader();
        var expander = new PointExpander(FieldNaming.Pyformance);
        var fields = FieldNaming.Pyformance;
        var reports = new List<(MetricSnapshot Histogram, MetricSnapshot Timer, IReadOnlyList<DataPoint> Points)>();

        // Each report as the engine makes it: a reusing read, every series expanded, and the percentile points
        // checked against the snapshot's own quantiles.
        void ReportAndCheck()
        {
            var buffer = new PointBuffer();
            var snapshots = reader.ReadReusing();
            foreach (var snapshot in snapshots)
            {
                expander.ExpandSeries(snapshot, string.Empty, Reporter, buffer);
            }

            expander.EndReport();
            var points = buffer.Points.ToArray();
            var histogram = snapshots.Single(s => s.Name == "latency");
            var timer = snapshots.Single(s => s.Name == "db");
            foreach (var (quantile, key) in fields.HistogramPercentiles)
            {
                Assert.That(points.Single(p => p.Metric == "latency." + key).Value, Is.EqualTo(histogram.Histogram!.GetValue(quantile)), key);
            }

            foreach (var (quantile, key) in fields.TimerPercentiles)
            {
                Assert.That(points.Single(p => p.Metric == "db." + key).Value, Is.EqualTo(timer.Histogram!.GetValue(quantile) / 1e9), key);
            }

            reports.Add((histogram, timer, points));
        }

        double P99(int report, string name) => reports[report].Points.Single(p => p.Metric == name + ".99_percentile").Value;

        for (var v = 1; v <= 100; v++)
        {
            latency.Update(v);
            db.UpdateNanoseconds(v * 1_000_000L);
        }

        ReportAndCheck();
        ReportAndCheck();
        for (var n = 0; n < 10; n++)
        {
            latency.Update(5_000);
            db.UpdateNanoseconds(5_000_000_000L);
        }

        ReportAndCheck();
        ReportAndCheck();
        latency.Update(1);
        ReportAndCheck();

        Assert.That(reports[1].Histogram.Histogram, Is.SameAs(reports[0].Histogram.Histogram), "an idle histogram's reader hands back the same snapshot");
        Assert.That(reports[3].Timer.Histogram, Is.SameAs(reports[2].Timer.Histogram), "an idle timer's reader hands back the same snapshot");
        Assert.That(reports[4].Histogram.Histogram, Is.Not.SameAs(reports[3].Histogram.Histogram), "one new value gives a new snapshot");
        Assert.That(reports.Select(r => r.Points.Where(p => p.Metric.EndsWith("_percentile", StringComparison.Ordinal) && p.Metric.StartsWith("latency.", StringComparison.Ordinal)).Count()), Is.All.EqualTo(fields.HistogramPercentiles.Count));
        Assert.That(new[] { P99(0, "latency"), P99(1, "latency"), P99(2, "latency"), P99(3, "latency") }, Is.EqualTo(new[] { 99d, 99, 5_000, 5_000 }).Within(1).Percent);
        Assert.That(new[] { P99(0, "db"), P99(2, "db") }, Is.EqualTo(new[] { 0.099, 5 }).Within(1).Percent);
    }
}
