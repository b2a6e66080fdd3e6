using Metrics.Reporters.Offline;
using Metrics.Testing;
using Microsoft.Extensions.Logging;

namespace Metrics.Reporters.Tests.Offline;

public class OfflineStoreTests
{
    private string _dir = null!;
    private ManualTimeProvider _time = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "metrics-offline-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _time = new ManualTimeProvider();
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private OfflineStorageOptions Options(int max = 1000) => new() { Path = Path.Combine(_dir, "points.db"), Ttl = TimeSpan.FromMinutes(10), MaxStoredPoints = max };

    private OfflineStore Open(OfflineStorageOptions options, RecordingLogger? logger = null) =>
        OfflineStore.Open(options, _time, logger ?? new RecordingLogger(), "test") ?? throw new AssertionException("store did not open");

    private static DataPoint Point(int i) => new("p" + i, new Tags(("host", "a"), ("i", i.ToString(System.Globalization.CultureInfo.InvariantCulture))), DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123 + i), i + 0.5);

    [Test]
    public void ReadOldest_AfterStore_RoundTripsEveryColumnOldestFirst()
    {
        using var store = Open(Options());
        var distribution = new DataPoint("latency", new Tags(("a", "b")), DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), 4)
        {
            Kind = PointKind.Distribution,
            Centroids = [new Centroid(1.5, 3), new Centroid(2.25, 1)],
        };
        store.Store([Point(1), distribution, Point(2) with { Kind = PointKind.DeltaCounter }]);

        var rows = store.ReadOldest(10, out _);

        Assert.That(rows.Select(r => r.Point.Metric), Is.EqualTo(new[] { "p1", "latency", "p2" }));
        Assert.That(rows[0].Point.Tags, Is.EqualTo(Point(1).Tags));
        Assert.That(rows[0].Point.Timestamp, Is.EqualTo(Point(1).Timestamp));
        Assert.That(rows[0].Point.Value, Is.EqualTo(1.5));
        Assert.That(rows[0].Point.Centroids, Is.Null);
        Assert.That(rows[1].Point.Kind, Is.EqualTo(PointKind.Distribution));
        Assert.That(rows[1].Point.Centroids, Is.EqualTo(new[] { new Centroid(1.5, 3), new Centroid(2.25, 1) }));
        Assert.That(rows[2].Point.Kind, Is.EqualTo(PointKind.DeltaCounter));
        Assert.That(store.Count, Is.EqualTo(3));
    }

    [Test]
    public void Delete_ReadRows_RemovesOnlyThose()
    {
        using var store = Open(Options());
        store.Store(Enumerable.Range(0, 5).Select(Point).ToArray());

        store.Delete(store.ReadOldest(2, out _));

        Assert.That(store.ReadOldest(10, out _).Select(r => r.Point.Metric), Is.EqualTo(new[] { "p2", "p3", "p4" }));
        Assert.That(store.Count, Is.EqualTo(3));
    }

    [Test]
    public void Open_ExistingFile_KeepsWhatAnEarlierInstanceStored()
    {
        var options = Options();
        using (var first = Open(options))
        {
            first.Store([Point(7)]);
        }

        using var second = Open(options);

        Assert.That(second.Count, Is.EqualTo(1));
        Assert.That(second.ReadOldest(1, out _)[0].Point.Metric, Is.EqualTo("p7"));
    }

    [Test]
    public void ReadOldest_DamagedRow_IsDiscardedAndTheRestReplayed()
    {
        var options = Options();
        using (var store = Open(options))
        {
            store.Store([Point(1), Point(2), Point(3)]);
        }

        using (var raw = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + options.Path + ";Pooling=False"))
        {
            raw.Open();
            using var damage = raw.CreateCommand();
            damage.CommandText = "UPDATE points SET tags = '{not json' WHERE metric = 'p2';";
            damage.ExecuteNonQuery();
        }

        using var reopened = Open(options);
        var rows = reopened.ReadOldest(10, out var discarded);

        Assert.That(rows.Select(r => r.Point.Metric), Is.EqualTo(new[] { "p1", "p3" }));
        Assert.That(discarded, Is.EqualTo(1));
        Assert.That(reopened.Count, Is.EqualTo(2));
    }

    [Test]
    public void PurgeExpired_AfterTtl_RemovesAndCountsRows()
    {
        using var store = Open(Options());
        store.Store([Point(1), Point(2)]);
        _time.Advance(TimeSpan.FromMinutes(5));
        store.Store([Point(3)]);
        _time.Advance(TimeSpan.FromMinutes(6));

        Assert.That(store.ReadOldest(10, out _).Select(r => r.Point.Metric), Is.EqualTo(new[] { "p3" }), "expired rows are never replayed");
        Assert.That(store.PurgeExpired(), Is.EqualTo(2));
        Assert.That(store.Count, Is.EqualTo(1));
    }

    [Test]
    public void Store_PastMaxStoredPoints_EvictsOldest()
    {
        using var store = Open(Options(max: 3));
        store.Store([Point(0), Point(1)]);

        var evicted = store.Store([Point(2), Point(3), Point(4)]);

        Assert.That(evicted, Is.EqualTo(2));
        Assert.That(store.Count, Is.EqualTo(3));
        Assert.That(store.ReadOldest(10, out _).Select(r => r.Point.Metric), Is.EqualTo(new[] { "p2", "p3", "p4" }));
    }

    [Test]
    public void Open_GarbageFile_MovesItAsideWarnsAndStartsFresh()
    {
        var options = Options();
        File.WriteAllText(options.Path, "this is not a SQLite database, just some garbage text that is long enough to look like a header......");
        var logger = new RecordingLogger();

        using var store = Open(options, logger);
        store.Store([Point(1)]);

        var aside = Directory.GetFiles(_dir, "points.db.corrupt-*");
        Assert.That(aside, Has.Length.EqualTo(1));
        Assert.That(File.ReadAllText(aside[0]), Does.StartWith("this is not a SQLite database"));
        Assert.That(store.Count, Is.EqualTo(1));
        Assert.That(logger.Entries, Has.Some.Matches<(LogLevel Level, string Message)>(e => e.Level == LogLevel.Warning && e.Message.Contains("corrupt") && e.Message.Contains(aside[0])));
    }

    [TestCase("CREATE TABLE points (series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (series_id, ts)) WITHOUT ROWID; INSERT INTO points VALUES (1, 2, 3.5);")]
    [TestCase("CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL); INSERT INTO orders VALUES (1, 3.5);")]
    public void Open_AnotherApplicationsDatabase_LeavesItUntouchedAndRunsWithout(string theirSchema)
    {
        // E.g. the path of the application's LocalStore file, or of its own database, given by mistake.
        var options = Options();
        using (var theirs = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + options.Path + ";Pooling=False"))
        {
            theirs.Open();
            using var create = theirs.CreateCommand();
            create.CommandText = theirSchema;
            create.ExecuteNonQuery();
        }

        var before = File.ReadAllBytes(options.Path);
        var logger = new RecordingLogger();

        var store = OfflineStore.Open(options, _time, logger, "test");

        Assert.That(store, Is.Null);
        Assert.That(Directory.GetFiles(_dir, "points.db.corrupt-*"), Is.Empty, "a sound database of something else is not moved aside");
        Assert.That(File.ReadAllBytes(options.Path), Is.EqualTo(before), "nor changed");
        Assert.That(logger.Entries, Has.Some.Matches<(LogLevel Level, string Message)>(e => e.Level == LogLevel.Error && e.Message.Contains(options.Path) && e.Message.Contains("file of its own")));
    }

    [Test]
    public void Open_UnwritableFolder_ReturnsNullAndLogsError()
    {
        var options = new OfflineStorageOptions { Path = Path.Combine(_dir, "file-not-folder", "points.db") };
        File.WriteAllText(Path.Combine(_dir, "file-not-folder"), "x");
        var logger = new RecordingLogger();

        var store = OfflineStore.Open(options, _time, logger, "test");

        Assert.That(store, Is.Null);
        Assert.That(logger.Entries, Has.Some.Matches<(LogLevel Level, string Message)>(e => e.Level == LogLevel.Error));
    }

    [Test]
    public void Open_InvalidPath_ReturnsNullAndLogsErrorInsteadOfThrowing()
    {
        var logger = new RecordingLogger();

        var store = OfflineStore.Open(new OfflineStorageOptions { Path = Path.Combine(_dir, "bad\0name.db") }, _time, logger, "test");

        Assert.That(store, Is.Null);
        Assert.That(logger.Entries, Has.Some.Matches<(LogLevel Level, string Message)>(e => e.Level == LogLevel.Error && e.Message.Contains("cannot be opened")));
    }
}

/// <summary>An <see cref="ILogger"/>/<see cref="ILoggerFactory"/> that keeps every formatted entry.</summary>
internal sealed class RecordingLogger : ILogger, ILoggerFactory, ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(LogLevel, string)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Message)> Entries => _entries.ToArray();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue((logLevel, formatter(state, exception)));

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}
