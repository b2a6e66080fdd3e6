using Metrics.Reporters.Engine;

namespace Metrics.Reporters;

/// <summary>The state of a reporter, for health checks and diagnostics.</summary>
public sealed record ReporterStatus
{
    /// <summary>The reporter's name.</summary>
    public required string Name { get; init; }

    /// <summary>True between <see cref="Reporter.Start"/> and <see cref="Reporter.StopAsync"/>.</summary>
    public bool Running { get; init; }

    /// <summary>When a send last succeeded, if ever.</summary>
    public DateTimeOffset? LastSuccess { get; init; }

    /// <summary>When a send last failed, if ever.</summary>
    public DateTimeOffset? LastFailure { get; init; }

    /// <summary>Failed sends since the last success.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>Points waiting in memory.</summary>
    public int QueueDepth { get; init; }

    /// <summary>The queue's capacity (<see cref="ReporterOptions.MaxQueueSize"/>).</summary>
    public int QueueCapacity { get; init; }

    /// <summary>Points waiting in offline storage.</summary>
    public long StoredPoints { get; init; }

    /// <summary>Points dropped so far (queue overflow, expiry, permanent failures).</summary>
    public long Dropped { get; init; }
}

/// <summary>
/// Base of every reporter: takes a snapshot of the registry on an interval (with its own cursor), expands it into
/// points, queues them (bounded), and sends them in batches with retry, offline storage and a final flush on stop.
/// </summary>
/// <remarks>
/// Thread-safe. <see cref="Start"/>, <see cref="StopAsync"/> and disposal are idempotent. Failures of the backend
/// never throw into the application: they go to <see cref="ReporterOptions.ErrorHandler"/>. Disposing stops the
/// reporter like <see cref="StopAsync"/> (final report, bounded by <see cref="ReporterOptions.StopTimeout"/>).
/// </remarks>
public abstract class Reporter : IDisposable, IAsyncDisposable
{
    private readonly ReportingEngine _engine;

    private protected Reporter(MetricsRegistry registry, ReporterOptions options, IReportBackend backend)
        : this(registry, options, backend, seams: null)
    {
    }

    private protected Reporter(MetricsRegistry registry, ReporterOptions options, IReportBackend backend, EngineSeams? seams)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(backend);
        Registry = registry;
        try
        {
            _engine = new ReportingEngine(registry, options, backend, seams);
        }
        catch
        {
            // The backend was made for this reporter and the engine that would close it at stop was not: close it
            // now, so a refused reporter (a name already taken) leaves no file open nor its purge timer running.
            backend.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }

        Name = _engine.Name;
    }

    /// <summary>
    /// The reporter's name, used in messages and as the <c>reporter</c> tag of its self-metrics: the options'
    /// <see cref="ReporterOptions.Name"/>, or the backend's name made unique among the registry's live reporters
    /// (<c>console</c>, <c>console-2</c>, ...).
    /// </summary>
    public string Name { get; }

    /// <summary>The registry reported.</summary>
    public MetricsRegistry Registry { get; }

    /// <summary>The current state (a new snapshot on each read). Thread-safe.</summary>
    public ReporterStatus Status => _engine.Status;

    /// <summary>The engine (tests and the integration layer reach its internals through it).</summary>
    internal ReportingEngine Engine => _engine;

    /// <summary>
    /// Starts reporting every <see cref="ReporterOptions.Interval"/> on the registry's clock, and replays points
    /// left in offline storage. Idempotent.
    /// </summary>
    /// <exception cref="InvalidOperationException">The reporter was stopped; create a new one.</exception>
    public void Start() => _engine.Start();

    /// <summary>
    /// Takes one report now and sends what is queued (waiting for a running report to finish first). Completes when
    /// the send, retries included, is done. Backend failures go to the error handler, they do not throw.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The reporter was stopped (<see cref="StopAsync"/>, <c>Dispose</c> or
    /// <c>DisposeAsync</c>), also when a stop that ran out of <see cref="ReporterOptions.StopTimeout"/> cut this call short: a stopped reporter
    /// does not report again (its final report was already taken), so create a new one. The exception's
    /// <see cref="ObjectDisposedException.ObjectName"/> is <c>Reporter</c>, and it is an
    /// <see cref="InvalidOperationException"/>, like the one <see cref="Start"/> throws after a stop.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the batch in flight is then stored offline or dropped, like a failed send).</exception>
    public Task ReportNowAsync(CancellationToken cancellationToken = default) => _engine.ReportNowAsync(cancellationToken);

    /// <summary>
    /// Takes a final report, flushes within <see cref="ReporterOptions.StopTimeout"/>, and stops. What cannot be
    /// sent in time goes to offline storage when enabled, else is dropped and counted. Idempotent; never throws for
    /// backend failures.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _engine.StopAsync(cancellationToken);

    /// <summary>
    /// What drives resource-aware batching now: process CPU, memory load and queue fill, in percent.
    /// Each call takes a new CPU sample (CPU use since the previous sample).
    /// </summary>
    public ResourceUsage GetResourceUsage() => _engine.GetResourceUsage();

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _engine.Dispose();
        Dispose(disposing: false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Stops the reporter (final report and flush, bounded by <see cref="ReporterOptions.StopTimeout"/>) when <paramref name="disposing"/>.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            StopAsync().GetAwaiter().GetResult();
            _engine.Dispose();
        }
    }
}
