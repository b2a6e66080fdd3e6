using Metrics.Reporters.Engine;
using Microsoft.Extensions.Logging;

namespace Metrics.Reporters.Tests.Engine;

public class ReportingEngineOfflineTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "metrics-engine-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string DbPath => Path.Combine(_dir, "offline.db");

    private Action<TestReporterOptions> Offline(int replayBatch = 50, bool storeOnOverflow = true) => o => o.OfflineStorage = new OfflineStorageOptions
    {
        Path = DbPath,
        Ttl = TimeSpan.FromMinutes(10),
        ReplayBatchSize = replayBatch,
        StoreOnQueueOverflow = storeOnOverflow,
    };

    [Test]
    public async Task Send_RetriesExhausted_StoresThenReplaysWhenBackendRecovers()
    {
        await using var h = new EngineHarness(Offline());
        h.Snapshots = Snap.Counters(3, "a");
        h.Backend.Then(b => SendResult.Transient(b.Count, "down"));

        await h.Reporter.ReportNowAsync();
        Assert.That(h.Reporter.Status.StoredPoints, Is.EqualTo(3));
        Assert.That(h.Reporter.Status.Dropped, Is.Zero);

        h.Snapshots = Snap.Counters(1, "b");
        await h.Reporter.ReportNowAsync();

        Assert.That(h.Accepted().Select(p => p.Metric), Is.EqualTo(new[] { "b0.count", "a0.count", "a1.count", "a2.count" }));
        Assert.That(h.Reporter.Status.StoredPoints, Is.Zero);
        Assert.That(h.SelfCounter(SelfMetrics.PointsStored), Is.EqualTo(3));
    }

    [Test]
    public async Task Replay_InReplayBatchSize_OldestFirst()
    {
        await using var h = new EngineHarness(Offline(replayBatch: 2));
        h.Snapshots = Snap.Counters(5);
        h.Backend.Then(b => SendResult.Transient(b.Count, "down"));
        await h.Reporter.ReportNowAsync();
        h.Snapshots = [];

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Backend.Batches.Skip(1).Select(b => b.Count), Is.EqualTo(new[] { 2, 2, 1 }));
        Assert.That(h.Accepted().Select(p => p.Metric), Is.EqualTo(Enumerable.Range(0, 5).Select(i => $"c{i}.count")));
    }

    [Test]
    public async Task Replay_BackendFailsAgain_KeepsRowsUntilAccepted()
    {
        await using var h = new EngineHarness(Offline());
        h.Snapshots = Snap.Counters(2);
        h.Backend.Then(b => SendResult.Transient(b.Count, "down"));
        await h.Reporter.ReportNowAsync();
        h.Snapshots = [];
        h.Backend.Then(b => SendResult.Transient(b.Count, "still down"));

        await h.Reporter.ReportNowAsync();
        Assert.That(h.Reporter.Status.StoredPoints, Is.EqualTo(2), "not deleted before the backend accepted them");
        await h.Reporter.ReportNowAsync();

        Assert.That(h.Accepted(), Has.Count.EqualTo(2));
        Assert.That(h.Reporter.Status.StoredPoints, Is.Zero);
    }

    [Test]
    public async Task Replay_SplitBatchWhoseSecondHalfFails_KeepsOnlyTheSecondHalf()
    {
        await using var h = new EngineHarness(Offline(replayBatch: 4));
        h.Snapshots = Snap.Counters(4);
        h.Backend.Then(b => SendResult.Transient(b.Count, "down"));
        await h.Reporter.ReportNowAsync();
        Assert.That(h.Reporter.Status.StoredPoints, Is.EqualTo(4));
        h.Snapshots = [];

        // Replay: the batch of 4 is too large, its first half is accepted, its second half fails.
        h.Backend.Then(b => new SendResult(SendOutcome.TooLarge, 0, b.Count, ["413"], 413));
        h.Backend.Then(b => SendResult.Ok(b.Count));
        h.Backend.Then(b => SendResult.Transient(b.Count, "down"));
        await h.Reporter.ReportNowAsync();
        Assert.That(h.Reporter.Status.StoredPoints, Is.EqualTo(2), "the accepted half leaves storage");

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Accepted().Select(p => p.Metric), Is.EqualTo(Enumerable.Range(0, 4).Select(i => $"c{i}.count")), "each point once, oldest first");
        Assert.That(h.Reporter.Status.StoredPoints, Is.Zero);
    }

    [Test]
    public async Task Store_TtlMaxValue_KeepsPointsUntilReplayed()
    {
        await using var h = new EngineHarness(o => o.OfflineStorage = new OfflineStorageOptions { Path = DbPath, Ttl = TimeSpan.MaxValue });
        h.Snapshots = Snap.Counters(3);
        h.Backend.Then(b => SendResult.Transient(b.Count, "down"));

        await h.Reporter.ReportNowAsync();
        Assert.That(h.Reporter.Status.StoredPoints, Is.EqualTo(3));
        h.Time.Advance(TimeSpan.FromDays(3650));
        h.Snapshots = [];
        await h.Reporter.ReportNowAsync();

        Assert.That(h.Accepted(), Has.Count.EqualTo(3));
        Assert.That(h.SelfCounter(SelfMetrics.PointsExpired), Is.Zero);
        Assert.That(h.Reporter.Status.Dropped, Is.Zero);
    }

    [Test]
    public async Task Start_NewReporterOnSameFile_DeliversWhatTheOldOneStored()
    {
        var first = new EngineHarness(Offline());
        first.Snapshots = [Snap.Counter("orders", 42, new Tags(("region", "eu")))];
        first.Backend.Respond = b => SendResult.Transient(b.Count, "down");
        first.Reporter.Start();
        await first.Reporter.StopAsync();
        await first.Reporter.DisposeAsync();
        Assert.That(first.Backend.Accepted, Is.Empty);

        await using var second = new EngineHarness(Offline());
        second.Reporter.Start();
        await second.Reporter.Engine.WhenIdleAsync();
        await EngineHarness.WaitUntilAsync(() => !second.Backend.Accepted.IsEmpty, "the replay at start");
        await second.Reporter.Engine.WhenIdleAsync();

        var point = second.Accepted().Single();
        Assert.That(point.Metric, Is.EqualTo("orders.count"));
        Assert.That(point.Value, Is.EqualTo(42));
        Assert.That(point.Tags, Is.EqualTo(new Tags(("region", "eu"))));
        Assert.That(point.Timestamp, Is.EqualTo(Snap.Time));
        Assert.That(second.Reporter.Status.StoredPoints, Is.Zero);
    }

    [Test]
    public async Task Replay_AfterTtl_ExpiredPointsArePurgedAndCounted()
    {
        await using var h = new EngineHarness(Offline());
        h.Snapshots = Snap.Counters(3);
        h.Backend.Then(b => SendResult.Transient(b.Count, "down"));
        await h.Reporter.ReportNowAsync();
        h.Time.Advance(TimeSpan.FromMinutes(11));
        h.Snapshots = [];

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Accepted(), Is.Empty);
        Assert.That(h.SelfCounter(SelfMetrics.PointsExpired), Is.EqualTo(3));
        Assert.That(h.Reporter.Status.StoredPoints, Is.Zero);
        Assert.That(h.Reporter.Status.Dropped, Is.EqualTo(3), "expired points are lost points");
        var expired = h.Failures.Where(f => f.Errors.Any(e => e.Contains("expired", StringComparison.Ordinal))).ToList();
        Assert.That(expired.Sum(f => f.Failed), Is.EqualTo(3), "the error handler hears of every expired point, with the count");
        Assert.That(expired.Single().Errors.Single(), Does.Contain("OfflineStorage.Ttl"));
    }

    [Test]
    public async Task Report_QueueOverflowWithStorage_StoresEvictedPoints()
    {
        await using var h = new EngineHarness(o =>
        {
            Offline()(o);
            o.MaxQueueSize = 4;
        });
        h.Backend.Then(b => SendResult.Permanent(b.Count, "refused"));
        h.Snapshots = Snap.Counters(6);

        await h.Reporter.ReportNowAsync();

        Assert.That(h.SelfCounter(SelfMetrics.PointsStored), Is.EqualTo(2));
        Assert.That(h.Reporter.Status.Dropped, Is.EqualTo(4), "only the permanently refused batch is dropped");
    }

    [Test]
    public async Task Report_QueueOverflowWithoutStoreOnOverflow_Drops()
    {
        await using var h = new EngineHarness(o =>
        {
            Offline(storeOnOverflow: false)(o);
            o.MaxQueueSize = 4;
        });
        h.Snapshots = Snap.Counters(6);

        await h.Reporter.ReportNowAsync();

        Assert.That(h.SelfCounter(SelfMetrics.PointsStored), Is.Zero);
        Assert.That(h.Reporter.Status.Dropped, Is.EqualTo(2));
    }

    [Test]
    public async Task StopAsync_BackendHangsWithStorage_StoresUnsentPoints()
    {
        var h = new EngineHarness(o =>
        {
            Offline()(o);
            o.StopTimeout = TimeSpan.FromSeconds(2);
        });
        h.Snapshots = Snap.Counters(3);
        h.Backend.HangNext();
        h.Reporter.Start();

        await h.DriveAsync(h.Reporter.StopAsync(), TimeSpan.FromSeconds(1));

        Assert.That(h.Reporter.Status.Dropped, Is.Zero);
        Assert.That(h.SelfCounter(SelfMetrics.PointsStored), Is.EqualTo(3));
        h.Reporter.Dispose();
    }

    [Test]
    public async Task StopAsync_BackendHangsWithStorage_StatusShowsTheFinalSendFailed()
    {
        var h = new EngineHarness(o =>
        {
            Offline()(o);
            o.StopTimeout = TimeSpan.FromSeconds(2);
        });
        h.Snapshots = Snap.Counters(3);
        h.Backend.HangNext();
        h.Reporter.Start();

        await h.DriveAsync(h.Reporter.StopAsync(), TimeSpan.FromSeconds(1));

        // Nothing was dropped (the points wait in offline storage), but the final report did not reach the backend:
        // the status must not read as a clean stop.
        var status = h.Reporter.Status;
        Assert.That(status.Dropped, Is.Zero);
        Assert.That(status.LastSuccess, Is.Null);
        Assert.That(status.LastFailure, Is.Not.Null);
        Assert.That(status.ConsecutiveFailures, Is.EqualTo(1));
        h.Reporter.Dispose();
    }

    [Test]
    public async Task StopAsync_NeverStarted_SendsNothingAndLeavesStoredPointsForTheNextRun()
    {
        var first = new EngineHarness(Offline());
        first.Snapshots = [Snap.Counter("orders", 42)];
        first.Backend.Respond = b => SendResult.Transient(b.Count, "down");
        first.Reporter.Start();
        await first.Reporter.StopAsync();
        await first.Reporter.DisposeAsync();

        // Built and disposed without being started (a host whose start failed on another reporter's configuration).
        var idle = new EngineHarness(Offline());
        await idle.Reporter.StopAsync();
        await idle.Reporter.DisposeAsync();
        Assert.That(idle.Backend.Calls, Is.Zero, "a reporter that was never started sends nothing at stop");

        await using var next = new EngineHarness(Offline());
        next.Reporter.Start();
        await EngineHarness.WaitUntilAsync(() => !next.Backend.Accepted.IsEmpty, "the replay at start");
        await next.Reporter.Engine.WhenIdleAsync();
        Assert.That(next.Accepted("orders").Single().Value, Is.EqualTo(42));
    }

    [Test]
    public async Task ReportNowAsync_OfflinePathUnusable_NeverThrowsAndCountsDroppedPoints()
    {
        // A NUL character makes the path invalid for the OS: the store cannot even be created.
        await using var h = new EngineHarness(o => o.OfflineStorage = new OfflineStorageOptions { Path = "bad\0name.db" });
        h.Snapshots = Snap.Counters(2);
        h.Backend.Respond = b => SendResult.Transient(b.Count, "down");

        await h.Reporter.ReportNowAsync();
        await h.Reporter.ReportNowAsync();

        Assert.That(h.Reporter.Status.Dropped, Is.EqualTo(4));
        Assert.That(h.Reporter.Status.StoredPoints, Is.Zero);
        Assert.That(h.Log.Entries, Has.Some.Matches<(LogLevel Level, string Message)>(e => e.Level == LogLevel.Error && e.Message.Contains("cannot be opened")));
    }

    [Test]
    public async Task Report_FileCorruptedWhileOpen_MovesItAsideAndStoresInAFreshFile()
    {
        await using var h = new EngineHarness(Offline());
        h.Snapshots = Snap.Counters(2);
        h.Backend.Respond = b => SendResult.Transient(b.Count, "down");
        await h.Reporter.ReportNowAsync();
        Assert.That(h.Reporter.Status.StoredPoints, Is.EqualTo(2));

        // Another writer damages the schema under the open connection (as a disk fault or a stray tool would).
        using (var raw = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + DbPath + ";Pooling=False"))
        {
            raw.Open();
            using var damage = raw.CreateCommand();
            damage.CommandText = "PRAGMA writable_schema=ON; UPDATE sqlite_master SET sql = 'garbage' WHERE name = 'points'; PRAGMA schema_version = 1000;";
            damage.ExecuteNonQuery();
        }

        h.Snapshots = Snap.Counters(3, "b");
        await h.Reporter.ReportNowAsync();

        Assert.That(Directory.GetFiles(_dir, "offline.db.corrupt-*"), Has.Length.EqualTo(1));
        Assert.That(h.Reporter.Status.StoredPoints, Is.EqualTo(3), "the new report's points, in the fresh file");
        Assert.That(h.Log.Entries, Has.Some.Matches<(LogLevel Level, string Message)>(e => e.Level == LogLevel.Warning && e.Message.Contains("corrupt")));
    }

    [Test]
    public async Task Start_CorruptFile_MovesItAsideAndKeepsReporting()
    {
        await File.WriteAllTextAsync(DbPath, new string('x', 4096));
        await using var h = new EngineHarness(Offline());
        h.Snapshots = Snap.Counters(2);
        h.Backend.Then(b => SendResult.Transient(b.Count, "down"));

        await h.Reporter.ReportNowAsync();
        await h.Reporter.ReportNowAsync();

        Assert.That(Directory.GetFiles(_dir, "offline.db.corrupt-*"), Has.Length.EqualTo(1));
        Assert.That(h.Accepted().Select(p => p.Metric), Is.EqualTo(new[] { "c0.count", "c1.count", "c0.count", "c1.count" }));
        Assert.That(h.Log.Entries, Has.Some.Matches<(LogLevel Level, string Message)>(e => e.Level == LogLevel.Warning && e.Message.Contains("corrupt")));
    }

    [Test]
    public async Task Report_TwoReportersOnOneFile_SecondRunsWithoutStorageAndNeverSendsTheFirstsPoints()
    {
        await using var first = new EngineHarness(Offline(), backendName: "first");
        first.Snapshots = Snap.Counters(3, "a");
        first.Backend.Then(b => SendResult.Transient(b.Count, "down"));
        await first.Reporter.ReportNowAsync();
        Assert.That(first.Reporter.Status.StoredPoints, Is.EqualTo(3));

        // A second reporter (another backend) configured with the same file by mistake.
        await using var second = new EngineHarness(Offline(), backendName: "second");
        second.Snapshots = Snap.Counters(1, "b");
        await second.Reporter.ReportNowAsync();

        Assert.That(second.Accepted().Select(p => p.Metric), Is.EqualTo(new[] { "b0.count" }), "the first reporter's stored points are not the second's to send");
        Assert.That(second.Log.Entries, Has.Some.Matches<(LogLevel Level, string Message)>(e => e.Level == LogLevel.Error && e.Message.Contains("in use") && e.Message.Contains(DbPath)));

        first.Snapshots = [];
        await first.Reporter.ReportNowAsync();
        Assert.That(first.Accepted().Select(p => p.Metric), Is.EqualTo(new[] { "a0.count", "a1.count", "a2.count" }), "the owner replays them, once");
    }

    [Test]
    public async Task Report_FileInUseUntilItsOwnerStops_TakenAtALaterReport()
    {
        // The previous process, still stopping, holds the file while the new one starts.
        var first = new EngineHarness(Offline(), backendName: "old");
        first.Snapshots = Snap.Counters(1, "a");
        first.Backend.Then(b => SendResult.Transient(b.Count, "down"));
        await first.Reporter.ReportNowAsync();

        await using var second = new EngineHarness(Offline(), backendName: "new");
        second.Snapshots = Snap.Counters(2, "b");
        second.Backend.Respond = b => SendResult.Transient(b.Count, "down");
        await second.Reporter.ReportNowAsync();
        Assert.That(second.Reporter.Status.StoredPoints, Is.Zero, "the file is the other's while it runs");

        await first.DisposeAsync();
        await second.Reporter.ReportNowAsync();

        Assert.That(second.Reporter.Status.StoredPoints, Is.EqualTo(3), "the file is taken once free: the old process's point and this report's two are kept");
        Assert.That(second.Log.Entries.Count(e => e.Level == LogLevel.Error && e.Message.Contains("in use")), Is.EqualTo(1), "said once");
    }

    [Test]
    public async Task Report_FileInUseAndBackendDown_FailureOfTheDroppedPointsSaysTheFileIsInUse()
    {
        await using var first = new EngineHarness(Offline(), backendName: "first");
        await first.Reporter.ReportNowAsync();

        // Without a LoggerFactory the error logged about the file goes nowhere: the failure must say why points were lost.
        await using var second = new EngineHarness(o => { Offline()(o); o.LoggerFactory = null; }, backendName: "second");
        second.Snapshots = Snap.Counters(2, "b");
        second.Backend.Respond = b => SendResult.Transient(b.Count, "down");
        await second.Reporter.ReportNowAsync();

        var drop = second.Failures.Single(f => f.Errors.Any(e => e.Contains("dropped", StringComparison.Ordinal)));
        Assert.That(drop.Failed, Is.EqualTo(2));
        Assert.That(drop.Errors.Single(e => e.Contains("dropped", StringComparison.Ordinal)), Does.Contain(DbPath + " is in use by another reporter"));
    }

    [Test]
    public async Task Start_FileFreedByAStoppedReporter_NextReporterUsesIt()
    {
        var first = new EngineHarness(Offline());
        first.Snapshots = Snap.Counters(2);
        first.Backend.Respond = b => SendResult.Transient(b.Count, "down");
        await first.Reporter.ReportNowAsync();
        await first.DisposeAsync();

        await using var second = new EngineHarness(Offline());
        await second.Reporter.ReportNowAsync();

        Assert.That(second.Accepted().Select(p => p.Metric), Is.EqualTo(new[] { "c0.count", "c1.count" }));
    }

    [Test]
    public async Task Report_ReadOnlyFileWithStoredPoints_RunsWithoutStorageInsteadOfResendingThemEveryReport()
    {
        var first = new EngineHarness(Offline());
        first.Snapshots = Snap.Counters(2, "old");
        first.Backend.Respond = b => SendResult.Transient(b.Count, "down");
        await first.Reporter.ReportNowAsync();
        await first.DisposeAsync();

        if (!MakeReadOnly(DbPath))
        {
            Assert.Ignore("this file system cannot make the file read-only for this user");
        }

        try
        {
            await using var second = new EngineHarness(Offline());
            second.Snapshots = Snap.Counters(1, "new");
            await second.Reporter.ReportNowAsync();
            await second.Reporter.ReportNowAsync();

            Assert.That(second.Accepted().Select(p => p.Metric), Is.EqualTo(new[] { "new0.count", "new0.count" }), "stored points that cannot be deleted once sent are not sent at every report");
            Assert.That(second.Log.Entries, Has.Some.Matches<(LogLevel Level, string Message)>(e => e.Level == LogLevel.Error && e.Message.Contains("read-only") && e.Message.Contains(DbPath)));
        }
        finally
        {
            MakeWritable(DbPath);
        }

        await using var third = new EngineHarness(Offline());
        await third.Reporter.ReportNowAsync();
        Assert.That(third.Accepted().Select(p => p.Metric), Is.EqualTo(new[] { "old0.count", "old1.count" }), "kept for when the file can be written again");
    }

    [Test]
    public async Task Replay_FileStopsTakingWritesWhileOpen_ReplayedPointsAreNotSentAgainAndLeaveOnceItDoes()
    {
        await using var h = new EngineHarness(Offline());
        h.Snapshots = Snap.Counters(2, "old");
        h.Backend.Then(b => SendResult.Transient(b.Count, "down"));
        await h.Reporter.ReportNowAsync();
        Assert.That(h.Reporter.Status.StoredPoints, Is.EqualTo(2));
        h.Snapshots = [];

        // As on a full disk: the open file can still be read, but deleting the replayed rows fails.
        var files = new[] { DbPath, DbPath + "-wal" }.Where(File.Exists).ToArray();
        if (!files.All(f => MakeReadOnly(f)))
        {
            files.ToList().ForEach(MakeWritable);
            Assert.Ignore("this file system cannot make the file read-only for this user");
        }

        try
        {
            await h.Reporter.ReportNowAsync();
            await h.Reporter.ReportNowAsync();
            Assert.That(h.Accepted().Select(p => p.Metric), Is.EqualTo(new[] { "old0.count", "old1.count" }), "sent once, not at every report");
        }
        finally
        {
            files.ToList().ForEach(MakeWritable);
        }

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Reporter.Status.StoredPoints, Is.Zero, "deleted once the file takes writes again");
        Assert.That(h.Accepted().Select(p => p.Metric), Is.EqualTo(new[] { "old0.count", "old1.count" }));
    }

    // The read-only attribute takes away write permission, except for root, whose writes only an immutable file (chattr +i) refuses.
    private static bool MakeReadOnly(string path)
    {
        File.SetAttributes(path, FileAttributes.ReadOnly);
        if (!CanWrite(path))
        {
            return true;
        }

        return Run("chattr", "+i", path) && !CanWrite(path);
    }

    private static void MakeWritable(string path)
    {
        Run("chattr", "-i", path);
        File.SetAttributes(path, FileAttributes.Normal);
    }

    private static bool CanWrite(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            return true;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }

    private static bool Run(string tool, params string[] args)
    {
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(tool, args) { RedirectStandardError = true, RedirectStandardOutput = true });
            process!.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
