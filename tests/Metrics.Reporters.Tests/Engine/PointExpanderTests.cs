using Metrics.Reporters.Engine;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Engine;

public class PointExpanderTests
{
    private static readonly Tags RegionEu = new(("region", "eu"));

    private static IReadOnlyList<DataPoint> Expand(MetricSnapshot snapshot, FieldNaming? fields = null, string prefix = "")
    {
        var buffer = new PointBuffer();
        new PointExpander(fields ?? FieldNaming.Pyformance).Expand(snapshot, prefix + snapshot.Name, snapshot.Tags, buffer);
        return buffer.Points;
    }

    [Test]
    public void Expand_Counter_EmitsCountField()
    {
        var points = Expand(Snap.Counter("orders", 5, RegionEu));

        Assert.That(points, Has.Count.EqualTo(1));
        Assert.That(points[0].Metric, Is.EqualTo("orders.count"));
        Assert.That(points[0].Value, Is.EqualTo(5));
        Assert.That(points[0].Tags, Is.EqualTo(RegionEu));
        Assert.That(points[0].Timestamp, Is.EqualTo(Snap.Time));
        Assert.That(points[0].Kind, Is.EqualTo(PointKind.Value));
    }

    [Test]
    public void Expand_Prefix_IsPrependedToEveryName()
    {
        var points = Expand(Snap.Counter("orders", 5), prefix: "myapp.");

        Assert.That(points[0].Metric, Is.EqualTo("myapp.orders.count"));
    }

    [Test]
    public void Expand_Gauge_EmitsValueField()
    {
        var points = Expand(Snap.Gauge("queue.depth", 12.5));

        Assert.That(points.Select(p => (p.Metric, p.Value)), Is.EqualTo(new[] { ("queue.depth.value", 12.5) }));
    }

    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    [TestCase(double.NegativeInfinity)]
    public void Expand_NonFiniteGauge_IsSkippedAndCounted(double value)
    {
        var buffer = new PointBuffer();
        new PointExpander(FieldNaming.Pyformance).Expand(Snap.Gauge("g", value), "g", Tags.Empty, buffer);

        Assert.That(buffer.Points, Is.Empty);
        Assert.That(buffer.SkippedNonFinite, Is.EqualTo(1));
    }

    [Test]
    public void Expand_Meter_EmitsPyformanceKeysInOrder()
    {
        var points = Expand(Snap.Meter("requests", 10, 1.5, 2.5, 3.5, 4.5));

        Assert.That(
            points.Select(p => (p.Metric, p.Value)),
            Is.EqualTo(new[]
            {
                ("requests.count", 10d), ("requests.mean_rate", 1.5), ("requests.1m_rate", 2.5),
                ("requests.5m_rate", 3.5), ("requests.15m_rate", 4.5),
            }));
    }

    [Test]
    public void Expand_CustomFieldNaming_UsesGivenKeys()
    {
        var fields = new FieldNaming { Count = "total" };

        var points = Expand(Snap.Counter("orders", 1), fields);

        Assert.That(points[0].Metric, Is.EqualTo("orders.total"));
    }

    [Test]
    public void Expand_Histogram_EmitsPyformanceKeysFromLifetimeSnapshot()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        var histogram = registry.Histogram("response.size");
        foreach (var v in new[] { 100, 200, 300, 400 })
        {
            histogram.Update(v);
        }

        var snapshot = registry.CreateReader().Read().Single(s => s.Name == "response.size");

        var points = Expand(snapshot).ToDictionary(p => p.Metric, p => p.Value);

        Assert.That(
            points.Keys,
            Is.EqualTo(new[]
            {
                "response.size.count", "response.size.avg", "response.size.max", "response.size.min", "response.size.std_dev",
                "response.size.75_percentile", "response.size.95_percentile", "response.size.99_percentile", "response.size.999_percentile",
            }));
        Assert.That(points["response.size.count"], Is.EqualTo(4));
        Assert.That(points["response.size.avg"], Is.EqualTo(250).Within(5));
        Assert.That(points["response.size.min"], Is.EqualTo(100).Within(2));
        Assert.That(points["response.size.max"], Is.EqualTo(400).Within(4));
        Assert.That(points["response.size.99_percentile"], Is.EqualTo(400).Within(4));
    }

    [Test]
    public void Expand_Timer_EmitsPyformanceKeysInSeconds()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        var timer = registry.Timer("db.query");
        timer.Update(TimeSpan.FromMilliseconds(100));
        timer.Update(TimeSpan.FromMilliseconds(300));

        var snapshot = registry.CreateReader().Read().Single(s => s.Name == "db.query");

        var points = Expand(snapshot).ToDictionary(p => p.Metric, p => p.Value);

        Assert.That(
            points.Keys,
            Is.EqualTo(new[]
            {
                "db.query.count", "db.query.sum", "db.query.avg", "db.query.max", "db.query.min", "db.query.std_dev",
                "db.query.1m_rate", "db.query.5m_rate", "db.query.15m_rate", "db.query.mean_rate",
                "db.query.50_percentile", "db.query.75_percentile", "db.query.95_percentile", "db.query.99_percentile", "db.query.999_percentile",
            }));
        Assert.That(points["db.query.count"], Is.EqualTo(2));
        Assert.That(points["db.query.sum"], Is.EqualTo(0.4).Within(0.01));
        Assert.That(points["db.query.avg"], Is.EqualTo(0.2).Within(0.005));
        Assert.That(points["db.query.max"], Is.EqualTo(0.3).Within(0.005));
        Assert.That(points["db.query.min"], Is.EqualTo(0.1).Within(0.005));
    }

    [Test]
    public void Expand_Timer_SecondsAreTheCorrectlyRoundedQuotient()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        var timer = registry.Timer("t");
        timer.UpdateNanoseconds(6648);

        var points = Expand(registry.CreateReader().Read().Single(s => s.Name == "t")).ToDictionary(p => p.Metric, p => p.Value);

        // 6648 * 1e-9 is 6.6480000000000006E-06; 6648 / 1e9 is 6.648E-06, what a user (and Python) expects.
        Assert.That(points["t.min"], Is.EqualTo(6648 / 1e9));
        Assert.That(points["t.max"], Is.EqualTo(6648 / 1e9));
        Assert.That(points["t.sum"], Is.EqualTo(6648 / 1e9));
    }

    [Test]
    public void Expand_TimerWithMillisecondScale_DividesByOneThousandThousand()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        registry.Timer("t").UpdateNanoseconds(1_500_000);

        var points = Expand(registry.CreateReader().Read().Single(s => s.Name == "t"), new FieldNaming { TimerDurationScale = 1e-6 }).ToDictionary(p => p.Metric, p => p.Value);

        Assert.That(points["t.sum"], Is.EqualTo(1.5));
    }

    [Test]
    public void Expand_DerivedExpander_ReplacesCounterPoints()
    {
        var buffer = new PointBuffer();
        new DeltaExpander(FieldNaming.Pyformance).Expand(Snap.Counter("orders", 10, delta: 3), "orders", Tags.Empty, buffer);

        Assert.That(buffer.Points, Has.Count.EqualTo(1));
        Assert.That(buffer.Points[0].Kind, Is.EqualTo(PointKind.DeltaCounter));
        Assert.That(buffer.Points[0].Value, Is.EqualTo(3));
    }

    [Test]
    public void Expand_DerivedExpander_CanEmitDistributionFromReaderWindow()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        var histogram = registry.Histogram("latency");
        var reader = registry.CreateReader();
        histogram.Update(10);
        reader.Read();
        histogram.Update(50);
        histogram.Update(50);
        histogram.Update(90);
        var snapshot = reader.Read().Single(s => s.Name == "latency");
        var buffer = new PointBuffer();

        new DistributionExpander(FieldNaming.Pyformance).Expand(snapshot, "latency", Tags.Empty, buffer);

        var point = buffer.Points.Single();
        Assert.That(point.Kind, Is.EqualTo(PointKind.Distribution));
        Assert.That(point.Value, Is.EqualTo(3), "only this reader's window: values since its previous read");
        Assert.That(point.Centroids!.Sum(c => c.Count), Is.EqualTo(3));
        Assert.That(point.Centroids!.Select(c => c.Mean), Is.EqualTo(new[] { 50d, 90d }).Within(1));
    }

    private sealed class DistributionExpander(FieldNaming fields) : PointExpander(fields)
    {
        protected override void ExpandHistogram(MetricSnapshot snapshot, string name, Tags tags, PointBuffer output)
        {
            var centroids = ToCentroids(snapshot.Window);
            output.Add(new DataPoint(name, tags, snapshot.Timestamp, centroids.Sum(c => c.Count)) { Kind = PointKind.Distribution, Centroids = centroids });
        }
    }

    private sealed class DeltaExpander(FieldNaming fields) : PointExpander(fields)
    {
        protected override void ExpandCounter(MetricSnapshot snapshot, string name, Tags tags, PointBuffer output)
        {
            if (snapshot.Delta > 0)
            {
                output.Add(new DataPoint(Key(name, "count"), tags, snapshot.Timestamp, snapshot.Delta) { Kind = PointKind.DeltaCounter });
            }
        }
    }
}
