using Metrics.Testing;

namespace Metrics.Reporters.Tests.LocalStore;

public class LocalStoreReporterTests
{
    private static readonly Tags Eu = new(("region", "eu"));

    private string _directory = string.Empty;
    private ManualTimeProvider _clock = null!;
    private MetricsRegistry _registry = null!;

    private string DbPath => Path.Combine(_directory, "metrics.db");

    [SetUp]
    public void SetUp()
    {
        _directory = Path.Combine(Path.GetTempPath(), "localstore-reporter-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _clock = new ManualTimeProvider();
        _registry = new MetricsRegistry(new MetricsOptions { TimeProvider = _clock });
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task ReportNowAsync_TwoReports_StoresOnePointPerReportAtReportTime()
    {
        var orders = _registry.Counter("orders", Eu);
        var t1 = _clock.GetUtcNow();
        await using (var reporter = new LocalStoreReporter(_registry, new LocalStoreReporterOptions { Path = DbPath }))
        {
            orders.Inc(3);
            await reporter.ReportNowAsync();
            _clock.Advance(TimeSpan.FromSeconds(10));
            orders.Inc(2);
            await reporter.ReportNowAsync();
        }

        using var store = OpenStore();
        var set = store.Read(t1, t1.AddMinutes(1), "orders.count", Eu, interval: "raw").Single();
        Assert.That(set.Points, Is.EqualTo(new[] { new TimeValue(t1, 3), new TimeValue(t1.AddSeconds(10), 5) }));
    }

    [Test]
    public async Task Read_ReportedCounterWithLast_GivesTheTotalAtEachMinuteEndAcrossARestart()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        _clock.SetUtcNow(t0);
        await using (var reporter = new LocalStoreReporter(_registry, new LocalStoreReporterOptions { Path = DbPath }))
        {
            var orders = _registry.Counter("orders", Eu);
            orders.Inc(2);
            await reporter.ReportNowAsync();
            _clock.Advance(TimeSpan.FromSeconds(10));
            orders.Inc(3);
            await reporter.ReportNowAsync();
        }

        // The process restarts: a new registry whose counter starts again from 0, reporting into the same file.
        _clock.SetUtcNow(t0.AddSeconds(70));
        var restarted = new MetricsRegistry(new MetricsOptions { TimeProvider = _clock });
        await using (var reporter = new LocalStoreReporter(restarted, new LocalStoreReporterOptions { Path = DbPath }))
        {
            var orders = restarted.Counter("orders", Eu);
            orders.Inc(1);
            await reporter.ReportNowAsync();
            _clock.Advance(TimeSpan.FromSeconds(10));
            orders.Inc(3);
            await reporter.ReportNowAsync();
        }

        using var store = OpenStore();
        var last = store.Read(t0, t0.AddMinutes(2), "orders.count", Eu, interval: "1min", function: "last").Single();
        var raw = store.Read(t0, t0.AddMinutes(2), "orders.count", Eu, interval: "raw").Single();

        Assert.That(raw.Points.Select(p => p.Value), Is.EqualTo(new[] { 2.0, 5, 1, 4 }), "running totals, from 0 again after the restart");
        Assert.That(last.Function, Is.EqualTo("last"));
        Assert.That(last.Points, Is.EqualTo(new[] { new TimeValue(t0, 5), new TimeValue(t0.AddMinutes(1), 4) }));
    }

    [Test]
    public async Task Constructor_NameAlreadyTaken_ThrowsAndClosesTheFileItOpened()
    {
        var otherPath = Path.Combine(_directory, "other.db");
        await using var first = new LocalStoreReporter(_registry, new LocalStoreReporterOptions { Path = DbPath, Name = "store" });

        Assert.That(
            () => new LocalStoreReporter(_registry, new LocalStoreReporterOptions { Path = otherPath, Name = "store" }),
            Throws.ArgumentException);

        // A point older than the refused reporter's 30 days, kept by the file's retention (none): nothing of the
        // refused reporter may still purge it.
        var old = _clock.GetUtcNow().AddDays(-40);
        using (var store = new Reporters.LocalStore(otherPath, new LocalStoreOptions { Retention = null, TimeProvider = _clock }))
        {
            store.Write("kept", Tags.Empty, [(old, 1)]);
        }

        _clock.Advance(TimeSpan.FromMinutes(5));

        using var reader = new Reporters.LocalStore(otherPath, new LocalStoreOptions { TimeProvider = _clock });
        Assert.That(reader.Read(old, old.AddSeconds(1), "kept").Single().Points, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task ReportNowAsync_PrefixAndReporterTags_NameTheStoredSeries()
    {
        _registry.Gauge("queue.depth", () => 12);
        await using (var reporter = new LocalStoreReporter(_registry, new LocalStoreReporterOptions
        {
            Path = DbPath,
            Prefix = "shop.",
            Tags = new Tags(("host", "web-1")),
        }))
        {
            await reporter.ReportNowAsync();
        }

        using var store = OpenStore();
        var series = store.GetSeries("shop.queue.depth.value{\"host\": \"web-1\"}");
        Assert.That(series, Is.Not.Null);
        Assert.That(store.Read(_clock.GetUtcNow(), _clock.GetUtcNow().AddSeconds(1), series!.Name).Single().Points.Single().Value, Is.EqualTo(12));
    }

    [Test]
    public async Task Start_EverySecond_StoresAPointPerInterval()
    {
        var hits = _registry.Counter("hits");
        var reporter = new LocalStoreReporter(_registry, new LocalStoreReporterOptions { Path = DbPath, Interval = TimeSpan.FromSeconds(1) });
        var start = _clock.GetUtcNow();
        reporter.Start();

        for (var i = 0; i < 3; i++)
        {
            hits.Inc();
            _clock.Advance(TimeSpan.FromSeconds(1));
            await WaitUntilAsync(() => reporter.Status.LastSuccess == _clock.GetUtcNow());
        }

        await reporter.StopAsync();
        reporter.Dispose();

        using var store = OpenStore();
        var values = store.Read(start, start.AddMinutes(1), "hits.count").Single().Points.Select(p => p.Value).ToArray();
        Assert.That(values.Take(3), Is.EqualTo(new double[] { 1, 2, 3 }));
    }

    [Test]
    public async Task Dispose_ClosesTheFile()
    {
        var reporter = new LocalStoreReporter(_registry, new LocalStoreReporterOptions { Path = DbPath });
        _registry.Counter("hits").Inc();
        await reporter.ReportNowAsync();

        reporter.Dispose();

        // With the file closed, WAL files are checkpointed away and the database can be deleted.
        Assert.That(File.Exists(DbPath + "-wal"), Is.False);
        File.Delete(DbPath);
        Assert.That(File.Exists(DbPath), Is.False);
    }

    [Test]
    public void Options_Defaults_AreMetricsDbAndThirtyDays()
    {
        var options = new LocalStoreReporterOptions();

        Assert.That(options.Path, Is.EqualTo("metrics.db"));
        Assert.That(options.Retention, Is.EqualTo(TimeSpan.FromDays(30)));
    }

    [Test]
    public void Constructor_EmptyPath_ThrowsNamingTheOption()
    {
        var ex = Assert.Throws<ArgumentException>(() => new LocalStoreReporter(_registry, new LocalStoreReporterOptions { Path = " " }));

        Assert.That(ex!.Message, Does.Contain("LocalStoreReporterOptions.Path"));
    }

    [Test]
    public void Constructor_NonPositiveRetention_ThrowsNamingTheReporterOptionWithoutCreatingTheFile()
    {
        var ex = Assert.Throws<ArgumentException>(() => new LocalStoreReporter(_registry, new LocalStoreReporterOptions { Path = DbPath, Retention = TimeSpan.Zero }));

        Assert.That(ex!.Message, Does.Contain("LocalStoreReporterOptions.Retention").And.Contain("null to keep every point"));
        Assert.That(File.Exists(DbPath), Is.False);
    }

    [Test]
    public void Constructor_SubMillisecondRetention_ThrowsNamingTheReporterOptionWithoutCreatingTheFile()
    {
        var ex = Assert.Throws<ArgumentException>(() => new LocalStoreReporter(_registry, new LocalStoreReporterOptions { Path = DbPath, Retention = TimeSpan.FromMicroseconds(500) }));

        Assert.That(ex!.Message, Does.Contain("LocalStoreReporterOptions.Retention").And.Contain("at least 1 millisecond"));
        Assert.That(File.Exists(DbPath), Is.False);
    }

    [Test]
    public void Constructor_InvalidCommonOption_ThrowsWithoutCreatingTheFile()
    {
        Assert.Throws<ArgumentException>(() => new LocalStoreReporter(_registry, new LocalStoreReporterOptions { Path = DbPath, BatchSize = 0 }));

        Assert.That(File.Exists(DbPath), Is.False);
    }

    [Test]
    public async Task Path_IsTheFullPathOfTheFile()
    {
        await using var reporter = new LocalStoreReporter(_registry, new LocalStoreReporterOptions { Path = DbPath });

        Assert.That(reporter.Path, Is.EqualTo(Path.GetFullPath(DbPath)));
        Assert.That(reporter.Name, Is.EqualTo("localstore"));
    }

    private Reporters.LocalStore OpenStore() => new(DbPath, new LocalStoreOptions { TimeProvider = _clock });

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "timed out waiting for the report");
            await Task.Delay(5);
        }
    }
}
