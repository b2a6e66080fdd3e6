using System.Globalization;
using Metrics.Reporters.Offline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace Metrics.Reporters.Engine;

/// <summary>
/// One reporter's engine: scheduling on the registry clock, snapshot and expansion, validation, the bounded
/// queue, batching (fixed or resource-aware), retry, offline storage, self-metrics and the final flush.
/// A backend only sends batches.
/// </summary>
/// <remarks>
/// Reports never overlap: each holds <see cref="_gate"/>. The application never waits on the engine: metrics are
/// read, never locked, and nothing here runs on the application's threads except <see cref="Start"/>,
/// <see cref="StopAsync"/> and <see cref="ReportNowAsync"/> themselves.
/// </remarks>
internal sealed partial class ReportingEngine : IDisposable
{
    private readonly object _lifecycleLock = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly MetricsRegistry _registry;
    private readonly ReporterOptions _options;
    private readonly IReportBackend _backend;
    private readonly ISelfMetricsBackend? _backendMetrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PointExpander _expander;
    private readonly Func<IReadOnlyList<MetricSnapshot>> _source;
    private readonly PointQueue _queue;
    private readonly IResourceMonitor _monitor;
    private readonly Random _random;
    private readonly ResiliencePipeline<SendResult> _pipeline;
    private readonly CancellationTokenSource _shutdown;
    private readonly SelfMetrics _self;
    private readonly bool _ownsName;
    private readonly Tags _baseTags;

    private ITimer? _timer;
    private Task? _stopTask;
    private bool _started;
    private int _scheduledPending;
    private bool _storeOpened;
    private bool _storeClosed;
    private bool _storeWasInUse;

    // Why offline storage is off while it is configured (its file held by another reporter, or not openable), for the
    // failures of the points dropped meanwhile: the logged error goes nowhere without a LoggerFactory. Under _lifecycleLock.
    private string? _storeUnavailable;
    private OfflineStore? _store;
    private int _currentBatchSize;

    // Points Park dropped (no offline storage, or storage failing) that no ReportFailure has counted yet: a flush that
    // found the backend down, a stop, or a cancelled ReportNowAsync takes them (exchanging to zero, so each is reported
    // once) and tells the error handler.
    private long _unreportedDrops;

    // Replayed rows the backend took whose deletion failed, with the store they came from (reports only, under the gate).
    private (OfflineStore Store, IReadOnlyList<StoredPoint> Rows)? _undeleted;

    // Points of the queue's batch being delivered (retries included), for the health check.
    private int _inFlight;

    // When (a registry clock timestamp: monotonic, unlike the wall clock, which can be stepped) the points or failures
    // still waiting for a successful send began to wait; null after a success.
    private long? _pendingSince;

    private DateTimeOffset? _lastSuccess;
    private DateTimeOffset? _lastFailure;
    private int _consecutiveFailures;

    // The last send is already counted in _consecutiveFailures: server error lines that arrive after it (one per
    // rejected point) do not count it again.
    private bool _lastSendCountedFailed;

    // Failures a backend reported after its send returned (OpenTSDB telnet error lines), counted so that a send whose
    // points the server rejected while it was still under way does not then count as a success.
    private long _lateFailures;

    public ReportingEngine(MetricsRegistry registry, ReporterOptions options, IReportBackend backend, EngineSeams? seams = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(backend);
        OptionsValidator.Validate(options);
        _registry = registry;
        _options = options;
        _backend = backend;
        _backendMetrics = backend as ISelfMetricsBackend;
        _time = registry.TimeProvider;
        _ownsName = options.Name is null;
        Name = ReporterNames.Claim(registry, options.Name ?? backend.Name, makeUnique: _ownsName);
        try
        {
            _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Metrics.Reporters." + Name);
            _expander = backend is IExpandingBackend expanding ? expanding.CreateExpander(options.Fields) : new PointExpander(options.Fields);
            _source = seams?.SnapshotSource ?? ReadSource(registry.CreateReader(), options);
            _queue = new PointQueue(options.MaxQueueSize);
            _monitor = seams?.ResourceMonitor ?? new ProcessResourceMonitor();
            _random = seams?.Random ?? new Random();
            _pipeline = BuildRetryPipeline();
            _shutdown = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
            _baseTags = registry.GlobalTags.Merge(options.Tags);
            _currentBatchSize = options.BatchSize;
            _self = new SelfMetrics(registry, Name, () => _queue.Count, () => _store?.Count ?? 0, () => Volatile.Read(ref _currentBatchSize));
        }
        catch
        {
            // Nothing that needs stopping exists yet; the name must not stay taken by a reporter that was never built.
            ReporterNames.Release(registry, Name);
            throw;
        }

        try
        {
            _backendMetrics?.RegisterSelfMetrics(registry, _self.Tags);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Reporter {Reporter}: the backend failed to register its self-metrics.", Name);
        }
    }

    /// <summary>The reporter's name, unique among the reporters of its registry that have not been stopped.</summary>
    public string Name { get; }

    /// <summary>Self-metrics of this reporter.</summary>
    internal SelfMetrics Self => _self;

    /// <summary>Points taken from the queue whose delivery (retries included) has not ended yet.</summary>
    internal int PointsInFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// How long something has been waiting for a successful send (a report's points, stored points, a failed send),
    /// measured on the registry clock's timestamps (a wall clock stepped back or forward does not change it); null when
    /// the last send succeeded and nothing has waited since. A reporter whose interval is longer than the health
    /// check's limit is not unhealthy for the time it had nothing to send.
    /// </summary>
    internal TimeSpan? PendingFor
    {
        get
        {
            long? since;
            lock (_lifecycleLock)
            {
                since = _pendingSince;
            }

            return since is { } s ? _time.GetElapsedTime(s) : null;
        }
    }

    /// <summary>The offline store, once opened (null when off or unusable).</summary>
    internal OfflineStore? Store => _store;

    public ReporterStatus Status
    {
        get
        {
            lock (_lifecycleLock)
            {
                return new ReporterStatus
                {
                    Name = Name,
                    Running = _started && _stopTask is null,
                    LastSuccess = _lastSuccess,
                    LastFailure = _lastFailure,
                    ConsecutiveFailures = _consecutiveFailures,
                    QueueDepth = _queue.Count,
                    QueueCapacity = _queue.Capacity,
                    StoredPoints = _store?.Count ?? 0,
                    Dropped = _self.Dropped,
                };
            }
        }
    }

    public void Start()
    {
        // Reports belong to no caller: the timer and the replay must not capture the execution context of the code that
        // started the reporter (a request's Activity and trace, a logging scope, AsyncLocal values), which the system
        // clock's timers would otherwise restore at every report for the life of the process.
        var suppress = !ExecutionContext.IsFlowSuppressed();
        var flow = suppress ? ExecutionContext.SuppressFlow() : default;
        try
        {
            lock (_lifecycleLock)
            {
                if (_stopTask is not null)
                {
                    throw new InvalidOperationException($"Reporter {Name} was stopped; create a new reporter to report again.");
                }

                if (_started)
                {
                    return;
                }

                _started = true;
                _timer = _time.CreateTimer(static state => ((ReportingEngine)state!).OnTimer(), this, _options.Interval, _options.Interval);
            }

            // Points left in offline storage by an earlier run are replayed right away, not one interval later.
            if (_options.OfflineStorage is not null)
            {
                var token = _shutdown.Token;
                _ = Task.Run(() => RunExclusiveAsync(static (engine, t) => engine.FlushAsync(final: false, t), token), CancellationToken.None);
            }
        }
        finally
        {
            if (suppress)
            {
                flow.Undo();
            }
        }
    }

    public async Task ReportNowAsync(CancellationToken cancellationToken)
    {
        ThrowIfStopped();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        try
        {
            await _gate.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A stop that ran out of StopTimeout while this call waited for it: the reporter was stopped.
            ThrowIfStopped();
            throw;
        }

        try
        {
            // A stop that got the gate first has already sent the final report and closed the backend.
            ThrowIfStopped();
            await ReportCoreAsync(final: false, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (Volatile.Read(ref _stopTask) is null)
        {
            // Cancelled by the caller (a stop reports what it cancelled itself): the batch in flight was parked.
            ReportUnreportedDrops("ReportNowAsync was cancelled");
            throw;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Cut short by a stop that ran out of StopTimeout (the stop reports what it cancelled): the reporter was stopped.
            ThrowIfStopped();
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_lifecycleLock)
        {
            // On the thread pool: a caller blocking in Dispose on a single-threaded context cannot deadlock it.
            return _stopTask ??= Task.Run(() => StopCoreAsync(cancellationToken), CancellationToken.None);
        }
    }

    public ResourceUsage GetResourceUsage() =>
        new(_monitor.SampleCpuPercent(), _monitor.SampleMemoryPercent(), 100.0 * _queue.Count / _queue.Capacity);

    /// <summary>Completes when no report is running (tests use it after advancing the clock).</summary>
    internal async Task WhenIdleAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        _gate.Release();
    }

    private void OnTimer()
    {
        // A tick already queued on the thread pool when the timer was disposed must not touch a stopped engine.
        if (Volatile.Read(ref _stopTask) is not null)
        {
            return;
        }

        // At most one scheduled report waits behind a running one; further ticks are skipped.
        if (Interlocked.Exchange(ref _scheduledPending, 1) == 1)
        {
            return;
        }

        try
        {
            _ = RunExclusiveAsync(
                static (engine, token) =>
                {
                    Volatile.Write(ref engine._scheduledPending, 0);
                    return engine.ReportCoreAsync(final: false, token);
                },
                _shutdown.Token);
        }
        catch (ObjectDisposedException)
        {
            // Stopped and disposed between the check above and here: nothing to report.
        }
    }

    private async Task RunExclusiveAsync(Func<ReportingEngine, CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        try
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Volatile.Write(ref _scheduledPending, 0);
            return;
        }

        try
        {
            // Once stopping, the final report does the work.
            if (Volatile.Read(ref _stopTask) is null)
            {
                await work(this, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the stop path parks what is left.
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Reporter {Reporter}: a scheduled report failed.", Name);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        bool wasStarted;
        lock (_lifecycleLock)
        {
            wasStarted = _started;
            _timer?.Dispose();
            _timer = null;
        }

        _shutdown.CancelAfter(_options.StopTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        var token = linked.Token;
        var entered = false;
        var cutShort = false;
        var failed = false;
        try
        {
            await _gate.WaitAsync(token).ConfigureAwait(false);
            entered = true;
            if (wasStarted)
            {
                await ReportCoreAsync(final: true, token).ConfigureAwait(false);
            }
            else if (_queue.Count > 0)
            {
                // Never started: only what ReportNowAsync left queued is flushed. Offline storage is neither opened nor
                // replayed (a host that failed to start, disposing the reporters it built, sends nothing).
                await FlushAsync(final: true, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            cutShort = true;
            _logger.LogWarning("Reporter {Reporter}: the final flush did not finish within {StopTimeout}; unsent points were {Fate}.", Name, _options.StopTimeout, _options.OfflineStorage is null ? "dropped" : "stored offline");
        }
        catch (Exception ex)
        {
            failed = true;
            _logger.LogError(ex, "Reporter {Reporter}: the final report failed.", Name);
        }
        finally
        {
            var unsent = _queue.TakeAll();
            Park(unsent, "stopped with points unsent", unreported: unsent.Length);

            // A final report cut short or failed did not reach the backend, even when its points were kept in offline
            // storage rather than dropped: the status says so (a cancelled send counts as no failure on its own).
            if (cutShort || failed)
            {
                MarkFailure();
            }

            // The error handler hears of points a stop lost, as it does of every other send that lost points: those
            // of a flush cut short by StopTimeout or the caller, or left when the final report failed.
            ReportUnreportedDrops(
                cutShort
                    ? _shutdown.IsCancellationRequested
                        ? string.Create(CultureInfo.InvariantCulture, $"the final flush did not finish within StopTimeout ({_options.StopTimeout})")
                        : "the final flush was cancelled by the caller of StopAsync"
                    : failed
                        ? "the final report failed"
                        : $"{_backend.Name} could not be reached at stop");

            if (entered)
            {
                _gate.Release();
            }

            await ShutdownAsync(token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Set by a backend that hands failures it learns of late (OpenTSDB telnet error lines) to the error handler on
    /// another thread: called at stop once the backend is closed, it waits (until the token, the stop timeout, ends)
    /// for those already taken to be handed over, so the handler hears of none after the stop returned.
    /// </summary>
    internal Func<CancellationToken, Task<long>>? DrainLateFailures { get; set; }

    /// <summary>
    /// Set by a backend whose server answers on the connection after the last send (the Tendrl agent's errors): called
    /// at stop before the backend is disposed, it lets the server finish reading and answering (until the token, the
    /// stop timeout, ends), so that what it answers is not lost with the connection.
    /// </summary>
    internal Func<CancellationToken, Task>? CloseBackend { get; set; }

    private async Task ShutdownAsync(CancellationToken token)
    {
        try
        {
            _self.RemoveGauges();
        }
        catch (Exception ex)
        {
            _logger.LogDebug(ex, "Reporter {Reporter}: removing self-metric gauges failed.", Name);
        }

        ReporterNames.Release(_registry, Name);
        lock (_lifecycleLock)
        {
            _storeClosed = true;
            _store?.Dispose();
        }

        if (CloseBackend is { } close)
        {
            try
            {
                await close(token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Reporter {Reporter}: closing the backend's connection gracefully failed.", Name);
            }
        }

        try
        {
            await _backend.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Reporter {Reporter}: closing the backend failed.", Name);
        }

        if (DrainLateFailures is { } drain)
        {
            try
            {
                await drain(token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Reporter {Reporter}: handing the backend's last failures over failed.", Name);
            }
        }
    }

    /// <summary>Releases the shutdown timer. Call after <see cref="StopAsync"/> completed.</summary>
    public void Dispose() => _shutdown.Dispose();

    private void ThrowIfStopped()
    {
        if (Volatile.Read(ref _stopTask) is not null)
        {
            // Named after the public type: users never see the engine.
            throw new ObjectDisposedException(nameof(Reporter), $"Reporter {Name} was stopped; create a new reporter to report again.");
        }
    }

    // Reusing reads overwrite last report's gauge snapshots; a user's Filter sees every snapshot and might keep it,
    // so with a filter each report reads fresh snapshots that are never changed afterwards.
    private static Func<IReadOnlyList<MetricSnapshot>> ReadSource(MetricsReader reader, ReporterOptions options) =>
        () => options.Filter is null ? reader.ReadReusing() : reader.Read();
}
