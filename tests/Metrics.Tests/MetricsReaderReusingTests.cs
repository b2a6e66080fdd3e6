namespace Metrics.Tests;

// The engine's read: gauge snapshots reused from one reusing read to the next, everything else as Read gives it.
public class MetricsReaderReusingTests : ManualClockFixture
{
    [Test]
    public void ReadReusing_GaugesTwice_SameSnapshotsWithNewValueAndTime()
    {
        var value = 1.5;
        _registry.Gauge("queue", () => value);
        var settable = _registry.SettableGauge("depth");
        settable.Set(3);
        var reader = _registry.CreateReader();

        var first = reader.ReadReusing();
        var firstQueue = first.Single(s => s.Name == "queue");
        value = 2.5;
        settable.Set(4);
        _time.Advance(TimeSpan.FromSeconds(10));
        var second = reader.ReadReusing();

        Assert.That(second.Single(s => s.Name == "queue"), Is.SameAs(firstQueue));
        Assert.That(second.Select(s => (s.Name, s.Type, s.Value)), Is.EqualTo(new[] { ("depth", MetricType.Gauge, 4d), ("queue", MetricType.Gauge, 2.5d) }));
        Assert.That(second.Select(s => s.Timestamp), Is.All.EqualTo(_time.GetUtcNow()));
    }

    [Test]
    public void ReadReusing_CountersAndFailingGauge_SameAsRead()
    {
        var counter = _registry.Counter("orders");
        _registry.Gauge("broken", () => throw new InvalidOperationException("no value"));
        var reusing = _registry.CreateReader();
        var plain = _registry.CreateReader();
        counter.Inc(5);
        reusing.ReadReusing();
        plain.Read();
        counter.Inc(2);

        var fromReusing = reusing.ReadReusing();
        var fromPlain = plain.Read();

        Assert.That(fromReusing.Select(s => (s.Name, s.Count, s.Delta, double.IsNaN(s.Value))), Is.EqualTo(fromPlain.Select(s => (s.Name, s.Count, s.Delta, double.IsNaN(s.Value)))));
        Assert.That(fromReusing.Single(s => s.Name == "orders").Delta, Is.EqualTo(2));
        Assert.That(double.IsNaN(fromReusing.Single(s => s.Name == "broken").Value), Is.True);
    }

    [Test]
    public void Read_AfterReusingReads_SnapshotsKeepTheirValues()
    {
        var value = 1.0;
        _registry.Gauge("queue", () => value);
        var reader = _registry.CreateReader();
        reader.ReadReusing();

        var kept = reader.Read().Single();
        value = 9;
        reader.ReadReusing();

        Assert.That(kept.Value, Is.EqualTo(1.0), "snapshots of Read are never overwritten");
    }

    [Test]
    public void ReadReusing_BusyHistogramsAndTimers_SameFiguresAsRead_AndReadSnapshotsKeepTheirValues()
    {
        var histogram = _registry.Histogram("size");
        var timer = _registry.Timer("latency");
        var reusing = _registry.CreateReader();
        var plain = _registry.CreateReader();
        var random = new Random(3);
        MetricSnapshot? kept = null;
        double[] keptQuantiles = [];
        var quantiles = new[] { 0.5, 0.75, 0.95, 0.98, 0.99, 0.999 };
        for (var report = 0; report < 5; report++)
        {
            for (var i = 0; i < 500; i++)
            {
                histogram.Update(random.NextInt64(1, 1L << (8 + (4 * report))));
                timer.UpdateNanoseconds(random.NextInt64(1_000, 1_000_000_000));
            }

            var fromReusing = reusing.ReadReusing();
            var fromPlain = plain.Read();
            Assert.That(
                fromReusing.Select(s => (s.Name, s.Count, s.Histogram!.Sum, s.Histogram.StdDev, s.Window!.Count, Quantiles: string.Join(",", quantiles.Select(s.Histogram.GetValue)))),
                Is.EqualTo(fromPlain.Select(s => (s.Name, s.Count, s.Histogram!.Sum, s.Histogram.StdDev, s.Window!.Count, Quantiles: string.Join(",", quantiles.Select(s.Histogram.GetValue))))),
                $"report {report}");

            // A snapshot of Read, from the reusing reader itself: later reusing reads must leave it as it was.
            if (report == 1)
            {
                kept = reusing.Read().Single(s => s.Name == "size");
                keptQuantiles = [.. quantiles.Select(kept.Histogram!.GetValue)];
            }
        }

        Assert.That(quantiles.Select(kept!.Histogram!.GetValue), Is.EqualTo(keptQuantiles), "snapshots of Read are never overwritten");
    }

    [Test]
    public void ReadReusing_SeriesAdded_ListGrowsWithTheNewSeries()
    {
        _registry.Gauge("a", () => 1);
        var reader = _registry.CreateReader();
        reader.ReadReusing();
        _registry.Gauge("b", () => 2);

        var snapshots = reader.ReadReusing();

        Assert.That(snapshots.Select(s => (s.Name, s.Value)), Is.EqualTo(new[] { ("a", 1d), ("b", 2d) }));
    }
}
