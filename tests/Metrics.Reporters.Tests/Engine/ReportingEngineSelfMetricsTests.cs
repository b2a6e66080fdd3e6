using Metrics.Reporters.Engine;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Engine;

public class ReportingEngineSelfMetricsTests
{
    [Test]
    public async Task Report_Sends_SelfMetricsCountInRegistryTaggedWithReporter()
    {
        await using var h = new EngineHarness(o => o.Name = "primary");
        h.Snapshots = Snap.Counters(3);
        h.Backend.Then(b => SendResult.Permanent(b.Count, "no"));

        await h.Reporter.ReportNowAsync();
        await h.Reporter.ReportNowAsync();

        var tags = new Tags(("reporter", "primary"));
        Assert.That(h.Registry.Counter(SelfMetrics.PointsSent, tags).Count, Is.EqualTo(6));
        Assert.That(h.Registry.Counter(SelfMetrics.PointsSucceeded, tags).Count, Is.EqualTo(3));
        Assert.That(h.Registry.Counter(SelfMetrics.PointsFailed, tags).Count, Is.EqualTo(3));
        Assert.That(h.Registry.Counter(SelfMetrics.PointsDropped, tags).Count, Is.EqualTo(3));
        Assert.That(h.Registry.Gauge(SelfMetrics.QueueDepth, tags, () => -1).Value, Is.Zero);
        Assert.That(h.Registry.Gauge(SelfMetrics.BatchSize, tags, () => -1).Value, Is.EqualTo(h.Options.BatchSize));
    }

    [Test]
    public async Task Report_Sends_SendTimeTimesEachBackendCallOnTheRegistryClock()
    {
        await using var h = new EngineHarness(o => o.BatchSize = 2);
        h.Snapshots = Snap.Counters(3);
        h.Backend.Respond = b =>
        {
            // The send takes 250 ms on the registry's clock.
            h.Time.Advance(TimeSpan.FromMilliseconds(250));
            return SendResult.Ok(b.Count);
        };

        await h.Reporter.ReportNowAsync();

        var sendTime = h.Registry.Timer(SelfMetrics.SendTime, new Tags(("reporter", h.Reporter.Name)));
        Assert.That(sendTime.Count, Is.EqualTo(2), "one timing per backend call (batches of 2 and 1)");
        Assert.That(sendTime.GetSnapshot().Max, Is.EqualTo(TimeSpan.FromMilliseconds(250).Ticks * 100).Within(1).Percent, "nanoseconds");
    }

    [Test]
    public async Task Reporters_TwoUnnamedOfSameKind_GetDistinctNamesAndSeries()
    {
        var time = new ManualTimeProvider();
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = time });
        await using var a = new EngineHarness(registry: registry);
        await using var b = new EngineHarness(registry: registry);
        a.Snapshots = Snap.Counters(2);
        b.Snapshots = Snap.Counters(5);
        b.Backend.Respond = batch => SendResult.Permanent(batch.Count, "b is broken");

        await a.Reporter.ReportNowAsync();
        await b.Reporter.ReportNowAsync();

        Assert.That(a.Reporter.Name, Is.EqualTo("fake"));
        Assert.That(b.Reporter.Name, Is.EqualTo("fake-2"));
        Assert.That(a.SelfCounter(SelfMetrics.PointsSucceeded), Is.EqualTo(2));
        Assert.That(a.SelfCounter(SelfMetrics.PointsFailed), Is.Zero);
        Assert.That(b.SelfCounter(SelfMetrics.PointsFailed), Is.EqualTo(5));
        Assert.That(a.Failures, Is.Empty, "b's failures never reach a's handler");
        Assert.That(b.Failures, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Stop_ReleasesName_ForTheNextReporter()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        var first = new EngineHarness(registry: registry);
        await first.Reporter.StopAsync();
        first.Reporter.Dispose();

        await using var second = new EngineHarness(registry: registry);

        Assert.That(second.Reporter.Name, Is.EqualTo("fake"));
    }

    [Test]
    public async Task Reporters_SameExplicitName_SecondThrowsAndFirstKeepsItsGauges()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        await using var first = new EngineHarness(o => o.Name = "x", registry: registry);

        Assert.That(
            () => new EngineHarness(o => o.Name = "x", registry: registry),
            Throws.ArgumentException.With.Message.Contains("ReporterOptions.Name \"x\" is taken by another reporter of this registry"));

        var depth = registry.CreateReader().Read().Where(s => s.Name == SelfMetrics.QueueDepth).ToList();
        Assert.That(depth.Select(s => s.Tags), Is.EqualTo(new[] { new Tags(("reporter", "x")) }));

        await first.Reporter.StopAsync();
        await using var again = new EngineHarness(o => o.Name = "x", registry: registry);
        Assert.That(again.Reporter.Name, Is.EqualTo("x"), "the name is free once its reporter stopped");
    }

    [Test]
    public async Task Reporters_OneBackendHangs_OtherKeepsReporting()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        await using var stuck = new EngineHarness(registry: registry);
        await using var healthy = new EngineHarness(registry: registry);
        var release = new TaskCompletionSource<SendResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        stuck.Backend.ThenAsync((b, ct) => new ValueTask<SendResult>(release.Task));
        stuck.Snapshots = Snap.Counters(1);
        healthy.Snapshots = Snap.Counters(1);

        var stuckReport = stuck.Reporter.ReportNowAsync();
        await healthy.Reporter.ReportNowAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(healthy.Accepted(), Has.Count.EqualTo(1));
        Assert.That(stuckReport.IsCompleted, Is.False);
        release.SetResult(SendResult.Ok(1));
        await stuckReport;
    }

    [Test]
    public async Task SelfMetricsHook_Backend_IsRegisteredAndCalledPerSend()
    {
        var time = new ManualTimeProvider();
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = time });
        var backend = new HookedBackend();
        var options = new TestReporterOptions { Retry = new RetryOptions { MaxRetries = 0 }, ErrorHandler = _ => { } };
        using var reporter = new TestReporter(registry, options, backend, new EngineSeams { SnapshotSource = () => Snap.Counters(4) });

        await reporter.ReportNowAsync();

        Assert.That(backend.RegisteredTags, Is.EqualTo(new Tags(("reporter", "hooked"))));
        Assert.That(backend.Sends, Is.EqualTo(new[] { (4, SendOutcome.Success) }));
        Assert.That(backend.Delivered, Is.EqualTo(new[] { (4, SendOutcome.Success) }));
    }

    [Test]
    public async Task AdaptiveBatching_CpuHalfwayToTarget_SendsComputedBatchSize()
    {
        var monitor = new FixedMonitor { Cpu = 35, Memory = 0 };
        await using var h = new EngineHarness(
            o =>
            {
                o.BatchSize = 110;
                o.AdaptiveBatching = new AdaptiveBatchingOptions { MinBatchSize = 10, CpuTargetPercent = 70, MemoryTargetPercent = 80 };
            },
            monitor);
        h.Snapshots = Snap.Counters(150);

        await h.Reporter.ReportNowAsync();

        // Queue 150 of 100,000 (0.15 %): factor (1 - 0.5) * 1.0015 = 0.50075 -> 10 + round(100 * 0.50075) = 60.
        Assert.That(h.Backend.Batches[0].Count, Is.EqualTo(60));
        var usage = h.Reporter.GetResourceUsage();
        Assert.That((usage.CpuPercent, usage.MemoryPercent, usage.QueueLoadPercent), Is.EqualTo((35d, 0d, 0d)));
    }

    [Test]
    public async Task AdaptiveBatching_MemoryAtTarget_SendsMinimumBatches()
    {
        var monitor = new FixedMonitor { Cpu = 0, Memory = 90 };
        await using var h = new EngineHarness(
            o =>
            {
                o.BatchSize = 100;
                o.AdaptiveBatching = new AdaptiveBatchingOptions { MinBatchSize = 10 };
            },
            monitor);
        h.Snapshots = Snap.Counters(25);

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Backend.Batches.Select(b => b.Count), Is.EqualTo(new[] { 10, 10, 5 }));
    }

    [Test]
    public void GetResourceUsage_RealProcess_IsWithinPercentRange()
    {
        var h = new EngineHarness();
        var usage = h.Reporter.GetResourceUsage();

        Assert.That(usage.CpuPercent, Is.InRange(0, 100));
        Assert.That(usage.MemoryPercent, Is.InRange(0, 100));
        Assert.That(usage.QueueLoadPercent, Is.Zero);
        h.Reporter.Dispose();
    }

    private sealed class FixedMonitor : IResourceMonitor
    {
        public double Cpu { get; set; }

        public double Memory { get; set; }

        public double SampleCpuPercent() => Cpu;

        public double SampleMemoryPercent() => Memory;
    }

    private sealed class HookedBackend : ISelfMetricsBackend
    {
        public Tags? RegisteredTags { get; private set; }

        public List<(int, SendOutcome)> Sends { get; } = new();

        public List<(int, SendOutcome)> Delivered { get; } = new();

        public string Name => "hooked";

        public void RegisterSelfMetrics(MetricsRegistry registry, Tags reporterTags) => RegisteredTags = reporterTags;

        public void OnSendCompleted(int points, in SendResult result, TimeSpan elapsed) => Sends.Add((points, result.Outcome));

        public void OnDelivered(int points, in SendResult result) => Delivered.Add((points, result.Outcome));

        public string? Validate(in DataPoint point) => null;

        public ValueTask<SendResult> SendAsync(IReadOnlyList<DataPoint> batch, CancellationToken cancellationToken) => ValueTask.FromResult(SendResult.Ok(batch.Count));

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
