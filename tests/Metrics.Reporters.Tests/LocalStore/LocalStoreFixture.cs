using Metrics.Testing;

namespace Metrics.Reporters.Tests.LocalStore;

/// <summary>A temporary directory per test and a store in it on a manual clock.</summary>
public abstract class LocalStoreFixture
{
    protected static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly List<Reporters.LocalStore> _stores = new();

    protected string Directory { get; private set; } = string.Empty;

    protected string DbPath => Path.Combine(Directory, "metrics.db");

    private protected ManualTimeProvider Clock { get; private set; } = null!;

    [SetUp]
    public void CreateDirectory()
    {
        Directory = Path.Combine(Path.GetTempPath(), "localstore-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Clock = new ManualTimeProvider(T0.AddDays(1));
    }

    [TearDown]
    public void DeleteDirectory()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        _stores.Clear();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    /// <summary>Opens the store at <see cref="DbPath"/>; with no options: no retention, on <see cref="Clock"/>.</summary>
    protected Reporters.LocalStore Open(LocalStoreOptions? options = null)
    {
        var store = new Reporters.LocalStore(DbPath, options ?? new LocalStoreOptions { Retention = null, TimeProvider = Clock });
        _stores.Add(store);
        return store;
    }
}
