using Metrics.Reporters.Engine;

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

    /// <summary>Creates a reporter writing into <paramref name="store"/>, which the caller keeps and disposes (tests inject faults through it).</summary>
    internal LocalStoreReporter(MetricsRegistry registry, LocalStoreReporterOptions options, ILocalStoreWriter store)
        : this(registry, options, new LocalStoreBackend(store, owned: null))
    {
    }

    private LocalStoreReporter(MetricsRegistry registry, LocalStoreReporterOptions options, LocalStoreBackend backend)
        : base(registry, options, backend)
    {
        _backend = backend;
    }

    /// <summary>The full path of the store file.</summary>
    public string Path => _backend.Path;

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

        // Validate every option before the file is opened, so a bad option does not leave it open.
        OptionsValidator.Validate(options);
        var store = new LocalStore(options.Path, options.ToStoreOptions(registry.TimeProvider));
        return new LocalStoreBackend(new LocalStoreWriter(store), owned: store);
    }
}
