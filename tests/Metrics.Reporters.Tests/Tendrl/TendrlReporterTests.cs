using System.Collections.Concurrent;
using System.Text.Json;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Tendrl;

/// <summary>A <see cref="TendrlReporter"/> against an in-test agent on a Unix socket.</summary>
public class TendrlReporterTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private readonly ConcurrentQueue<ReportFailure> _failures = new();
    private readonly List<Reporter> _reporters = new();
    private TendrlAgentServer _agent = null!;
    private ManualTimeProvider _time = null!;
    private MetricsRegistry _registry = null!;
    private string _folder = null!;

    [SetUp]
    public void SetUp()
    {
        _failures.Clear();
        _agent = TendrlAgentServer.Start();
        _time = new ManualTimeProvider(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));
        _registry = new MetricsRegistry(new MetricsOptions { TimeProvider = _time });
        _folder = Path.Combine(Path.GetTempPath(), "metrics-tendrl-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
    }

    [TearDown]
    public async Task TearDownAsync()
    {
        foreach (var reporter in _reporters)
        {
            await reporter.StopAsync().WaitAsync(Limit);
            reporter.Dispose();
        }

        _reporters.Clear();
        await _agent.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task ReportNowAsync_CounterMeterAndHistogram_EveryPointArrivesAndDecodes()
    {
        _registry.Counter("orders").Inc(3);
        _registry.Meter("requests").Mark(2);
        var sizes = _registry.Histogram("sizes");
        sizes.Update(10);
        sizes.Update(30);
        var reporter = Create();

        await reporter.ReportNowAsync().WaitAsync(Limit);

        var sent = SelfCounter(reporter, "metrics.reporter.points.sent");
        var messages = await _agent.WaitForMessagesAsync((int)sent, Limit);
        var values = messages.ToDictionary(m => Data(m).GetProperty("metric").GetString()!, m => Data(m).GetProperty("value").GetDouble());
        Assert.That(values, Has.Count.EqualTo(sent), "one message per point, each point once");
        Assert.That(values["orders.count"], Is.EqualTo(3));
        Assert.That(values["requests.count"], Is.EqualTo(2));
        Assert.That(values, Does.ContainKey("requests.mean_rate"));
        Assert.That(values["sizes.count"], Is.EqualTo(2));
        Assert.That(values["sizes.min"], Is.EqualTo(10));
        Assert.That(values["sizes.max"], Is.EqualTo(30));
        Assert.That(values["sizes.avg"], Is.EqualTo(20));
        Assert.That(messages.Select(m => m.GetProperty("msg_type").GetString()), Is.All.EqualTo("publish"));
        Assert.That(messages.Select(m => m.GetProperty("timestamp").GetString()), Is.All.EqualTo("2026-11-22T10:00:00.000Z"));
        Assert.That(_failures, Is.Empty);
    }

    [Test]
    public async Task ReportNowAsync_PointReporterAndGlobalTagsWithPrefix_MergedIntoDataTags()
    {
        _registry = new MetricsRegistry(new MetricsOptions { TimeProvider = _time, GlobalTags = new Tags(("env", "prod"), ("region", "us")) });
        _registry.Counter("orders", new Tags(("region", "eu"))).Inc();
        var reporter = Create(o =>
        {
            o.Prefix = "shop.";
            o.Tags = new Tags(("service", "checkout"));
            o.Entity = "web-1";
            o.MessageTags = ["metrics"];
        });

        await reporter.ReportNowAsync().WaitAsync(Limit);

        var message = (await _agent.WaitForMessagesAsync(1, Limit)).Single();
        Assert.That(Data(message).GetProperty("metric").GetString(), Is.EqualTo("shop.orders.count"));
        var tags = Data(message).GetProperty("tags").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.That(tags, Is.EqualTo(new Dictionary<string, string?> { ["env"] = "prod", ["region"] = "eu", ["service"] = "checkout" }));
        Assert.That(message.GetProperty("dest").GetString(), Is.EqualTo("web-1"));
        Assert.That(message.GetProperty("context").GetProperty("tags").EnumerateArray().Select(t => t.GetString()), Is.EqualTo(new[] { "metrics" }));
    }

    [Test]
    public async Task ReportNowAsync_WaitForResponse_EveryMessageAnsweredAndSucceeded()
    {
        for (var i = 0; i < 5; i++)
        {
            _registry.Counter($"c{i}").Inc(i);
        }

        var reporter = Create(o => o.WaitForResponse = true);

        await reporter.ReportNowAsync().WaitAsync(Limit);

        Assert.That(_agent.Messages, Has.Count.EqualTo(5), "the send returned only once every message was answered");
        Assert.That(_agent.AnswerCount, Is.EqualTo(5));
        Assert.That(_agent.Messages.Select(m => m.GetProperty("context").GetProperty("wait").GetBoolean()), Is.All.True);
        Assert.That(SelfCounter(reporter, "metrics.reporter.points.succeeded"), Is.EqualTo(5));
        Assert.That(_failures, Is.Empty);
    }

    [Test]
    public async Task AgentError_WithoutWait_ReachesErrorHandlerWithTheAgentsMessageAndCounts()
    {
        _registry.Counter("orders").Inc();
        _agent.Refuse = _ => "Entity not found: web-9";
        var reporter = Create(o => o.Entity = "web-9");

        await reporter.ReportNowAsync().WaitAsync(Limit);

        await WaitUntilAsync(() => !_failures.IsEmpty, "the agent's error to reach the error handler");
        Assert.That(_failures, Has.Count.EqualTo(1), () => string.Join(" / ", _failures));
        var failure = _failures.Single();
        Assert.That(failure.Reporter, Is.EqualTo(reporter.Name));
        Assert.That(failure.Failed, Is.EqualTo(1));
        Assert.That(failure.Errors.Single(), Is.EqualTo("Tendrl agent answered: Entity not found: web-9"));
        await WaitUntilAsync(() => SelfCounter(reporter, "metrics.reporter.points.failed") == 1, "the error to be counted");
    }

    [Test]
    public async Task AgentError_WithWait_ThatPointFailsWithTheMessageAndTheOthersSucceed()
    {
        _registry.Counter("good").Inc();
        _registry.Counter("bad").Inc();
        _agent.Refuse = m => Data(m).GetProperty("metric").GetString() == "bad.count" ? "Invalid data" : null;
        var reporter = Create(o => o.WaitForResponse = true);

        await reporter.ReportNowAsync().WaitAsync(Limit);

        Assert.That(_failures, Has.Count.EqualTo(1), () => string.Join(" / ", _failures));
        var failure = _failures.Single();
        Assert.That((failure.Succeeded, failure.Failed), Is.EqualTo((1L, 1L)));
        Assert.That(failure.Errors.Single(), Is.EqualTo("The Tendrl agent refused bad.count: Invalid data"));
        Assert.That(SelfCounter(reporter, "metrics.reporter.points.succeeded"), Is.EqualTo(1));
        Assert.That(SelfCounter(reporter, "metrics.reporter.points.failed"), Is.EqualTo(1));
        Assert.That(SelfCounter(reporter, "metrics.reporter.points.sent"), Is.EqualTo(2), "a refused point is not retried");
    }

    [Test]
    public async Task ConnectionClosedMidBatch_WithWaitAndRetry_RestResentAndNothingDoubled()
    {
        for (var i = 0; i < 5; i++)
        {
            _registry.Counter($"c{i}").Inc();
        }

        var reporter = Create(o =>
        {
            o.WaitForResponse = true;
            o.Retry = new RetryOptions { MaxRetries = 1, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero, UseJitter = false };
        });
        _agent.CloseAfter(2);

        await reporter.ReportNowAsync().WaitAsync(Limit);

        var metrics = _agent.Messages.Select(m => Data(m).GetProperty("metric").GetString()).ToList();
        Assert.That(metrics, Is.EquivalentTo(new[] { "c0.count", "c1.count", "c2.count", "c3.count", "c4.count" }), "each point once: the two answered before the close are not sent again");
        Assert.That(_agent.ConnectionCount, Is.EqualTo(2));
        Assert.That(SelfCounter(reporter, "metrics.reporter.points.succeeded"), Is.EqualTo(5));
        Assert.That(_failures, Is.Empty);
    }

    [Test]
    public async Task ConnectionClosedMidBatch_WithWaitAndOfflineStorage_BatchFailsThenReplayedWithoutDoubles()
    {
        for (var i = 0; i < 5; i++)
        {
            _registry.Counter($"c{i}").Inc();
        }

        var reporter = Create(o =>
        {
            o.WaitForResponse = true;
            o.OfflineStorage = new OfflineStorageOptions { Path = Path.Combine(_folder, "offline.db") };
        });
        _agent.CloseAfter(2);

        await reporter.ReportNowAsync().WaitAsync(Limit);

        Assert.That(_failures, Has.Count.EqualTo(1), () => string.Join(" / ", _failures));
        var failure = _failures.Single();
        Assert.That(failure.Failed, Is.EqualTo(5), "a closed connection fails the batch, never a silent success");
        Assert.That(failure.Errors[0], Does.Contain("closed after 2 of 5 answers"));
        Assert.That(reporter.Status.StoredPoints, Is.EqualTo(5));

        _time.Advance(TimeSpan.FromSeconds(10));
        await reporter.ReportNowAsync().WaitAsync(Limit);

        var first = _agent.Messages.Where(m => m.GetProperty("timestamp").GetString() == "2026-11-22T10:00:00.000Z").Select(m => Data(m).GetProperty("metric").GetString());
        Assert.That(first, Is.EquivalentTo(new[] { "c0.count", "c1.count", "c2.count", "c3.count", "c4.count" }), "the first report's points each arrived once");
        Assert.That(_agent.Messages, Has.Count.EqualTo(10), "and the second report's five");
        Assert.That(reporter.Status.StoredPoints, Is.Zero);
    }

    [Test]
    public async Task ConnectionClosedMidBatch_WithWaitNoRetryNoStorage_TheSamePointsReportedAgainAreAllSent()
    {
        for (var i = 0; i < 5; i++)
        {
            _registry.Counter($"c{i}").Inc();
        }

        var reporter = Create(o => o.WaitForResponse = true);
        _agent.CloseAfter(2);
        await reporter.ReportNowAsync().WaitAsync(Limit);
        Assert.That(_failures.Single().Errors[0], Does.Contain("(2 answered before; they are not sent again)"), "no retry and no offline storage: the failed batch is dropped");
        _agent.Clear();

        // The same points again (the clock did not move): a new batch, not a retry of the dropped one.
        await reporter.ReportNowAsync().WaitAsync(Limit);

        var metrics = _agent.Messages.Select(m => Data(m).GetProperty("metric").GetString());
        Assert.That(metrics, Is.EquivalentTo(new[] { "c0.count", "c1.count", "c2.count", "c3.count", "c4.count" }), "the two answered in the dropped batch are sent too");
        Assert.That(reporter.Backend.Settled, Is.Zero, "nothing remembered for a batch that cannot come back");
    }

    [Test]
    public async Task ConnectionClosedMidBatch_WithWaitAndOfflineStorage_AnsweredPointsForgottenOnceTheStoredBatchExpired()
    {
        for (var i = 0; i < 5; i++)
        {
            _registry.Counter($"c{i}").Inc();
        }

        var reporter = Create(o =>
        {
            o.WaitForResponse = true;
            o.ConnectTimeout = TimeSpan.FromSeconds(1);
            o.RequestTimeout = TimeSpan.FromSeconds(1);
            o.OfflineStorage = new OfflineStorageOptions { Path = Path.Combine(_folder, "offline.db"), Ttl = TimeSpan.FromMinutes(1) };
        });
        _agent.CloseAfter(2);
        await reporter.ReportNowAsync().WaitAsync(Limit);
        Assert.That(reporter.Backend.Settled, Is.EqualTo(2), "the two answered before the close are remembered while the batch is stored");

        _time.Advance(TimeSpan.FromMinutes(2));
        await reporter.ReportNowAsync().WaitAsync(Limit);

        Assert.That(reporter.Status.StoredPoints, Is.Zero, "the stored batch expired");
        Assert.That(reporter.Backend.Settled, Is.Zero, "its answered points are forgotten with it");
    }

    [Test]
    public async Task ConnectionClosedMidBatch_AnswersEndWithANewline_FailureSaysHowManyCameWithoutAnAnswerCutShort()
    {
        for (var i = 0; i < 5; i++)
        {
            _registry.Counter($"c{i}").Inc();
        }

        var reporter = Create(o => o.WaitForResponse = true);
        _agent.AnswerSuffix = "\n";
        _agent.CloseAfter(2);

        await reporter.ReportNowAsync().WaitAsync(Limit);

        var error = _failures.Single().Errors[0];
        Assert.That(error, Does.Contain("closed after 2 of 5 answers."));
        Assert.That(error, Does.Not.Contain("in the middle of an answer"), "the white space after the last answer is no answer cut short");
    }

    [Test]
    public async Task ConnectionClosedMidBatch_WithWaitOfflineStorageAndTaggedPoints_ReplayedWithoutDoubles()
    {
        for (var i = 0; i < 5; i++)
        {
            _registry.Counter($"c{i}", new Tags(("zone", "b"), ("app", "shop"), ("n", i.ToString(System.Globalization.CultureInfo.InvariantCulture)))).Inc(i + 1);
        }

        var reporter = Create(o =>
        {
            o.WaitForResponse = true;
            o.Tags = new Tags(("host", "web-1"));
            o.OfflineStorage = new OfflineStorageOptions { Path = Path.Combine(_folder, "offline.db") };
        });
        _agent.CloseAfter(2);
        await reporter.ReportNowAsync().WaitAsync(Limit);
        Assert.That(reporter.Status.StoredPoints, Is.EqualTo(5));

        _time.Advance(TimeSpan.FromSeconds(10));
        await reporter.ReportNowAsync().WaitAsync(Limit);

        var first = _agent.Messages.Where(m => m.GetProperty("timestamp").GetString() == "2026-11-22T10:00:00.000Z").Select(m => Data(m).GetProperty("metric").GetString());
        Assert.That(first, Is.EquivalentTo(new[] { "c0.count", "c1.count", "c2.count", "c3.count", "c4.count" }), "each stored point once, tags and all");
        Assert.That(reporter.Status.StoredPoints, Is.Zero);
        Assert.That(reporter.Backend.Settled, Is.Zero);
    }

    [Test]
    public async Task AgentDown_OfflineStorage_KeepsPointsAndDeliversThemWhenItIsBack()
    {
        _registry.Counter("orders").Inc(4);
        var reporter = Create(o => o.OfflineStorage = new OfflineStorageOptions { Path = Path.Combine(_folder, "offline.db") });
        _agent.RefuseConnections();

        await reporter.ReportNowAsync().WaitAsync(Limit);

        Assert.That(_failures, Has.Count.EqualTo(1), () => string.Join(" / ", _failures));
        Assert.That(_failures.Single().Errors[0], Does.Contain("Cannot connect to the Tendrl agent at " + _agent.SocketPath));
        Assert.That(reporter.Status.StoredPoints, Is.EqualTo(1));

        _agent.AcceptConnections();
        _time.Advance(TimeSpan.FromSeconds(10));
        await reporter.ReportNowAsync().WaitAsync(Limit);

        var messages = await _agent.WaitForMessagesAsync(2, Limit);
        Assert.That(messages.Select(m => m.GetProperty("timestamp").GetString()), Is.EquivalentTo(new[] { "2026-11-22T10:00:00.000Z", "2026-11-22T10:00:10.000Z" }));
        Assert.That(messages.Select(m => Data(m).GetProperty("value").GetDouble()), Is.All.EqualTo(4));
        Assert.That(reporter.Status.StoredPoints, Is.Zero);
    }

    [TestCase("missing", "there is no such file")]
    [TestCase("file", "it is not a socket, or no agent listens on it (connection refused)")]
    [TestCase("folder", "it is a folder, not a socket")]
    public async Task ReportNowAsync_SocketPathNotAnAgentsSocket_FailureNamesThePathWhatIsWrongAndTendrlSocket(string kind, string expected)
    {
        var path = Path.Combine(_folder, "agent.sock");
        if (kind == "file")
        {
            await File.WriteAllTextAsync(path, "not a socket");
        }
        else if (kind == "folder")
        {
            Directory.CreateDirectory(path);
        }

        _registry.Counter("orders").Inc();
        var reporter = Create(o => o.SocketPath = path);

        await reporter.ReportNowAsync().WaitAsync(Limit);

        var error = _failures.Single().Errors[0];
        Assert.That(error, Does.Contain($"Cannot connect to the Tendrl agent at {path}: {expected}."));
        Assert.That(error, Does.Contain("Is the Tendrl agent running, and is SocketPath (or the TENDRL_SOCKET environment variable) the socket it listens on?"));
        Assert.That(error, Does.Not.Contain("Cannot assign requested address"));
    }

    [Test]
    public async Task AgentClosedTheConnectionBetweenReports_NextSendReconnects()
    {
        var counter = _registry.Counter("orders");
        counter.Inc();
        var reporter = Create();
        await reporter.ReportNowAsync().WaitAsync(Limit);
        await _agent.WaitForMessagesAsync(1, Limit);

        _agent.DropConnections();
        await WaitUntilAsync(() => !reporter.Backend.Transport.IsConnected, "the reporter to see the close");
        counter.Inc();
        await reporter.ReportNowAsync().WaitAsync(Limit);

        var messages = await _agent.WaitForMessagesAsync(2, Limit);
        Assert.That(Data(messages[1]).GetProperty("value").GetDouble(), Is.EqualTo(2));
        Assert.That(_agent.ConnectionCount, Is.EqualTo(2));
        Assert.That(_failures, Is.Empty);
    }

    [Test]
    public async Task WaitForResponse_AgentStopsAnswering_FailsAfterRequestTimeoutAsTransient()
    {
        _registry.Counter("orders").Inc();
        _agent.Mute(true);
        var reporter = Create(o =>
        {
            o.WaitForResponse = true;
            o.RequestTimeout = TimeSpan.FromSeconds(20);
        });

        var report = reporter.ReportNowAsync();
        await _agent.WaitForMessagesAsync(1, Limit);
        _time.Advance(TimeSpan.FromSeconds(20));
        await report.WaitAsync(Limit);

        Assert.That(_failures, Has.Count.EqualTo(1), () => string.Join(" / ", _failures));
        var failure = _failures.Single();
        Assert.That(failure.Failed, Is.EqualTo(1));
        Assert.That(failure.Errors[0], Does.Contain("did not take the data and answer within 00:00:20 (RequestTimeout): 0 of 1 answers came").And.Contain("give it a longer RequestTimeout"));
        Assert.That(failure.Errors[0], Does.Not.Contain("answered before"), "none was");
        Assert.That(reporter.Status.Dropped, Is.EqualTo(1), "no retry and no offline storage here: dropped and counted");
    }

    [Test]
    public async Task WithoutWait_AgentStopsReading_FailsAfterRequestTimeoutWithoutTalkOfAnswers()
    {
        for (var i = 0; i < 20_000; i++)
        {
            _registry.Counter("a.counter.with.a.name.long.enough.to.fill.the.socket.buffers." + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        }

        _agent.Stall(true);
        var reporter = Create(o =>
        {
            o.BatchSize = 20_000;
            o.RequestTimeout = TimeSpan.FromSeconds(20);
        });

        var report = reporter.ReportNowAsync();
        var deadline = DateTime.UtcNow + Limit;
        while (!report.IsCompleted && DateTime.UtcNow < deadline)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            await Task.WhenAny(report, Task.Delay(10));
        }

        await report.WaitAsync(Limit);
        var error = _failures.Single().Errors[0];
        Assert.That(error, Does.Contain($"the Tendrl agent at {_agent.SocketPath} did not take the data within 00:00:20 (RequestTimeout)"));
        Assert.That(error, Does.Not.Contain("answers came"), "no answer was asked for");
    }

    [Test]
    public async Task WithoutWait_AgentClosesWhileABigBatchIsWritten_BatchRetriedWholeSoTheMessagesItReadArriveTwice()
    {
        for (var i = 0; i < 20_000; i++)
        {
            _registry.Counter("a.counter.with.a.name.long.enough.to.fill.the.socket.buffers." + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        }

        var reporter = Create(o =>
        {
            o.BatchSize = 20_000;
            o.Retry = new RetryOptions { MaxRetries = 1, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero, UseJitter = false };
        });
        _agent.CloseAfter(2);

        await reporter.ReportNowAsync().WaitAsync(Limit);

        var messages = await _agent.WaitForMessagesAsync(20_002, Limit);
        Assert.That(messages, Has.Count.EqualTo(20_002), "the two read before the close, then the whole batch again");
        Assert.That(messages.Select(m => Data(m).GetProperty("metric").GetString()).Distinct().Count(), Is.EqualTo(20_000), "every point arrived");
        Assert.That(_agent.ConnectionCount, Is.EqualTo(2));
    }

    [Test]
    public async Task WithoutWait_AgentClosesWhileABigBatchIsWritten_FailureNamesTheAgentAndSaysTheNextSendReconnects()
    {
        for (var i = 0; i < 20_000; i++)
        {
            _registry.Counter("a.counter.with.a.name.long.enough.to.fill.the.socket.buffers." + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        }

        var reporter = Create(o => o.BatchSize = 20_000);
        _agent.CloseAfter(2);

        await reporter.ReportNowAsync().WaitAsync(Limit);

        var error = _failures.Single().Errors[0];
        Assert.That(error, Does.Contain($"Writing to the Tendrl agent at {_agent.SocketPath} failed"));
        Assert.That(error, Does.Contain("the next send reconnects"));
    }

    [Test]
    public async Task StopAsync_AfterStart_FlushesTheFinalReport()
    {
        _registry.Counter("orders").Inc(9);
        var reporter = Create(o => o.WaitForResponse = true);
        reporter.Start();

        await reporter.StopAsync().WaitAsync(Limit);

        var message = _agent.Messages.Single(m => Data(m).GetProperty("metric").GetString() == "orders.count");
        Assert.That(Data(message).GetProperty("value").GetDouble(), Is.EqualTo(9));
    }

    [Test]
    public async Task StopAsync_AgentDownWithOfflineStorage_FinalReportKeptAndSentOnceByTheNextReporterWhenTheAgentIsBack()
    {
        var storage = Path.Combine(_folder, "offline.db");
        _registry.Counter("orders", new Tags(("region", "eu"))).Inc(7);
        _agent.RefuseConnections();
        var first = Create(o => o.OfflineStorage = new OfflineStorageOptions { Path = storage });
        first.Start();

        await first.StopAsync().WaitAsync(Limit);

        Assert.That(first.Status.StoredPoints, Is.EqualTo(1), "the final report is kept while the agent is down");
        Assert.That(_agent.Messages, Is.Empty);

        // The application restarts: a new reporter on the same storage, the agent back, ten seconds later.
        _agent.AcceptConnections();
        _time.Advance(TimeSpan.FromSeconds(10));
        var second = Create(o => o.OfflineStorage = new OfflineStorageOptions { Path = storage });
        await second.ReportNowAsync().WaitAsync(Limit);

        var messages = await _agent.WaitForMessagesAsync(2, Limit);
        Assert.That(messages.Select(m => m.GetProperty("timestamp").GetString()), Is.EquivalentTo(new[] { "2026-11-22T10:00:00.000Z", "2026-11-22T10:00:10.000Z" }), "the kept point once, then the new report's");
        Assert.That(messages.Select(m => Data(m).GetProperty("tags").GetProperty("region").GetString()), Is.All.EqualTo("eu"), "the kept point keeps its tags");
        Assert.That(messages.Select(m => Data(m).GetProperty("value").GetDouble()), Is.All.EqualTo(7));
        Assert.That(second.Status.StoredPoints, Is.Zero);
    }

    [Test]
    public async Task StopAsync_WaitForResponseAgentStopsAnswering_EndsAtStopTimeoutAndTheBatchIsKept()
    {
        var storage = Path.Combine(_folder, "offline.db");
        for (var i = 0; i < 3; i++)
        {
            _registry.Counter($"c{i}").Inc();
        }

        _agent.Mute(true);
        var reporter = Create(o =>
        {
            o.WaitForResponse = true;
            o.StopTimeout = TimeSpan.FromSeconds(5);
            o.RequestTimeout = TimeSpan.FromSeconds(30);
            o.OfflineStorage = new OfflineStorageOptions { Path = storage };
        });
        reporter.Start();

        // The final report's messages are read and never answered; the clock reaches StopTimeout, not RequestTimeout.
        var stop = reporter.StopAsync();
        await _agent.WaitForMessagesAsync(3, Limit);
        var advanced = await AdvanceUntilDoneAsync(stop);

        Assert.That(stop.IsCompleted, Is.True, "the stop ends at StopTimeout though the agent never answers");
        await stop;
        Assert.That(reporter.Status.StoredPoints, Is.EqualTo(3), "the unanswered batch is kept for the next run");
        Assert.That(reporter.Backend.Transport.IsConnected, Is.False, "the connection is closed");
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task StopAsync_AgentStopsReading_EndsAtStopTimeoutAndTheUnsentPointsAreKept(bool wait)
    {
        var storage = Path.Combine(_folder, "offline.db");
        for (var i = 0; i < 20_000; i++)
        {
            _registry.Counter("a.counter.with.a.name.long.enough.to.fill.the.socket.buffers." + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        }

        _agent.Stall(true);
        var reporter = Create(o =>
        {
            o.WaitForResponse = wait;
            o.BatchSize = 20_000;
            o.StopTimeout = TimeSpan.FromSeconds(5);
            o.OfflineStorage = new OfflineStorageOptions { Path = storage };
        });
        reporter.Start();

        // The final report's write backs up behind the agent that reads nothing; the clock reaches StopTimeout.
        var stop = reporter.StopAsync();
        var advanced = await AdvanceUntilDoneAsync(stop);

        await Task.WhenAny(stop, Task.Delay(Limit));
        Assert.That(stop.IsCompleted, Is.True, "the stop ends at StopTimeout though the write is stuck");
        await stop;
        Assert.That(reporter.Status.StoredPoints, Is.EqualTo(20_000), "the batch is kept for the next run");
        Assert.That(reporter.Backend.Transport.IsConnected, Is.False);
    }

    [Test]
    public async Task StopAsync_WithoutWaitAgentRefusesTheFinalReport_EveryErrorReachesTheHandlerBeforeStopReturns()
    {
        for (var i = 0; i < 2_000; i++)
        {
            _registry.Counter("c" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        }

        _agent.Refuse = _ => "Entity not found: web-9";
        var reporter = Create(o =>
        {
            o.Entity = "web-9";
            o.BatchSize = 2_000;
        });
        reporter.Start();

        await reporter.StopAsync().WaitAsync(Limit);

        Assert.That(_agent.Messages, Has.Count.EqualTo(2_000));
        Assert.That(_failures.Sum(f => f.Failed), Is.EqualTo(2_000), "the agent's error to every message of the final report reached the handler");
    }

    [Test]
    public async Task StopAsync_WithoutWaitAgentKeepsTheConnectionOpen_EndsAtStopTimeout()
    {
        _registry.Counter("orders").Inc();
        _agent.KeepOpenAtEndOfStream = true;
        var reporter = Create(o => o.StopTimeout = TimeSpan.FromSeconds(5));
        reporter.Start();

        // The final report is written; the agent never closes its side, so the clock has to reach StopTimeout.
        var stop = reporter.StopAsync();
        await _agent.WaitForMessagesAsync(1, Limit);
        var advanced = await AdvanceUntilDoneAsync(stop);

        Assert.That(stop.IsCompleted, Is.True, "the stop ends at StopTimeout though the agent keeps the connection open");
        await stop;
        Assert.That(advanced, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(5)), "it waited for the agent's last answers until then");
        Assert.That(reporter.Backend.Transport.IsConnected, Is.False);
        Assert.That(_failures, Is.Empty);
    }

    [Test]
    public async Task StopAsync_AgentUp_FinalReportArrivesOnceAndNothingIsKept()
    {
        var storage = Path.Combine(_folder, "offline.db");
        _registry.Counter("orders").Inc(2);
        var reporter = Create(o => o.OfflineStorage = new OfflineStorageOptions { Path = storage });
        reporter.Start();

        await reporter.StopAsync().WaitAsync(Limit);

        var messages = await _agent.WaitForMessagesAsync(1, Limit);
        Assert.That(messages.Select(m => Data(m).GetProperty("metric").GetString()), Is.EqualTo(new[] { "orders.count" }));
        Assert.That(reporter.Status.StoredPoints, Is.Zero);
        Assert.That(_failures, Is.Empty);
    }

    [Test]
    public async Task NonFiniteGauge_NotSent()
    {
        _registry.Gauge("ratio", () => double.NaN);
        _registry.Counter("orders").Inc();
        var reporter = Create();

        await reporter.ReportNowAsync().WaitAsync(Limit);

        var messages = await _agent.WaitForMessagesAsync(1, Limit);
        Assert.That(messages.Select(m => Data(m).GetProperty("metric").GetString()), Is.EqualTo(new[] { "orders.count" }));
    }

    private TendrlReporter Create(Action<TendrlReporterOptions>? configure = null)
    {
        var options = new TendrlReporterOptions
        {
            SocketPath = _agent.SocketPath,
            Retry = new RetryOptions { MaxRetries = 0 },
            ErrorHandler = _failures.Enqueue,
            Filter = s => !s.Name.StartsWith("metrics.", StringComparison.Ordinal),
        };
        configure?.Invoke(options);
        var reporter = new TendrlReporter(_registry, options);
        _reporters.Add(reporter);
        return reporter;
    }

    private static JsonElement Data(JsonElement message) => message.GetProperty("data");

    private static long SelfCounter(Reporter reporter, string name) => reporter.Registry.Counter(name, new Tags(("reporter", reporter.Name))).Count;

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}.");
            }

            await Task.Delay(10);
        }
    }

    // Moves the clock on a second at a time until `stop` ends (at most 25 s of clock, and Limit of real time), and
    // returns how far it moved.
    private async Task<TimeSpan> AdvanceUntilDoneAsync(Task stop)
    {
        var deadline = DateTime.UtcNow + Limit;
        var advanced = TimeSpan.Zero;
        while (!stop.IsCompleted && DateTime.UtcNow < deadline && advanced < TimeSpan.FromSeconds(25))
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            advanced += TimeSpan.FromSeconds(1);
            await Task.WhenAny(stop, Task.Delay(10));
        }

        return advanced;
    }
}
