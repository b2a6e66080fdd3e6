using Metrics.Reporters.Engine;

namespace Metrics.Reporters.Tests.Engine;

/// <summary>Every point the engine accepted is delivered, stored offline, or reported to the error handler as dropped.</summary>
public class ReportingEngineDropReportTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "metrics-drops-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string DbPath => Path.Combine(_dir, "offline.db");

    [Test]
    public async Task StopAsync_BackendDownWithoutStorage_ErrorHandlerHearsOfEveryQueuedPoint()
    {
        var h = new EngineHarness(o => o.BatchSize = 2);
        h.Snapshots = Snap.Counters(5);
        h.Backend.Respond = b => SendResult.Transient(b.Count, "down");
        h.Reporter.Start();

        await h.Reporter.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(h.Reporter.Status.Dropped, Is.EqualTo(5));
        Assert.That(h.Failures.Sum(f => f.Failed), Is.EqualTo(5), "the batch that failed and the three queued behind it");
        Assert.That(h.Failures[^1].Errors.Single(), Does.Contain("3 unsent points were dropped (no offline storage)"));
        h.Reporter.Dispose();
    }

    [Test]
    public async Task StopAsync_BackendDownWithStorage_StoresEveryQueuedPointForTheNextReporter()
    {
        var first = new EngineHarness(o =>
        {
            o.BatchSize = 2;
            o.OfflineStorage = new OfflineStorageOptions { Path = DbPath };
        });
        first.Snapshots = Snap.Counters(5);
        first.Backend.Respond = b => SendResult.Transient(b.Count, "down");
        first.Reporter.Start();
        await first.Reporter.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        first.Reporter.Dispose();
        Assert.That(first.Reporter.Status.Dropped, Is.Zero);
        Assert.That(first.SelfCounter(SelfMetrics.PointsStored), Is.EqualTo(5));

        await using var second = new EngineHarness(o => o.OfflineStorage = new OfflineStorageOptions { Path = DbPath });
        await second.Reporter.ReportNowAsync();

        Assert.That(second.Accepted().Select(p => p.Metric), Is.EqualTo(Enumerable.Range(0, 5).Select(i => $"c{i}.count")));
    }

    [Test]
    public async Task StopAsync_TokenAlreadyCancelledWithStorage_StoresWhatWasStillQueued()
    {
        var h = new EngineHarness(o =>
        {
            o.BatchSize = 2;
            o.OfflineStorage = new OfflineStorageOptions { Path = DbPath };
        });
        h.Snapshots = Snap.Counters(5);
        h.Backend.Then(b => SendResult.Transient(b.Count, "down"));
        await h.Reporter.ReportNowAsync();
        Assert.That(h.Reporter.Status.QueueDepth, Is.EqualTo(3), "the failed batch is stored, the rest waits in the queue");

        await h.Reporter.StopAsync(new CancellationToken(canceled: true)).WaitAsync(TimeSpan.FromSeconds(10));
        h.Reporter.Dispose();

        Assert.That(h.Reporter.Status.Dropped, Is.Zero);
        Assert.That(h.SelfCounter(SelfMetrics.PointsStored), Is.EqualTo(5));
        await using var next = new EngineHarness(o => o.OfflineStorage = new OfflineStorageOptions { Path = DbPath });
        await next.Reporter.ReportNowAsync();
        Assert.That(next.Accepted().Select(p => p.Metric), Is.EqualTo(Enumerable.Range(0, 5).Select(i => $"c{i}.count")));
    }

    [Test]
    public async Task ReportNowAsync_CancelledWhileSendingWithoutStorage_ErrorHandlerHearsOfTheDroppedBatch()
    {
        await using var h = new EngineHarness();
        h.Snapshots = Snap.Counters(4);
        h.Backend.HangNext();
        using var cancel = new CancellationTokenSource();

        var report = h.Reporter.ReportNowAsync(cancel.Token);
        await EngineHarness.WaitUntilAsync(() => h.Backend.Calls == 1, "the send");
        await cancel.CancelAsync();

        Assert.That(async () => await report.WaitAsync(TimeSpan.FromSeconds(10)), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(h.Reporter.Status.Dropped, Is.EqualTo(4));
        var failure = h.Failures.Single();
        Assert.That(failure.Failed, Is.EqualTo(4));
        Assert.That(failure.Errors.Single(), Does.Contain("cancelled").And.Contain("4 unsent points were dropped (no offline storage)"));
    }

    [Test]
    public async Task Report_QueueOverflowWithoutStorage_ErrorHandlerHearsOncePerReportWithTheCount()
    {
        await using var h = new EngineHarness(o => o.MaxQueueSize = 5);
        h.Snapshots = Snap.Counters(8);
        h.Backend.Respond = b => SendResult.Transient(b.Count, "down");

        await h.Reporter.ReportNowAsync();
        await h.Reporter.ReportNowAsync();

        var overflows = h.Failures.Where(f => f.Errors.Any(e => e.Contains("queue is full", StringComparison.Ordinal))).ToArray();
        Assert.That(overflows.Select(f => f.Failed), Is.EqualTo(new[] { 3L, 3L }), "one failure per report, with the number dropped");
        Assert.That(overflows[0].Errors.Single(), Does.Contain("MaxQueueSize = 5").And.Contain("3 oldest points were dropped"));
        Assert.That(h.Reporter.Status.Dropped, Is.EqualTo(h.Failures.Sum(f => f.Failed)), "every dropped point reached the handler once");
    }

    [Test]
    public async Task Report_SplitBatchWhoseFirstHalfFailsWithoutStorage_ErrorHandlerHearsOfBothHalves()
    {
        await using var h = new EngineHarness(o => o.BatchSize = 4);
        h.Snapshots = Snap.Counters(4);
        h.Backend.Then(b => new SendResult(SendOutcome.TooLarge, 0, b.Count, ["413"], 413));
        h.Backend.Then(b => SendResult.Transient(b.Count, "down"));

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Backend.Calls, Is.EqualTo(2), "the second half is never tried once the first found the backend down");
        Assert.That(h.Reporter.Status.Dropped, Is.EqualTo(4));
        Assert.That(h.Failures.Sum(f => f.Failed), Is.EqualTo(4), "the half that failed, and the half dropped untried");
        Assert.That(h.Failures[^1].Errors.Single(), Does.Contain("2 unsent points were dropped (no offline storage)"));
    }

    [Test]
    public async Task Report_OfflineStorageFull_ErrorHandlerHearsOfTheEvictedPoints()
    {
        await using var h = new EngineHarness(o => o.OfflineStorage = new OfflineStorageOptions { Path = DbPath, MaxStoredPoints = 3 });
        h.Snapshots = Snap.Counters(5);
        h.Backend.Respond = b => SendResult.Transient(b.Count, "down");

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Reporter.Status.StoredPoints, Is.EqualTo(3));
        Assert.That(h.Reporter.Status.Dropped, Is.EqualTo(2));
        var eviction = h.Failures.Single(f => f.Errors.Any(e => e.Contains("offline storage is full", StringComparison.Ordinal)));
        Assert.That(eviction.Failed, Is.EqualTo(2));
        Assert.That(eviction.Errors.Single(), Does.Contain("MaxStoredPoints = 3").And.Contain("the 2 oldest stored points were dropped"));
    }

    [Test]
    public async Task Report_BackendDownAndOfflineStorageUnusable_ErrorHandlerHearsThePointsWereDropped()
    {
        // A NUL character makes the path invalid for the OS: the store cannot be created (as on a full or read-only disk).
        await using var h = new EngineHarness(o => o.OfflineStorage = new OfflineStorageOptions { Path = "bad\0name.db" });
        h.Snapshots = Snap.Counters(2);
        h.Backend.Respond = b => SendResult.Transient(b.Count, "down");

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Reporter.Status.Dropped, Is.EqualTo(2));
        var dropped = h.Failures.Where(f => f.Errors.Any(e => e.Contains("dropped", StringComparison.Ordinal))).ToArray();
        Assert.That(dropped.Sum(f => f.Failed), Is.EqualTo(2), "the handler learns they were lost, not kept");
        Assert.That(dropped.Single().Errors.Single(), Does.Contain("2 unsent points were dropped (offline storage is off: ").And.EndsWith(" cannot be opened)"));
    }

    [Test]
    public async Task Replay_StoredRowUnreadable_ErrorHandlerHearsItWasDiscarded()
    {
        await using var h = new EngineHarness(o => o.OfflineStorage = new OfflineStorageOptions { Path = DbPath });
        h.Snapshots = Snap.Counters(3);
        h.Backend.Then(b => SendResult.Transient(b.Count, "down"));
        await h.Reporter.ReportNowAsync();
        using (var raw = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + DbPath + ";Pooling=False"))
        {
            raw.Open();
            using var damage = raw.CreateCommand();
            damage.CommandText = "UPDATE points SET tags = 'not json' WHERE metric = 'c1.count';";
            Assert.That(damage.ExecuteNonQuery(), Is.EqualTo(1));
        }

        h.Snapshots = [];
        await h.Reporter.ReportNowAsync();

        Assert.That(h.Accepted().Select(p => p.Metric), Is.EqualTo(new[] { "c0.count", "c2.count" }));
        Assert.That(h.Reporter.Status.Dropped, Is.EqualTo(1));
        var discarded = h.Failures.Single(f => f.Errors.Any(e => e.Contains("could not be read back", StringComparison.Ordinal)));
        Assert.That(discarded.Failed, Is.EqualTo(1));
    }
}
