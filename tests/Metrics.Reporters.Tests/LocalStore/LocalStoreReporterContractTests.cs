using System.Collections.Concurrent;
using Metrics.Reporters.Tests.Contract;
using Microsoft.Data.Sqlite;

namespace Metrics.Reporters.Tests.LocalStore;

/// <summary>
/// The reporter contract for <see cref="LocalStoreReporter"/>. Every reporter of a test writes into one real store
/// file through <see cref="FaultyStore"/>, which fails like a locked file (transient) or a read-only file
/// (permanent) on demand and records the points the store accepted.
/// </summary>
public class LocalStoreReporterContractTests : ReporterContract
{
#pragma warning disable NUnit1032 // Disposed in TearDownBackendAsync, which the base [TearDown] calls after stopping every reporter.
    private Reporters.LocalStore _store = null!;
#pragma warning restore NUnit1032
    private FaultyStore _faulty = null!;

    protected override Task SetUpBackendAsync()
    {
        _store = new Reporters.LocalStore(Path.Combine(TempFolder, "metrics.db"), new LocalStoreOptions { TimeProvider = Time });
        _faulty = new FaultyStore(_store);
        return Task.CompletedTask;
    }

    protected override Task TearDownBackendAsync()
    {
        _store.Dispose();
        return Task.CompletedTask;
    }

    protected override Reporter CreateReporter(MetricsRegistry registry, Action<ReporterOptions> configure)
    {
        var options = new LocalStoreReporterOptions { Path = _store.Path };
        configure(options);
        return new LocalStoreReporter(registry, options, _faulty);
    }

    protected override void BackendSucceeds() => _faulty.Fault = 0;

    protected override void BackendFailsTransiently() => _faulty.Fault = 5; // SQLITE_BUSY: another writer holds the file

    protected override void BackendFailsPermanently() => _faulty.Fault = 8; // SQLITE_READONLY

    protected override IReadOnlyList<ReceivedPoint> Received() => _faulty.Accepted.ToArray();

    [Test]
    public async Task ReportNowAsync_Counter_IsInTheStoreFile()
    {
        Registry.Counter("contract.stored", new Tags(("region", "eu"))).Inc(4);
        var reporter = Create();

        await DriveAsync(reporter.ReportNowAsync());

        var set = _store.Read(Time.GetUtcNow().AddMinutes(-1), Time.GetUtcNow().AddMinutes(1), "contract.stored.count").Single();
        Assert.That(set.Series.Tags, Is.EqualTo(new Tags(("region", "eu"))));
        Assert.That(set.Points, Is.EqualTo(new[] { new TimeValue(Time.GetUtcNow(), 4) }));
    }

    /// <summary>The real store behind a switch: fails with a SQLite error code when <see cref="Fault"/> is set.</summary>
    private sealed class FaultyStore(Reporters.LocalStore store) : ILocalStoreWriter
    {
        private volatile int _fault;

        public ConcurrentQueue<ReceivedPoint> Accepted { get; } = new();

        /// <summary>A SQLite error code to fail with, or 0 to write.</summary>
        public int Fault
        {
            get => _fault;
            set => _fault = value;
        }

        public string Path => store.Path;

        public IReadOnlyList<WriteStatus> WriteBatch(IEnumerable<(SeriesPoint Point, bool Increment)> points)
        {
            var code = Fault;
            if (code != 0)
            {
                throw new SqliteException(code == 5 ? "database is locked" : "attempt to write a readonly database", code);
            }

            var list = points.ToList();
            var statuses = store.WriteBatch(list);
            for (var i = 0; i < list.Count; i++)
            {
                if (statuses[i].IsSuccess)
                {
                    var p = list[i].Point;
                    Accepted.Enqueue(new ReceivedPoint(p.Name, p.Tags.ToDictionary(t => t.Key, t => t.Value), p.Value));
                }
            }

            return statuses;
        }
    }
}
