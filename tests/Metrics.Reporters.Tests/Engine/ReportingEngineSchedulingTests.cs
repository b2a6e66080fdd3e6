using Metrics.Reporters.Engine;
using Microsoft.Extensions.Logging;

namespace Metrics.Reporters.Tests.Engine;

public class ReportingEngineSchedulingTests
{
    [Test]
    public async Task Start_EachIntervalElapsed_ReportsOnce()
    {
        await using var h = new EngineHarness();
        h.Snapshots = [Snap.Counter("orders", 1)];
        h.Reporter.Start();

        await h.AdvanceAsync(TimeSpan.FromSeconds(9));
        Assert.That(h.Backend.Calls, Is.Zero, "nothing before the first interval");

        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await h.AdvanceAsync(TimeSpan.FromSeconds(10));

        Assert.That(h.Accepted("orders").Count, Is.EqualTo(2));
    }

    [Test]
    public async Task Start_CalledTwice_SchedulesOneTimer()
    {
        await using var h = new EngineHarness();
        h.Snapshots = [Snap.Counter("orders", 1)];

        h.Reporter.Start();
        h.Reporter.Start();
        await h.AdvanceAsync(TimeSpan.FromSeconds(10));

        Assert.That(h.Accepted("orders").Count, Is.EqualTo(1));
        Assert.That(h.Reporter.Status.Running, Is.True);
    }

    [Test]
    public async Task ReportNowAsync_WithoutStart_SendsTheReportNow()
    {
        await using var h = new EngineHarness();
        h.Snapshots = [Snap.Counter("orders", 5, new Tags(("region", "eu")))];

        await h.Reporter.ReportNowAsync();

        var point = h.Accepted().Single();
        Assert.That(point.Metric, Is.EqualTo("orders.count"));
        Assert.That(point.Value, Is.EqualTo(5));
    }

    [Test]
    public async Task StopAsync_AfterStart_SendsFinalReportAndClosesBackend()
    {
        var h = new EngineHarness();
        h.Snapshots = [Snap.Counter("orders", 3)];
        h.Reporter.Start();

        await h.Reporter.StopAsync();

        Assert.That(h.Accepted("orders").Single().Value, Is.EqualTo(3));
        Assert.That(h.Backend.Disposed, Is.True);
        Assert.That(h.Reporter.Status.Running, Is.False);
        await h.DisposeAsync();
    }

    [Test]
    public async Task StopAsync_CalledTwice_ReportsOnceAndReturnsSameTask()
    {
        var h = new EngineHarness();
        h.Snapshots = [Snap.Counter("orders", 3)];
        h.Reporter.Start();

        var first = h.Reporter.StopAsync();
        var second = h.Reporter.StopAsync();
        await first;
        h.Reporter.Dispose();

        Assert.That(second, Is.SameAs(first));
        Assert.That(h.Accepted("orders").Count, Is.EqualTo(1));
    }

    [Test]
    public async Task Start_AfterStop_ThrowsClearError()
    {
        var h = new EngineHarness();
        await h.Reporter.StopAsync();

        Assert.That(() => h.Reporter.Start(), Throws.InvalidOperationException.With.Message.Contains("create a new reporter"));
        Assert.That(() => h.Reporter.ReportNowAsync(), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public async Task ReportNowAsync_AfterStop_ThrowsNamingTheReporterAndSayingToCreateANewOne()
    {
        var h = new EngineHarness();
        h.Registry.Counter("orders").Inc();
        await h.Reporter.StopAsync();
        var sent = h.Accepted("orders").Count;

        var ex = Assert.ThrowsAsync<ObjectDisposedException>(() => h.Reporter.ReportNowAsync());

        Assert.That(ex!.ObjectName, Is.EqualTo("Reporter"));
        Assert.That(ex.Message, Does.Contain($"Reporter {h.Reporter.Name} was stopped; create a new reporter to report again."));
        Assert.That(ex, Is.InstanceOf<InvalidOperationException>(), "one catch covers Start and ReportNowAsync after a stop");
        Assert.That(h.Accepted("orders").Count, Is.EqualTo(sent), "nothing is sent after the stop");
    }

    [Test]
    public async Task ReportNowAsync_CutShortByAStopTimingOut_ThrowsSayingTheReporterWasStopped()
    {
        var h = new EngineHarness(o => o.StopTimeout = TimeSpan.FromSeconds(5));
        h.Snapshots = Snap.Counters(2);
        h.Backend.HangNext();
        var running = h.Reporter.ReportNowAsync();
        await EngineHarness.WaitUntilAsync(() => h.Backend.Calls == 1, "the hanging send");
        var waiting = h.Reporter.ReportNowAsync();

        var stop = h.Reporter.StopAsync();
        await h.DriveAsync(stop, TimeSpan.FromSeconds(1));

        foreach (var call in new[] { running, waiting })
        {
            var ex = Assert.ThrowsAsync<ObjectDisposedException>(async () => await call.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.That(ex!.Message, Does.Contain("was stopped; create a new reporter to report again."));
        }

        h.Reporter.Dispose();
    }

    [Test]
    public async Task Stop_AfterStop_TimerNoLongerReports()
    {
        var h = new EngineHarness();
        h.Snapshots = [Snap.Counter("orders", 3)];
        h.Reporter.Start();
        await h.Reporter.StopAsync();

        h.Time.Advance(TimeSpan.FromMinutes(5));

        Assert.That(h.Accepted("orders").Count, Is.EqualTo(1));
    }

    [Test]
    public async Task StopAsync_BackendHangs_CompletesAtStopTimeoutAndCountsDropped()
    {
        var h = new EngineHarness(o => o.StopTimeout = TimeSpan.FromSeconds(5));
        h.Snapshots = Snap.Counters(4);
        h.Backend.HangNext();
        h.Reporter.Start();

        var stop = h.Reporter.StopAsync();
        await EngineHarness.WaitUntilAsync(() => h.Backend.Calls == 1, "the final send");
        h.Time.Advance(TimeSpan.FromSeconds(4));
        await Task.Delay(20);
        Assert.That(stop.IsCompleted, Is.False, "still within StopTimeout");

        await h.DriveAsync(stop, TimeSpan.FromSeconds(1));

        Assert.That(h.Reporter.Status.Dropped, Is.EqualTo(4));
        Assert.That(h.SelfCounter(SelfMetrics.PointsDropped), Is.EqualTo(4));
        Assert.That(h.Log.Entries, Has.Some.Matches<(LogLevel Level, string Message)>(e => e.Level == LogLevel.Warning && e.Message.Contains("did not finish")));
        var failure = h.Failures.Single();
        Assert.That(failure.Failed, Is.EqualTo(4));
        Assert.That(failure.Succeeded, Is.Zero);
        Assert.That(failure.Errors.Single(), Does.Contain("did not finish within StopTimeout (00:00:05)").And.Contain("4 unsent points were dropped"));
        h.Reporter.Dispose();
    }

    [Test]
    public async Task StopAsync_CancelledByCaller_ErrorHandlerHearsOfTheDroppedPoints()
    {
        var h = new EngineHarness(o => o.StopTimeout = TimeSpan.FromSeconds(5));
        h.Snapshots = Snap.Counters(3);
        h.Backend.HangNext();
        h.Reporter.Start();
        using var cancel = new CancellationTokenSource();

        var stop = h.Reporter.StopAsync(cancel.Token);
        await EngineHarness.WaitUntilAsync(() => h.Backend.Calls == 1, "the final send");
        await cancel.CancelAsync();
        await stop.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(h.Reporter.Status.Dropped, Is.EqualTo(3));
        Assert.That(h.Failures.Single().Errors.Single(), Does.Contain("cancelled by the caller").And.Contain("3 unsent points were dropped"));
        h.Reporter.Dispose();
    }

    [Test]
    public async Task ReportNowAsync_CalledConcurrently_ReportsNeverOverlap()
    {
        await using var h = new EngineHarness();
        h.Snapshots = [Snap.Counter("orders", 1)];
        var inFlight = 0;
        var maxInFlight = 0;
        h.Backend.Respond = batch =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            Thread.SpinWait(20_000);
            Interlocked.Decrement(ref inFlight);
            return SendResult.Ok(batch.Count);
        };

        var reports = Enumerable.Range(0, 8).Select(_ => Task.Run(() => h.Reporter.ReportNowAsync())).ToArray();
        await Task.WhenAll(reports).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(maxInFlight, Is.EqualTo(1));
        Assert.That(h.Accepted("orders").Count, Is.EqualTo(8));
    }

    [Test]
    public async Task Dispose_Started_FlushesLikeStop()
    {
        var h = new EngineHarness();
        h.Snapshots = [Snap.Counter("orders", 9)];
        h.Reporter.Start();

        h.Reporter.Dispose();
        h.Reporter.Dispose();

        Assert.That(h.Accepted("orders").Single().Value, Is.EqualTo(9));
        await h.Reporter.StopAsync();
    }

    [Test]
    public async Task DisposeAsync_Started_FlushesOnceAndIsIdempotent()
    {
        var h = new EngineHarness();
        h.Snapshots = [Snap.Counter("orders", 4)];
        h.Reporter.Start();

        await h.Reporter.DisposeAsync();
        await h.Reporter.DisposeAsync();
        h.Reporter.Dispose();

        Assert.That(h.Accepted("orders").Single().Value, Is.EqualTo(4));
        Assert.That(h.Backend.Disposed, Is.True);
    }

    [Test]
    public async Task Report_Tags_MetricWinsOverReporterWhichWinsOverGlobal()
    {
        var time = new Metrics.Testing.ManualTimeProvider();
        var registry = new MetricsRegistry(new MetricsOptions
        {
            TimeProvider = time,
            GlobalTags = new Tags(("env", "prod"), ("host", "global"), ("region", "global")),
        });
        await using var h = new EngineHarness(o => o.Tags = new Tags(("host", "reporter"), ("region", "reporter")), registry: registry);
        h.Snapshots = [Snap.Counter("orders", 1, new Tags(("region", "metric")))];

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Accepted().Single().Tags, Is.EqualTo(new Tags(("env", "prod"), ("host", "reporter"), ("region", "metric"))));
    }

    [Test]
    public async Task Report_Filter_LeavesOutSeries()
    {
        await using var h = new EngineHarness(o => o.Filter = s => s.Name != "secret");
        h.Snapshots = [Snap.Counter("orders", 1), Snap.Counter("secret", 2)];

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Accepted().Select(p => p.Metric), Is.EqualTo(new[] { "orders.count" }));
    }

    [Test]
    public async Task Report_FilterKeepsGaugeSnapshots_LaterReportsDoNotChangeThem()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new Metrics.Testing.ManualTimeProvider() });
        var gauge = registry.SettableGauge("depth");
        var kept = new List<MetricSnapshot>();
        var reporter = new TestReporter(
            registry,
            new TestReporterOptions { Filter = s => { kept.Add(s); return true; }, Retry = new RetryOptions { MaxRetries = 0 } },
            new FakeBackend());

        gauge.Set(1.5);
        await reporter.ReportNowAsync();
        gauge.Set(2.5);
        await reporter.ReportNowAsync();
        await reporter.StopAsync();

        Assert.That(kept.Where(s => s.Name == "depth").Select(s => s.Value), Is.EqualTo(new[] { 1.5, 2.5 }));
    }

    [Test]
    public async Task Report_NonFiniteGauge_IsSkippedAndCounted()
    {
        await using var h = new EngineHarness();
        h.Snapshots = [Snap.Gauge("broken", double.NaN), Snap.Gauge("fine", 1)];

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Accepted().Select(p => p.Metric), Is.EqualTo(new[] { "fine.value" }));
        Assert.That(h.SelfCounter(SelfMetrics.PointsSkipped), Is.EqualTo(1));
    }

    [Test]
    public async Task Report_SourceThrows_IsLoggedAndNextReportWorks()
    {
        await using var h = new EngineHarness();
        var calls = 0;
        var source = new List<MetricSnapshot> { Snap.Counter("orders", 1) };
        h.Snapshots = new ThrowingOnce(source, () => calls++ == 0);

        await h.Reporter.ReportNowAsync();
        await h.Reporter.ReportNowAsync();

        Assert.That(h.Accepted("orders").Count, Is.EqualTo(1));
        Assert.That(h.Log.Entries, Has.Some.Matches<(LogLevel Level, string Message)>(e => e.Level == LogLevel.Error));
    }

    [Test]
    public async Task Report_InvalidPoints_AreFailedOnceAndNotSent()
    {
        await using var h = new EngineHarness();
        h.Backend.Validator = p => p.Metric.StartsWith("bad", StringComparison.Ordinal) ? "name not allowed" : null;
        h.Snapshots = [Snap.Counter("bad1", 1), Snap.Counter("good", 2), Snap.Counter("bad2", 3)];

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Accepted().Select(p => p.Metric), Is.EqualTo(new[] { "good.count" }));
        Assert.That(h.Failures, Has.Count.EqualTo(1));
        Assert.That(h.Failures[0].Failed, Is.EqualTo(2));
        Assert.That(h.Failures[0].Errors, Is.EqualTo(new[] { "bad1.count: name not allowed", "bad2.count: name not allowed" }));
        Assert.That(h.SelfCounter(SelfMetrics.PointsFailed), Is.EqualTo(2));
    }

    [Test]
    public async Task Report_MoreThanBatchSize_SendsInBatches()
    {
        await using var h = new EngineHarness(o => o.BatchSize = 3);
        h.Snapshots = Snap.Counters(7);

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Backend.Batches.Select(b => b.Count), Is.EqualTo(new[] { 3, 3, 1 }));
        Assert.That(h.Accepted().Select(p => p.Metric), Is.EqualTo(Enumerable.Range(0, 7).Select(i => $"c{i}.count")));
    }

    [Test]
    public async Task StopAsync_NeverStarted_FlushesWhatReportNowLeftQueued()
    {
        var h = new EngineHarness(o => o.BatchSize = 3);
        h.Snapshots = Snap.Counters(7);
        h.Backend.Then(b => SendResult.Transient(b.Count, "down"));
        await h.Reporter.ReportNowAsync();
        Assert.That(h.Reporter.Status.QueueDepth, Is.EqualTo(4), "the batches behind the failed one wait");

        await h.Reporter.StopAsync();

        Assert.That(h.Accepted().Select(p => p.Metric), Is.EqualTo(Enumerable.Range(3, 4).Select(i => $"c{i}.count")));
        await h.Reporter.DisposeAsync();
    }

    [Test]
    public async Task Report_QueueOverflow_DropsOldestAndCounts()
    {
        await using var h = new EngineHarness(o => o.MaxQueueSize = 5);
        h.Snapshots = Snap.Counters(8);

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Accepted().Select(p => p.Metric), Is.EqualTo(Enumerable.Range(3, 5).Select(i => $"c{i}.count")));
        Assert.That(h.Reporter.Status.Dropped, Is.EqualTo(3));
        Assert.That(h.SelfCounter(SelfMetrics.PointsDropped), Is.EqualTo(3));
    }

    [Test]
    public async Task Report_BackendDownAcrossReports_QueueStaysBounded()
    {
        await using var h = new EngineHarness(o =>
        {
            o.MaxQueueSize = 10;
            o.BatchSize = 2;
        });
        h.Backend.Respond = b => SendResult.Transient(b.Count, "down");
        h.Snapshots = Snap.Counters(6);

        for (var i = 0; i < 5; i++)
        {
            await h.Reporter.ReportNowAsync();
            Assert.That(h.Reporter.Status.QueueDepth, Is.LessThanOrEqualTo(10));
        }

        // Each report: 6 points in (the oldest evicted past 10), one batch of 2 fails and is dropped, the rest waits.
        Assert.That(h.Reporter.Status.QueueDepth, Is.EqualTo(8));
        Assert.That(h.Reporter.Status.Dropped, Is.EqualTo(30 - 8));
    }

    [Test]
    public async Task Report_WhileThreadsHammerACounter_NeverBlocksThemAndFinalCountIsExact()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new Metrics.Testing.ManualTimeProvider() });
        var counter = registry.Counter("hits");
        var backend = new FakeBackend();
        var reporter = new TestReporter(registry, new TestReporterOptions { Filter = s => s.Name == "hits", Retry = new RetryOptions { MaxRetries = 0 } }, backend);
        const int threads = 4, perThread = 50_000;
        using var go = new Barrier(threads + 1);
        var writers = Enumerable.Range(0, threads).Select(_ => Task.Factory.StartNew(
            () =>
            {
                go.SignalAndWait();
                for (var i = 0; i < perThread; i++)
                {
                    counter.Inc();
                }
            },
            TaskCreationOptions.LongRunning)).ToArray();

        go.SignalAndWait();
        while (!writers.All(w => w.IsCompleted))
        {
            await reporter.ReportNowAsync();
        }

        await Task.WhenAll(writers);
        await reporter.ReportNowAsync();
        await reporter.StopAsync();

        var counts = backend.Accepted.Where(p => p.Metric == "hits.count").Select(p => p.Value).ToArray();
        Assert.That(counts, Is.Ordered, "each report sees a count at least as high as the one before");
        Assert.That(counts[^1], Is.EqualTo(threads * perThread));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private sealed class ThrowingOnce(IReadOnlyList<MetricSnapshot> inner, Func<bool> shouldThrow) : IReadOnlyList<MetricSnapshot>
    {
        public int Count => inner.Count;

        public MetricSnapshot this[int index] => inner[index];

        public IEnumerator<MetricSnapshot> GetEnumerator() => shouldThrow() ? throw new InvalidOperationException("registry broken") : inner.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
