using Metrics.Reporters.Engine;

namespace Metrics.Reporters.Tests.LocalStore;

public class LocalStoreBackendTests : LocalStoreFixture
{
    private static readonly Tags Eu = new(("region", "eu"));

    [Test]
    public async Task SendAsync_Points_StoresEachUnderItsMetricAndTags()
    {
        var store = Open();
        await using var backend = new LocalStoreBackend(new LocalStoreWriter(store), owned: null);

        var result = await backend.SendAsync(
            [new DataPoint("orders.count", Eu, T0, 3), new DataPoint("orders.count", Tags.Empty, T0, 5), new DataPoint("orders.count", Eu, T0.AddSeconds(1), 4)],
            CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Success));
        Assert.That(result.Succeeded, Is.EqualTo(3));
        var sets = store.Read(T0, T0.AddMinutes(1), "orders.count");
        Assert.That(sets.Select(s => s.Series.Key), Is.EqualTo(new[] { "orders.count", "orders.count{\"region\": \"eu\"}" }));
        Assert.That(sets[1].Points, Is.EqualTo(new[] { new TimeValue(T0, 3), new TimeValue(T0.AddSeconds(1), 4) }));
    }

    [Test]
    public async Task SendAsync_DeltaCounters_AddToTheValueAtTheirTime()
    {
        var store = Open();
        await using var backend = new LocalStoreBackend(new LocalStoreWriter(store), owned: null);
        var delta = new DataPoint("hits", Eu, T0, 2) { Kind = PointKind.DeltaCounter };

        await backend.SendAsync([delta, delta with { Value = 5 }], CancellationToken.None);

        Assert.That(store.Read(T0, T0.AddMinutes(1), "hits").Single().Points.Single().Value, Is.EqualTo(7));
    }

    [Test]
    public async Task SendAsync_SomePointsRejected_ReportsPartialFailureNamingThem()
    {
        var store = Open(new LocalStoreOptions { Retention = TimeSpan.FromDays(7), TimeProvider = Clock });
        await using var backend = new LocalStoreBackend(new LocalStoreWriter(store), owned: null);

        var result = await backend.SendAsync(
            [new DataPoint("orders.count", Eu, T0, 1), new DataPoint("orders.count", Eu, T0.AddDays(-30), 2)],
            CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.PartialFailure));
        Assert.That(result.Succeeded, Is.EqualTo(1));
        Assert.That(result.Failed, Is.EqualTo(1));
        Assert.That(result.Errors.Single(), Does.StartWith("orders.count{\"region\": \"eu\"} at 2025-12-02").And.Contain("older than the retention"));
        Assert.That(store.CountPoints(), Is.EqualTo(1));
    }

    [Test]
    public async Task SendAsync_NameHoldingABrace_RejectsThatPointOnly()
    {
        var store = Open();
        await using var backend = new LocalStoreBackend(new LocalStoreWriter(store), owned: null);

        var result = await backend.SendAsync(
            [new DataPoint("orders.count", Eu, T0, 1), new DataPoint("bad{name", Eu, T0, 2)],
            CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.PartialFailure));
        Assert.That(result.Errors.Single(), Does.StartWith("'bad{name' at "));
        Assert.That(store.CountPoints(), Is.EqualTo(1));
    }

    [Test]
    public async Task SendAsync_EveryPointRejected_IsPermanent()
    {
        await using var backend = new LocalStoreBackend(new LocalStoreWriter(Open()), owned: null);

        var result = await backend.SendAsync([new DataPoint("x", Eu, T0, double.NaN)], CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Permanent));
        Assert.That(result.Failed, Is.EqualTo(1));
    }

    [Test]
    public async Task SendAsync_StoreClosed_IsPermanentNotThrown()
    {
        var store = Open();
        var backend = new LocalStoreBackend(new LocalStoreWriter(store), owned: store);
        await backend.DisposeAsync();

        var result = await backend.SendAsync([new DataPoint("x", Eu, T0, 1)], CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Permanent));
        Assert.That(result.Errors.Single(), Does.Contain("is closed"));
    }

    [Test]
    public async Task SendAsync_FileLockedByAnotherWriter_IsTransient()
    {
        var store = Open(new LocalStoreOptions { Retention = null, TimeProvider = Clock, BusyTimeoutSeconds = 1 });
        await using var backend = new LocalStoreBackend(new LocalStoreWriter(store), owned: null);
        store.Write("x", Tags.Empty, [(T0, 1)]);
        using var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath};Pooling=False;Default Timeout=1");
        other.Open();
        using (var pragma = other.CreateCommand())
        {
            pragma.CommandText = "PRAGMA busy_timeout=0;";
            pragma.ExecuteNonQuery();
        }

        using var tx = other.BeginTransaction(deferred: false);
        using (var write = other.CreateCommand())
        {
            write.Transaction = tx;
            write.CommandText = "INSERT INTO points(series_id, ts, value) VALUES (1, 1, 1)";
            write.ExecuteNonQuery();
        }

        var result = await backend.SendAsync([new DataPoint("x", Eu, T0, 1)], CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Transient));
        Assert.That(result.Errors.Single(), Does.Contain(DbPath).And.Contain("busy"));
        Assert.That(result.Errors.Single().IndexOf(DbPath, StringComparison.Ordinal), Is.EqualTo(result.Errors.Single().LastIndexOf(DbPath, StringComparison.Ordinal)), "the path once");
    }

    [Test]
    public void Validate_NonFiniteValue_GivesReason()
    {
        var backend = new LocalStoreBackend(new LocalStoreWriter(Open()), owned: null);

        Assert.That(backend.Validate(new DataPoint("x", Eu, T0, double.PositiveInfinity)), Is.EqualTo("value must be a finite number"));
        Assert.That(backend.Validate(new DataPoint("x", Eu, T0, 1)), Is.Null);
    }
}
