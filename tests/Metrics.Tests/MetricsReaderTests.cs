using System.Globalization;
using Metrics.Testing;

namespace Metrics.Tests;

public class MetricsReaderTests : ManualClockFixture
{
    [Test]
    public void Read_Counter_DeltaIsSinceThisReadersPreviousRead()
    {
        var counter = _registry.Counter("orders");
        var reader = _registry.CreateReader();
        counter.Inc(5);

        var first = reader.Read().Single();
        counter.Inc(2);
        var second = reader.Read().Single();
        var third = reader.Read().Single();

        Assert.Multiple(() =>
        {
            Assert.That((first.Count, first.Delta), Is.EqualTo((5L, 5L)));
            Assert.That((second.Count, second.Delta), Is.EqualTo((7L, 2L)));
            Assert.That((third.Count, third.Delta), Is.EqualTo((7L, 0L)));
        });
    }

    [Test]
    public void Read_TwoReaders_NeverAffectEachOther()
    {
        var counter = _registry.Counter("orders");
        var a = _registry.CreateReader();
        var b = _registry.CreateReader();
        counter.Inc(3);
        a.Read();
        counter.Inc(4);

        var fromA = a.Read().Single();
        var fromB = b.Read().Single();

        Assert.Multiple(() =>
        {
            Assert.That(fromA.Delta, Is.EqualTo(4));
            Assert.That(fromB.Delta, Is.EqualTo(7));
            Assert.That(counter.Count, Is.EqualTo(7), "reading must not reset the counter");
        });
    }

    [Test]
    public void Read_OneReaderFromSeveralThreads_EveryIncrementInExactlyOneDelta()
    {
        var counter = _registry.Counter("orders");
        var histogram = _registry.Histogram("size");
        var reader = _registry.CreateReader();
        const int increments = 200_000;
        var writing = 1;
        long deltas = 0;
        long windowed = 0;

        Hammer.Run(3, i =>
        {
            if (i == 0)
            {
                for (var n = 0; n < increments; n++)
                {
                    counter.Inc();
                    histogram.Update(7L);
                }

                Volatile.Write(ref writing, 0);
                return;
            }

            bool more;
            do
            {
                more = Volatile.Read(ref writing) == 1;
                foreach (var s in reader.Read())
                {
                    if (s.Type == MetricType.Counter)
                    {
                        Interlocked.Add(ref deltas, s.Delta);
                    }
                    else
                    {
                        Interlocked.Add(ref windowed, s.Window!.Count);
                    }
                }
            }
            while (more);
        });

        Assert.Multiple(() =>
        {
            Assert.That(deltas, Is.EqualTo(increments));
            Assert.That(windowed, Is.EqualTo(increments));
        });
    }

    [Test]
    public void Read_CounterGoingDown_HasNegativeDelta()
    {
        var counter = _registry.Counter("inflight");
        var reader = _registry.CreateReader();
        counter.Inc(10);
        reader.Read();
        counter.Dec(4);

        Assert.That(reader.Read().Single().Delta, Is.EqualTo(-4));
    }

    [Test]
    public void Read_StampsWithTheRegistryClock()
    {
        _registry.Counter("orders");
        _time.Advance(TimeSpan.FromMinutes(3));

        var snapshot = _registry.CreateReader().Read().Single();

        Assert.That(snapshot.Timestamp, Is.EqualTo(new DateTimeOffset(2026, 1, 1, 0, 3, 0, TimeSpan.Zero)));
    }

    [Test]
    public void Read_Meter_CarriesCountDeltaAndRates()
    {
        var meter = _registry.Meter("requests", new Tags(("route", "/")));
        var reader = _registry.CreateReader();
        meter.Mark(3);
        _time.Advance(TimeSpan.FromSeconds(5));

        var snapshot = reader.Read().Single();

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Name, Is.EqualTo("requests"));
            Assert.That(snapshot.Tags, Is.EqualTo(new Tags(("route", "/"))));
            Assert.That(snapshot.Type, Is.EqualTo(MetricType.Meter));
            Assert.That((snapshot.Count, snapshot.Delta), Is.EqualTo((3L, 3L)));
            Assert.That(snapshot.OneMinuteRate, Is.EqualTo(0.6).Within(1e-8));
            Assert.That(snapshot.FiveMinuteRate, Is.EqualTo(0.6).Within(1e-8));
            Assert.That(snapshot.FifteenMinuteRate, Is.EqualTo(0.6).Within(1e-8));
            Assert.That(snapshot.MeanRate, Is.EqualTo(0.6).Within(1e-8));
            Assert.That(snapshot.Histogram, Is.Null);
        });
    }

    [Test]
    public void Read_Gauges_CarryTheirValues()
    {
        _registry.Gauge("depth", () => 12.5);
        _registry.SettableGauge("temperature").Set(-3);
        _registry.Gauge("broken", () => throw new InvalidOperationException());

        var byName = _registry.CreateReader().Read().ToDictionary(s => s.Name);

        Assert.Multiple(() =>
        {
            Assert.That(byName["depth"].Value, Is.EqualTo(12.5));
            Assert.That(byName["depth"].Type, Is.EqualTo(MetricType.Gauge));
            Assert.That(byName["temperature"].Value, Is.EqualTo(-3));
            Assert.That(byName["broken"].Value, Is.NaN);
        });
    }

    [Test]
    public void Read_RemovedSeries_Disappear()
    {
        _registry.Counter("a");
        _registry.Counter("b");
        var reader = _registry.CreateReader();
        reader.Read();

        _registry.Remove("a");

        Assert.That(reader.Read().Select(s => s.Name), Is.EqualTo(new[] { "b" }));
    }

    [Test]
    public void Read_SeriesRemovedAndAddedAgain_StartsANewDelta()
    {
        _registry.Counter("a").Inc(10);
        var reader = _registry.CreateReader();
        reader.Read();

        _registry.Remove("a");
        _registry.Counter("a").Inc(2);

        Assert.That(reader.Read().Single().Delta, Is.EqualTo(2));
    }

    [Test]
    public void Read_SeriesAddedBetweenReads_AppearInOrderAndOthersKeepTheirDeltas()
    {
        var c = _registry.Counter("c");
        var a = _registry.Counter("a");
        var reader = _registry.CreateReader();
        c.Inc(3);
        a.Inc(1);
        reader.Read();

        _registry.Counter("b").Inc(4);
        c.Inc(2);
        var second = reader.Read();
        var third = reader.Read();

        Assert.Multiple(() =>
        {
            Assert.That(second.Select(s => (s.Name, s.Delta)), Is.EqualTo(new[] { ("a", 0L), ("b", 4L), ("c", 2L) }));
            Assert.That(third.Select(s => (s.Name, s.Delta)), Is.EqualTo(new[] { ("a", 0L), ("b", 0L), ("c", 0L) }));
        });
    }

    [Test]
    public void Read_SeriesRemovedBetweenReads_OthersKeepTheirDeltas()
    {
        var a = _registry.Counter("a");
        _registry.Counter("b").Inc(9);
        var c = _registry.Counter("c");
        var reader = _registry.CreateReader();
        a.Inc(1);
        c.Inc(1);
        reader.Read();

        _registry.Remove("b");
        a.Inc(5);
        c.Inc(7);

        Assert.That(reader.Read().Select(s => (s.Name, s.Count, s.Delta)), Is.EqualTo(new[] { ("a", 6L, 5L), ("c", 8L, 7L) }));
    }

    [Test]
    public void Read_ManyReadsWithoutChanges_EveryReadSeesNewValues()
    {
        var gauges = Enumerable.Range(0, 50).Select(i => _registry.SettableGauge("g", new Tags(("i", i.ToString("D2", CultureInfo.InvariantCulture))))).ToArray();
        var reader = _registry.CreateReader();

        for (var round = 1; round <= 3; round++)
        {
            for (var i = 0; i < gauges.Length; i++)
            {
                gauges[i].Set((round * 100) + i + 0.5);
            }

            var values = reader.Read().Select(s => s.Value).ToArray();
            Assert.That(values, Is.EqualTo(Enumerable.Range(0, 50).Select(i => (round * 100) + i + 0.5).ToArray()), $"round {round}");
        }
    }

    [Test]
    public void Read_OrdersByNameThenTags()
    {
        _registry.Counter("b");
        _registry.Counter("a", new Tags(("k", "2")));
        _registry.Counter("a", new Tags(("k", "1")));
        _registry.Counter("a");

        var ids = _registry.CreateReader().Read().Select(s => MetricName.Encode(s.Name, s.Tags));

        Assert.That(ids, Is.EqualTo(new[] { "a", "a{\"k\": \"1\"}", "a{\"k\": \"2\"}", "b" }));
    }

    [Test]
    public void Read_Histogram_WindowIsPerReaderAndLifetimeKeepsEverything()
    {
        var histogram = _registry.Histogram("size");
        var a = _registry.CreateReader();
        var b = _registry.CreateReader();
        histogram.Update(100);
        a.Read();
        histogram.Update(300);

        var fromA = a.Read().Single();
        var fromB = b.Read().Single();

        Assert.Multiple(() =>
        {
            Assert.That(fromA.Type, Is.EqualTo(MetricType.Histogram));
            Assert.That((fromA.Count, fromA.Delta), Is.EqualTo((2L, 1L)));
            Assert.That(fromA.Histogram!.Count, Is.EqualTo(2));
            Assert.That(fromA.Window!.Count, Is.EqualTo(1));
            Assert.That(fromA.Window.Max, Is.EqualTo(300).Within(1).Percent);
            Assert.That(fromB.Window!.Count, Is.EqualTo(2));
            Assert.That(fromB.Delta, Is.EqualTo(2));
        });
    }

    [Test]
    public void Read_Timer_CarriesRatesLifetimeAndWindow()
    {
        var timer = _registry.Timer("db");
        var reader = _registry.CreateReader();
        timer.Update(TimeSpan.FromMilliseconds(2));
        reader.Read();
        timer.Update(TimeSpan.FromMilliseconds(8));
        _time.Advance(TimeSpan.FromSeconds(5));

        var snapshot = reader.Read().Single();

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Type, Is.EqualTo(MetricType.Timer));
            Assert.That((snapshot.Count, snapshot.Delta), Is.EqualTo((2L, 1L)));
            Assert.That(snapshot.OneMinuteRate, Is.EqualTo(0.4).Within(1e-8));
            Assert.That(snapshot.FiveMinuteRate, Is.EqualTo(0.4).Within(1e-8));
            Assert.That(snapshot.FifteenMinuteRate, Is.EqualTo(0.4).Within(1e-8));
            Assert.That(snapshot.MeanRate, Is.EqualTo(0.4).Within(1e-8), "2 values in the 5 seconds since the timer was created");
            Assert.That(snapshot.Histogram!.Count, Is.EqualTo(2));
            Assert.That(snapshot.Window!.Count, Is.EqualTo(1));
            Assert.That(snapshot.Window.Max, Is.EqualTo(8_000_000).Within(1).Percent);
        });
    }

    [Test]
    public void Read_HdrHistogramWithClampedAndRejectedValues_CountsClampedOnesOnly_InBothReads()
    {
        var histogram = _registry.Histogram("size", new HistogramOptions { HighestTrackableValue = 1_000 });
        var reader = _registry.CreateReader();
        var reusing = _registry.CreateReader();
        histogram.Update(10);
        histogram.Update(5_000);
        histogram.Update(-1);
        histogram.Update(double.NaN);

        var snapshots = new[] { reader.Read().Single(), reusing.ReadReusing().Single() };
        histogram.Update(20);
        snapshots = [.. snapshots, reader.Read().Single(), reusing.ReadReusing().Single()];

        Assert.That(snapshots.Select(s => (s.Count, s.Histogram!.Count, s.Histogram.Clamped, s.Histogram.Rejected)), Is.EqualTo(new[] { (2L, 2L, 1L, 2L), (2L, 2L, 1L, 2L), (3L, 3L, 1L, 2L), (3L, 3L, 1L, 2L) }));
        Assert.That(histogram.Count, Is.EqualTo(3));
    }
}
