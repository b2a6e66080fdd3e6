using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Metrics.Reporters.Wavefront;

/// <summary>
/// What the proxy and direct clients share: formats each item on the caller's thread, queues it (one bounded
/// queue per data kind; a full queue refuses and counts), and flushes the queues in batches to a sink on a timer,
/// on <see cref="FlushAsync"/> and on disposal. A batch that fails transiently is kept and sent first next time;
/// a batch the server refuses for good is dropped and counted. When the server answers with <c>Retry-After</c>
/// (429, 503), timer flushes wait that long (at most <see cref="MaxRetryAfter"/>) before sending again.
/// </summary>
internal sealed class WavefrontSender : IAsyncDisposable
{
    private readonly IWavefrontSink _sink;
    private readonly Dictionary<WavefrontDataKind, WavefrontLineQueue> _queues = new();
    private readonly Dictionary<WavefrontDataKind, WavefrontSdkMetrics> _metrics = new();
    private readonly SemaphoreSlim _flushGate = new(1, 1);
    private readonly WavefrontLineWriter _flushWriter = new();
    private readonly ITimer _timer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _batchSize;
    private readonly string _defaultSource;
    private long _failures;

    // The timestamp (on _time) before which timer flushes send nothing, as the server's Retry-After asked; 0 for none.
    private long _resumeAt;
    private int _disposed;

    // Set under the flush gate once the final flush has run: a flush that gets the gate later sends nothing (the
    // sink is closed) and throws. The gate itself is never disposed (it has no wait handle), so such a flush, and
    // every one queued behind it, still gets and gives back the gate instead of waiting for ever.
    private bool _closed;
    private int _enqueuing;

    public WavefrontSender(WavefrontClientOptions options, IWavefrontSink sink)
    {
        _sink = sink;
        _batchSize = options.BatchSize;
        _defaultSource = options.DefaultSource;
        Registry = options.Registry ?? new MetricsRegistry(new MetricsOptions { TimeProvider = options.TimeProvider });
        foreach (var kind in WavefrontDataKinds.All)
        {
            var queue = new WavefrontLineQueue(options.MaxQueueSize);
            _queues[kind] = queue;
            _metrics[kind] = new WavefrontSdkMetrics(Registry, sink.Name, kind, queue);
        }

        _logger = options.LoggerFactory?.CreateLogger("Metrics.Reporters.Wavefront") ?? NullLogger.Instance;
        _time = options.TimeProvider;
        _timer = options.TimeProvider.CreateTimer(static s => ((WavefrontSender)s!).OnTimer(), this, options.FlushInterval, options.FlushInterval);
    }

    /// <summary>The longest <c>Retry-After</c> followed, so a server's mistaken answer cannot stop the flushes for hours while the queues fill.</summary>
    internal static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(5);

    /// <summary>The registry holding this sender's own metrics.</summary>
    public MetricsRegistry Registry { get; }

    public long FailureCount => Interlocked.Read(ref _failures);

    internal WavefrontSdkMetrics MetricsOf(WavefrontDataKind kind) => _metrics[kind];

    internal int QueueSize(WavefrontDataKind kind) => _queues[kind].Count;

    /// <summary>For tests: the queue of one data kind.</summary>
    internal WavefrontLineQueue QueueOf(WavefrontDataKind kind) => _queues[kind];

    public bool SendMetric(string name, double value, long? timestamp, string? source, IEnumerable<KeyValuePair<string, string>>? tags) =>
        Enqueue(WavefrontDataKind.Metric, w =>
        {
            w.WriteMetric(name, value, timestamp, SourceOrDefault(source), tags);
            return true;
        });

    public bool SendDeltaCounter(string name, double value, string? source, IEnumerable<KeyValuePair<string, string>>? tags) =>
        Enqueue(WavefrontDataKind.Metric, w => w.WriteDeltaCounter(name, value, SourceOrDefault(source), tags));

    public bool SendDistribution(string name, IEnumerable<(double Mean, int Count)> centroids, IEnumerable<HistogramGranularity> granularities, long? timestamp, string? source, IEnumerable<KeyValuePair<string, string>>? tags) =>
        Enqueue(WavefrontDataKind.Distribution, w =>
        {
            var list = centroids?.Select(c => new Centroid(c.Mean, c.Count)).ToArray() ?? [];
            w.WriteDistribution(name, list, granularities.ToFlags(), timestamp, SourceOrDefault(source), tags);
            return true;
        });

    public bool SendSpan(
        string name,
        long startMillis,
        long durationMillis,
        string? source,
        Guid traceId,
        Guid spanId,
        IEnumerable<Guid>? parents,
        IEnumerable<Guid>? followsFrom,
        IEnumerable<KeyValuePair<string, string>>? tags,
        IEnumerable<SpanLog>? spanLogs)
    {
        var logs = spanLogs?.ToArray() ?? [];
        if (logs.Any(l => l is null))
        {
            _metrics[WavefrontDataKind.Span].Invalid.Inc();
            throw new ArgumentException($"The span logs of '{name}' contain null; give only non-null span logs.", nameof(spanLogs));
        }

        // A span and its span logs are one item: both are queued, or neither (a span sent without the logs its
        // "_spanLogs" tag announces, while the caller is told it was dropped, would be sent twice by a caller who
        // tries again).
        Interlocked.Increment(ref _enqueuing);
        try
        {
            ThrowIfDisposed();
            EnsureSupported(WavefrontDataKind.Span);
            var span = Format(WavefrontDataKind.Span, w => w.WriteSpan(name, startMillis, durationMillis, SourceOrDefault(source), traceId, spanId, parents, followsFrom, tags, logs.Length > 0));
            if (logs.Length == 0)
            {
                return Add(WavefrontDataKind.Span, span);
            }

            EnsureSupported(WavefrontDataKind.SpanLog);
            var logLine = Format(WavefrontDataKind.SpanLog, w => w.WriteSpanLogs(traceId, spanId, logs));
            var spans = _queues[WavefrontDataKind.Span];
            var spanLogQueue = _queues[WavefrontDataKind.SpanLog];
            if (!spans.TryReserve())
            {
                _metrics[WavefrontDataKind.Span].Dropped.Inc();
                return false;
            }

            if (!spanLogQueue.TryReserve())
            {
                spans.Unreserve();
                _metrics[WavefrontDataKind.Span].Dropped.Inc();
                _metrics[WavefrontDataKind.SpanLog].Dropped.Inc();
                return false;
            }

            spans.AddReserved(span);
            _metrics[WavefrontDataKind.Span].Valid.Inc();
            spanLogQueue.AddReserved(logLine);
            _metrics[WavefrontDataKind.SpanLog].Valid.Inc();
            return true;
        }
        finally
        {
            Interlocked.Decrement(ref _enqueuing);
        }
    }

    /// <summary>Sends already formatted lines at once, outside the queues. False (and counted) when delivery failed.</summary>
    public async Task<bool> SendNowAsync(WavefrontDataKind kind, IEnumerable<string> lines, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(lines);
        EnsureSupported(kind);
        var writer = new WavefrontLineWriter();
        var count = 0;
        foreach (var line in lines)
        {
            writer.WriteRaw(line);
            count++;
        }

        if (count == 0)
        {
            return true;
        }

        var status = await _sink.SendAsync(kind, writer.ToUtf8(), cancellationToken).ConfigureAwait(false);
        if (!status.Ok)
        {
            // Lines sent now are not queued: a failed send is not retried, so its lines are lost and counted so.
            Failed(kind, count, status, kept: false);
            _metrics[kind].Dropped.Inc(count);
        }

        return status.Ok;
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        await FlushCoreAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task FlushCoreAsync(CancellationToken cancellationToken)
    {
        await _flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_closed)
            {
                // Disposed while this flush waited for the one in progress: the final flush has sent the queues.
                ThrowIfDisposed();
            }

            await FlushQueuesAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _flushGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // A Send* that got past the disposed check is still adding its item: wait for it (formatting only, no I/O),
        // so the final flush below sees every item a caller was told was queued.
        var spin = default(SpinWait);
        while (Volatile.Read(ref _enqueuing) > 0)
        {
            spin.SpinOnce();
        }

        await _timer.DisposeAsync().ConfigureAwait(false);
        await _flushGate.WaitAsync().ConfigureAwait(false);
        try
        {
            await FlushQueuesAsync(CancellationToken.None).ConfigureAwait(false);
            foreach (var kind in WavefrontDataKinds.All)
            {
                var left = _queues[kind].Count;
                if (left > 0)
                {
                    _metrics[kind].Dropped.Inc(left);
                    _queues[kind].Release(left);
                    _logger.LogWarning("Wavefront {Sink} client closed with {Count} {Kind} undelivered; they were dropped.", _sink.Name, left, kind.Describe());
                }
            }

            _closed = true;
        }
        finally
        {
            _flushGate.Release();

            // The registry may outlive this client: its queue.size gauge stops reading (and holding) this client's queues.
            foreach (var metrics in _metrics.Values)
            {
                metrics.Detach();
            }
        }

        // A SendNowAsync that got past the disposed check may still reach the sink: a closed sink refuses it
        // rather than opening a connection nobody would close.
        await _sink.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Sends every queue in turn; the caller holds the flush gate. A <paramref name="timer"/> flush sends nothing while
    /// the server's <c>Retry-After</c> runs (the kept batch and the queues go once it has passed); a flush the caller
    /// asked for, or the final one at disposal, sends anyway.
    /// </summary>
    private async Task FlushQueuesAsync(CancellationToken cancellationToken, bool timer = false)
    {
        foreach (var kind in WavefrontDataKinds.All)
        {
            if (timer && Waiting())
            {
                return;
            }

            await FlushKindAsync(kind, cancellationToken).ConfigureAwait(false);
        }
    }

    private bool Waiting()
    {
        var resumeAt = Interlocked.Read(ref _resumeAt);
        return resumeAt != 0 && _time.GetTimestamp() < resumeAt;
    }

    private async Task FlushKindAsync(WavefrontDataKind kind, CancellationToken cancellationToken)
    {
        var queue = _queues[kind];

        // Only what is queued now: items added during the flush wait for the next one, so a flush ends even while
        // callers keep sending as fast as the server takes lines.
        var remaining = queue.Count;
        while (remaining > 0)
        {
            var batch = queue.Take(Math.Min(_batchSize, remaining));
            if (batch.Count == 0)
            {
                return;
            }

            remaining -= batch.Count;
            var (kept, cancelled) = await SendBatchAsync(kind, batch, cancellationToken).ConfigureAwait(false);
            if (kept is not null)
            {
                queue.Keep(kept);
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (kept is not null || cancelled)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Sends one batch; a batch the server finds too large (HTTP 413) is split in halves, sent in turn. Releases what
    /// was delivered or dropped for good and returns what failed transiently or was cut short by cancellation (to be
    /// kept and sent first next time), or null.
    /// </summary>
    private async Task<(List<string>? Kept, bool Cancelled)> SendBatchAsync(WavefrontDataKind kind, List<string> batch, CancellationToken cancellationToken)
    {
        var queue = _queues[kind];
        _flushWriter.Clear();
        foreach (var item in batch)
        {
            _flushWriter.WriteRaw(item);
        }

        WavefrontSendStatus status;
        try
        {
            status = await _sink.SendAsync(kind, _flushWriter.ToUtf8(), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return (batch, true);
        }
#pragma warning disable CA1031 // A sink that throws must not lose the batch it was given: it is kept like any transient failure.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            status = WavefrontSendStatus.Transient($"Sending {kind.Describe()} through the Wavefront {_sink.Name} failed: {ex.GetType().Name}: {ex.Message}", exception: ex);
        }

        if (status.Ok)
        {
            queue.Release(batch.Count);
            Interlocked.Exchange(ref _resumeAt, 0);
            return (null, false);
        }

        if (status.StatusCode == 413 && batch.Count > 1)
        {
            var half = batch.Count / 2;
            var second = batch.GetRange(half, batch.Count - half);
            var first = await SendBatchAsync(kind, batch.GetRange(0, half), cancellationToken).ConfigureAwait(false);
            return first.Kept is null && !first.Cancelled
                ? await SendBatchAsync(kind, second, cancellationToken).ConfigureAwait(false)
                : ([.. first.Kept ?? [], .. second], first.Cancelled);
        }

        Failed(kind, batch.Count, status);
        if (status.Permanent)
        {
            queue.Release(batch.Count);
            _metrics[kind].Dropped.Inc(batch.Count);
            return (null, false);
        }

        if (status.RetryAfter is { } retryAfter && retryAfter > TimeSpan.Zero)
        {
            var wait = retryAfter < MaxRetryAfter ? retryAfter : MaxRetryAfter;
            Interlocked.Exchange(ref _resumeAt, _time.GetTimestamp() + (long)(wait.TotalSeconds * _time.TimestampFrequency));
        }

        return (batch, false);
    }

    /// <summary>For tests: completes once no flush is running.</summary>
    internal async Task IdleAsync()
    {
        await _flushGate.WaitAsync().ConfigureAwait(false);
        _flushGate.Release();
    }

    private void Failed(WavefrontDataKind kind, int items, WavefrontSendStatus status, bool kept = true)
    {
        Interlocked.Increment(ref _failures);
        _metrics[kind].ReportErrors.Inc();
        _logger.LogWarning(
            status.Exception,
            "Wavefront {Sink} client could not deliver {Count} {Kind} ({Outcome}): {Error}",
            _sink.Name,
            items,
            kind.Describe(),
            status.Permanent || !kept ? "dropped" : "kept for the next flush",
            status.Error);
    }

    private bool Enqueue(WavefrontDataKind kind, Func<WavefrontLineWriter, bool> format)
    {
        // Counted before the disposed check (both are full fences), so DisposeAsync either sees this call and waits
        // for it, or this call sees the disposal and throws.
        Interlocked.Increment(ref _enqueuing);
        try
        {
            ThrowIfDisposed();
            return FormatAndAdd(kind, format);
        }
        finally
        {
            Interlocked.Decrement(ref _enqueuing);
        }
    }

    private bool FormatAndAdd(WavefrontDataKind kind, Func<WavefrontLineWriter, bool> format)
    {
        EnsureSupported(kind);
        var writer = new WavefrontLineWriter(256);
        bool written;
        try
        {
            written = format(writer);
        }
        catch (ArgumentException)
        {
            _metrics[kind].Invalid.Inc();
            throw;
        }

        return !written || Add(kind, writer.ToString());
    }

    /// <summary>Formats one item; invalid input is counted and thrown.</summary>
    private string Format(WavefrontDataKind kind, Action<WavefrontLineWriter> format)
    {
        var writer = new WavefrontLineWriter(256);
        try
        {
            format(writer);
        }
        catch (ArgumentException)
        {
            _metrics[kind].Invalid.Inc();
            throw;
        }

        return writer.ToString();
    }

    private bool Add(WavefrontDataKind kind, string item)
    {
        if (_queues[kind].TryAdd(item))
        {
            _metrics[kind].Valid.Inc();
            return true;
        }

        _metrics[kind].Dropped.Inc();
        return false;
    }

    private void EnsureSupported(WavefrontDataKind kind)
    {
        if (!_sink.Supports(kind))
        {
            throw new InvalidOperationException(_sink.Unsupported(kind));
        }
    }

    private string SourceOrDefault(string? source) => string.IsNullOrWhiteSpace(source) ? _defaultSource : source;

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            throw new ObjectDisposedException(_sink.Name == "proxy" ? nameof(WavefrontProxyClient) : nameof(WavefrontDirectClient), "The Wavefront client was disposed; create a new one to send again.");
        }
    }

    private void OnTimer()
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            return;
        }

        _ = FlushOnTimerAsync();
    }

    private async Task FlushOnTimerAsync()
    {
        // A tick that finds a flush still running is skipped: that flush sends what is queued. Waiting instead would
        // pile up one flush per tick behind a slow server (a 30 s timeout with a 1 s interval) without bound.
        if (!await _flushGate.WaitAsync(0).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            if (_closed)
            {
                // A tick that raced with disposal: the final flush has run and the sink is closed.
                return;
            }

            await FlushQueuesAsync(CancellationToken.None, timer: true).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A timer flush must never take the process down; failures are counted and logged in FlushKindAsync.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.LogWarning(ex, "Wavefront {Sink} client flush failed.", _sink.Name);
        }
        finally
        {
            _flushGate.Release();
        }
    }
}
