using System.Collections.Concurrent;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Contract;

/// <summary>A point as a backend received it: the wire name, tags and value.</summary>
/// <param name="Metric">The name as sent (prefix and field included), e.g. <c>contract.orders.count</c>.</param>
/// <param name="Tags">The tags as sent.</param>
/// <param name="Value">The value as sent.</param>
public sealed record ReceivedPoint(string Metric, IReadOnlyDictionary<string, string> Tags, double Value);

/// <summary>
/// The behaviour every reporter shares, as one abstract NUnit fixture. A reporter's tests subclass it, implement
/// the abstract members (create the reporter, steer its backend, read what the backend received) and inherit every
/// test. Each test runs on a fresh <see cref="Registry"/> whose clock is <see cref="Time"/> (a manual clock):
/// nothing sleeps; retry backoff and intervals move when the tests advance it.
/// </summary>
/// <remarks>
/// <para>Only series named <c>contract.*</c> are reported in these tests (a <see cref="ReporterOptions.Filter"/> is
/// set), so self-metrics do not blur the counts; the self-metrics test reads them from the registry instead.</para>
/// <para>Example subclass: <c>ConsoleReporterContractTests</c>. For a network backend, start the in-test server in
/// <see cref="SetUpBackendAsync"/>, stop it in <see cref="TearDownBackendAsync"/>, and make <see cref="Received"/>
/// parse what the server recorded.</para>
/// </remarks>
public abstract class ReporterContract
{
    private readonly ConcurrentQueue<ReportFailure> _failures = new();
    private readonly List<Reporter> _reporters = new();
    private string _dir = null!;

    /// <summary>How long a test waits in real time for something that needs no clock.</summary>
    private static readonly TimeSpan RealTimeLimit = TimeSpan.FromSeconds(10);

    /// <summary>The registry's clock. Advance it to fire intervals and retry backoff.</summary>
    private protected ManualTimeProvider Time { get; private set; } = null!;

    /// <summary>The registry reported, fresh for each test.</summary>
    protected MetricsRegistry Registry { get; private set; } = null!;

    /// <summary>Every failure passed to the error handler of reporters created by <see cref="Create"/>.</summary>
    protected IReadOnlyList<ReportFailure> Failures => _failures.ToArray();

    /// <summary>A temporary folder for this test (offline storage files), deleted afterwards.</summary>
    protected string TempFolder => _dir;

    /// <summary>
    /// Creates the reporter under test over <paramref name="registry"/>, with its own options class. Call
    /// <paramref name="configure"/> on those options before building the reporter: it sets the common options the
    /// test needs (interval, retry, queue, offline storage, error handler, filter, name). Every reporter created
    /// in one test must talk to the same backend (one server, one fake), so <see cref="Received"/> sees them all.
    /// </summary>
    protected abstract Reporter CreateReporter(MetricsRegistry registry, Action<ReporterOptions> configure);

    /// <summary>From now on the backend accepts everything (the default at the start of each test).</summary>
    protected abstract void BackendSucceeds();

    /// <summary>From now on the backend fails in a way worth retrying (connection refused, HTTP 5xx, an I/O error).</summary>
    protected abstract void BackendFailsTransiently();

    /// <summary>From now on the backend fails in a way retrying cannot fix (HTTP 400/401, a closed writer).</summary>
    protected abstract void BackendFailsPermanently();

    /// <summary>Every point the backend accepted so far, in arrival order, parsed from what it received.</summary>
    protected abstract IReadOnlyList<ReceivedPoint> Received();

    /// <summary>The wire name of counter <paramref name="name"/>'s count. Default <c>name + ".count"</c>.</summary>
    protected virtual string CounterPointName(string name) => name + ".count";

    /// <summary>Starts servers or fakes before each test. Default: nothing.</summary>
    protected virtual Task SetUpBackendAsync() => Task.CompletedTask;

    /// <summary>Stops servers after each test (after every reporter was stopped). Default: nothing.</summary>
    protected virtual Task TearDownBackendAsync() => Task.CompletedTask;

    [SetUp]
    public async Task ContractSetUpAsync()
    {
        Time = new ManualTimeProvider();
        Registry = new MetricsRegistry(new MetricsOptions { TimeProvider = Time });
        _failures.Clear();
        _dir = Path.Combine(Path.GetTempPath(), "metrics-contract-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        await SetUpBackendAsync();
        BackendSucceeds();
    }

    [TearDown]
    public async Task ContractTearDownAsync()
    {
        foreach (var reporter in _reporters)
        {
            await DriveAsync(reporter.StopAsync());
            reporter.Dispose();
        }

        _reporters.Clear();
        await TearDownBackendAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Test]
    public async Task ReportNowAsync_Counter_BackendReceivesItsCount()
    {
        Registry.Counter("contract.orders").Inc(3);
        var reporter = Create();

        await DriveAsync(reporter.ReportNowAsync());

        var point = (await WaitForAsync(CounterPointName("contract.orders"), 1)).Single();
        Assert.That(point.Value, Is.EqualTo(3));
    }

    [Test]
    public async Task Start_IntervalElapses_ReportsOnEachInterval()
    {
        var counter = Registry.Counter("contract.ticks");
        var reporter = Create(o => o.Interval = TimeSpan.FromSeconds(30));
        reporter.Start();

        counter.Inc();
        Time.Advance(TimeSpan.FromSeconds(30));
        await WaitForAsync(CounterPointName("contract.ticks"), 1);
        counter.Inc();
        Time.Advance(TimeSpan.FromSeconds(30));

        var points = await WaitForAsync(CounterPointName("contract.ticks"), 2);
        Assert.That(points.Select(p => p.Value), Is.EqualTo(new double[] { 1, 2 }));
        Assert.That(reporter.Status.Running, Is.True);
    }

    [Test]
    public async Task StopAsync_AfterStart_FlushesAFinalReportOnce()
    {
        Registry.Counter("contract.final").Inc(7);
        var reporter = Create();
        reporter.Start();

        // A healthy backend needs no clock: not advancing it keeps the 5 s stop timeout from cutting the flush short.
        await reporter.StopAsync().WaitAsync(RealTimeLimit);
        await reporter.StopAsync().WaitAsync(RealTimeLimit);

        var points = await WaitForAsync(CounterPointName("contract.final"), 1);
        Assert.That(points.Single().Value, Is.EqualTo(7));
        Assert.That(reporter.Status.Running, Is.False);
    }

    [Test]
    public async Task Dispose_AfterStart_FlushesAFinalReportLikeStop()
    {
        Registry.Counter("contract.disposed").Inc(6);
        var reporter = Create();
        reporter.Start();

        await Task.Run(reporter.Dispose).WaitAsync(RealTimeLimit);
        reporter.Dispose();

        var points = await WaitForAsync(CounterPointName("contract.disposed"), 1);
        Assert.That(points.Single().Value, Is.EqualTo(6));
        Assert.That(reporter.Status.Running, Is.False);
    }

    [Test]
    public async Task StopAsync_BackendDownWithLongRetries_FinishesWithinStopTimeoutAndCountsTheLoss()
    {
        Registry.Counter("contract.down").Inc();
        var reporter = Create(o =>
        {
            o.Retry = new RetryOptions { MaxRetries = 10, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(30), UseJitter = false };
            o.StopTimeout = TimeSpan.FromSeconds(5);
        });
        reporter.Start();
        BackendFailsTransiently();
        var before = Time.GetUtcNow();

        await DriveAsync(reporter.StopAsync());

        // The retries alone would take over 15 minutes; the stop gives up at its 5 s deadline (plus one clock step).
        Assert.That(Time.GetUtcNow() - before, Is.LessThanOrEqualTo(TimeSpan.FromSeconds(6)));
        Assert.That(reporter.Status.Dropped, Is.EqualTo(1), "no offline storage: the point is dropped and counted");
        Assert.That(Received().Where(p => p.Metric == CounterPointName("contract.down")), Is.Empty);
    }

    [Test]
    public async Task ErrorHandler_PermanentFailure_CalledWithFailedCountAndNotRetried()
    {
        Registry.Counter("contract.a").Inc();
        Registry.Counter("contract.b").Inc();
        var reporter = Create(o => o.Retry = new RetryOptions { MaxRetries = 3, BaseDelay = TimeSpan.FromSeconds(1), UseJitter = false });
        BackendFailsPermanently();

        await DriveAsync(reporter.ReportNowAsync());

        Assert.That(Failures, Is.Not.Empty);
        Assert.That(Failures.Sum(f => f.Failed), Is.EqualTo(2));
        Assert.That(Failures.All(f => f.Reporter == reporter.Name), Is.True);
        Assert.That(SelfCounter(reporter, "metrics.reporter.points.sent"), Is.EqualTo(2), "one attempt only");
        Assert.That(reporter.Status.Dropped, Is.EqualTo(2));
    }

    [Test]
    public async Task Retry_TransientFailure_RetriedThenReportedOnce()
    {
        Registry.Counter("contract.retry").Inc();
        var reporter = Create(o => o.Retry = new RetryOptions { MaxRetries = 2, BaseDelay = TimeSpan.FromSeconds(1), UseJitter = false });
        BackendFailsTransiently();

        await DriveAsync(reporter.ReportNowAsync());

        Assert.That(SelfCounter(reporter, "metrics.reporter.points.sent"), Is.EqualTo(3), "first attempt and two retries");
        Assert.That(Failures, Has.Count.EqualTo(1));
        Assert.That(Failures[0].Failed, Is.EqualTo(1));
        Assert.That(reporter.Status.Dropped, Is.EqualTo(1));
    }

    [Test]
    public async Task Retry_BackendRecoversDuringBackoff_PointIsDelivered()
    {
        Registry.Counter("contract.recover").Inc(5);
        var reporter = Create(o => o.Retry = new RetryOptions { MaxRetries = 3, BaseDelay = TimeSpan.FromSeconds(2), UseJitter = false });
        BackendFailsTransiently();

        var report = reporter.ReportNowAsync();
        await WaitUntilAsync(() => SelfCounter(reporter, "metrics.reporter.points.sent") >= 1, "the first attempt");
        BackendSucceeds();
        await DriveAsync(report);

        var point = (await WaitForAsync(CounterPointName("contract.recover"), 1)).Single();
        Assert.That(point.Value, Is.EqualTo(5));
        Assert.That(Failures, Is.Empty);
    }

    [Test]
    public async Task Queue_MorePointsThanMaxQueueSize_DropsOldestAndCounts()
    {
        for (var i = 0; i < 10; i++)
        {
            Registry.Counter($"contract.q{i}").Inc();
        }

        var reporter = Create(o => o.MaxQueueSize = 4);

        await DriveAsync(reporter.ReportNowAsync());

        await WaitForAsync(p => p.Metric.StartsWith("contract.q", StringComparison.Ordinal), 4);
        Assert.That(reporter.Status.Dropped, Is.EqualTo(6));
        Assert.That(SelfCounter(reporter, "metrics.reporter.points.dropped"), Is.EqualTo(6));
        Assert.That(reporter.Status.QueueCapacity, Is.EqualTo(4));
    }

    [Test]
    public async Task OfflineStorage_BackendDownThenRestart_NewReporterDeliversStoredPoints()
    {
        var path = Path.Combine(TempFolder, "offline.db");
        Registry.Counter("contract.stored").Inc(11);
        var first = Create(o => o.OfflineStorage = new OfflineStorageOptions { Path = path });
        BackendFailsTransiently();
        await DriveAsync(first.ReportNowAsync());
        Assert.That(first.Status.StoredPoints, Is.EqualTo(1));
        await DriveAsync(first.StopAsync());
        Assert.That(Received().Where(p => p.Metric == CounterPointName("contract.stored")), Is.Empty);

        BackendSucceeds();
        Registry = new MetricsRegistry(new MetricsOptions { TimeProvider = Time });
        var second = Create(o => o.OfflineStorage = new OfflineStorageOptions { Path = path });
        second.Start();

        var point = (await WaitForAsync(CounterPointName("contract.stored"), 1)).First();
        Assert.That(point.Value, Is.EqualTo(11));
        await WaitUntilAsync(() => second.Status.StoredPoints == 0, "the stored point to be deleted after delivery");
    }

    [Test]
    public async Task SelfMetrics_AfterReport_AreInTheRegistryTaggedWithReporterName()
    {
        Registry.Counter("contract.self").Inc();
        var reporter = Create();

        await DriveAsync(reporter.ReportNowAsync());

        var tags = new Tags(("reporter", reporter.Name));
        Assert.That(Registry.Counter("metrics.reporter.points.sent", tags).Count, Is.EqualTo(1));
        Assert.That(Registry.Counter("metrics.reporter.points.succeeded", tags).Count, Is.EqualTo(1));
        Assert.That(Registry.Counter("metrics.reporter.points.failed", tags).Count, Is.Zero);
        Assert.That(Registry.Counter("metrics.reporter.points.dropped", tags).Count, Is.Zero);
        Assert.That(reporter.Status.LastSuccess, Is.EqualTo(Time.GetUtcNow()));
    }

    [Test]
    public async Task TwoReporters_SameRegistry_HaveSeparateNamesCountersAndHandlers()
    {
        Registry.Counter("contract.shared").Inc(2);
        var aFailures = new ConcurrentQueue<ReportFailure>();
        var a = Create(o => o.ErrorHandler = aFailures.Enqueue);
        var b = Create(o => o.Filter = s => s.Name == "contract.shared" || s.Name == "contract.only-b");
        Registry.Counter("contract.only-b").Inc();

        await DriveAsync(a.ReportNowAsync());
        await DriveAsync(b.ReportNowAsync());

        Assert.That(a.Name, Is.Not.EqualTo(b.Name));
        Assert.That(SelfCounter(a, "metrics.reporter.points.sent"), Is.EqualTo(2), "a reports contract.shared and contract.only-b (filter contract.*)");
        Assert.That(SelfCounter(b, "metrics.reporter.points.sent"), Is.EqualTo(2));
        await WaitForAsync(CounterPointName("contract.shared"), 2);

        BackendFailsPermanently();
        await DriveAsync(b.ReportNowAsync());
        Assert.That(aFailures, Is.Empty, "b's failures never reach a's handler");
        Assert.That(Failures, Is.Not.Empty);
        Assert.That(a.Status.Dropped, Is.Zero);
    }

    /// <summary>Creates a reporter with the contract's defaults (10 s interval, no retry, contract.* only, failures recorded), then <paramref name="configure"/>.</summary>
    protected Reporter Create(Action<ReporterOptions>? configure = null)
    {
        var reporter = CreateReporter(Registry, o =>
        {
            o.Interval = TimeSpan.FromSeconds(10);
            o.Retry = new RetryOptions { MaxRetries = 0 };
            o.Filter = s => s.Name.StartsWith("contract.", StringComparison.Ordinal);
            o.ErrorHandler = _failures.Enqueue;
            o.StopTimeout = TimeSpan.FromSeconds(5);
            configure?.Invoke(o);
        });
        _reporters.Add(reporter);
        return reporter;
    }

    /// <summary>A self-metric counter of <paramref name="reporter"/>.</summary>
    protected long SelfCounter(Reporter reporter, string name) => reporter.Registry.Counter(name, new Tags(("reporter", reporter.Name))).Count;

    /// <summary>Waits until the backend received <paramref name="count"/> points named <paramref name="metric"/>, and returns them.</summary>
    protected Task<IReadOnlyList<ReceivedPoint>> WaitForAsync(string metric, int count) => WaitForAsync(p => p.Metric == metric, count);

    /// <summary>Waits until the backend received <paramref name="count"/> points matching <paramref name="match"/> (10 s deadline).</summary>
    protected async Task<IReadOnlyList<ReceivedPoint>> WaitForAsync(Func<ReceivedPoint, bool> match, int count)
    {
        IReadOnlyList<ReceivedPoint> found = [];
        await WaitUntilAsync(() => (found = Received().Where(match).ToArray()).Count >= count, $"{count} matching points (have {found.Count})");
        return found;
    }

    /// <summary>Waits for <paramref name="condition"/> with a 10 s real-time deadline.</summary>
    protected static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Timed out waiting for " + what);
            }

            await Task.Delay(5);
        }
    }

    /// <summary>
    /// Awaits <paramref name="task"/>, advancing the manual clock in 1 s steps while it waits on it (retry backoff,
    /// stop timeout). Steps are at least 50 ms of real time apart: advancing faster would let a 5 s stop timeout
    /// expire while a final report is still doing real work (a SQLite write, a socket write) on a busy machine.
    /// </summary>
    protected async Task DriveAsync(Task task)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        var lastStep = DateTime.UtcNow;
        while (!task.IsCompleted)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("The reporter did not finish while the clock was advanced");
            }

            await Task.Delay(2);
            if (!task.IsCompleted && DateTime.UtcNow - lastStep >= TimeSpan.FromMilliseconds(50))
            {
                Time.Advance(TimeSpan.FromSeconds(1));
                lastStep = DateTime.UtcNow;
            }
        }

        await task;
    }
}
