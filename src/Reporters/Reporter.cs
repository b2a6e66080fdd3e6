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
    private protected Reporter(MetricsRegistry registry, ReporterOptions options, IReportBackend backend)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(backend);
        Registry = registry;
        Name = options.Name ?? backend.Name;
    }

    /// <summary>The reporter's name (options' <see cref="ReporterOptions.Name"/> or the backend's name).</summary>
    public string Name { get; }

    /// <summary>The registry reported.</summary>
    public MetricsRegistry Registry { get; }

    /// <summary>The current state.</summary>
    public ReporterStatus Status => throw new NotImplementedException();

    /// <summary>Starts reporting every <see cref="ReporterOptions.Interval"/>. Idempotent.</summary>
    public void Start() => throw new NotImplementedException();

    /// <summary>Takes one report now and sends what is queued. Completes when the send (with retries) is done.</summary>
    public Task ReportNowAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Takes a final report, flushes within <see cref="ReporterOptions.StopTimeout"/>, and stops. Idempotent; never throws for backend failures.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

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
        Dispose(disposing: false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Stops the reporter (final report and flush) when <paramref name="disposing"/>.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            StopAsync().GetAwaiter().GetResult();
        }
    }
}
