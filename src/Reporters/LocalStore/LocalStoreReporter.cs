namespace Metrics.Reporters;

/// <summary>
/// Reports into an embedded <see cref="LocalStore"/> file: every point becomes a value of the series named by its
/// metric and tags, at its timestamp. Needs no server, so it is the default destination; read the data back with
/// <c>new LocalStore(path).Read(...)</c> (rollups included).
/// </summary>
/// <example>
/// <code>
/// using var reporter = new LocalStoreReporter(registry, new LocalStoreReporterOptions { Path = "metrics.db", Interval = TimeSpan.FromSeconds(1) });
/// reporter.Start();
/// </code>
/// </example>
/// <remarks>
/// The reporter opens the file when constructed and closes it when disposed. Retention uses the registry's clock.
/// Points the store rejects (for example non-finite values) are counted as failed and reported to the error handler.
/// </remarks>
public sealed class LocalStoreReporter : Reporter
{
    private readonly LocalStoreBackend _backend;

    /// <summary>Creates a reporter storing into <see cref="LocalStoreReporterOptions.Path"/>.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    public LocalStoreReporter(MetricsRegistry registry, LocalStoreReporterOptions options)
        : this(registry, options, CreateBackend(registry, options))
    {
    }

    /// <summary>Creates a reporter storing into an open <paramref name="store"/> that the caller keeps and disposes.</summary>
    internal LocalStoreReporter(MetricsRegistry registry, LocalStoreReporterOptions options, LocalStore store)
        : this(registry, options, new LocalStoreBackend(store, ownsStore: false))
    {
    }

    private LocalStoreReporter(MetricsRegistry registry, LocalStoreReporterOptions options, LocalStoreBackend backend)
        : base(registry, options, backend)
    {
        _backend = backend;
    }

    /// <summary>The full path of the store file.</summary>
    public string Path => _backend.Store.Path;

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _backend.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private static LocalStoreBackend CreateBackend(MetricsRegistry registry, LocalStoreReporterOptions options)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        return new LocalStoreBackend(new LocalStore(options.Path, options.ToStoreOptions(registry.TimeProvider)), ownsStore: true);
    }
}
