using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using Metrics.Reporters.Engine;
using Metrics.Reporters.OpenTsdb;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters;

/// <summary>
/// Sends points to OpenTSDB directly, without a registry (the potsdb client's job): <see cref="Send"/> only
/// enqueues, and a background task writes the queue in batches over telnet or HTTP, reconnecting with backoff
/// 1, 2, 4 ... 30 s and resending a batch that could not be written.
/// </summary>
/// <remarks>
/// Thread-safe. The queue is bounded (<see cref="OpenTsdbClientOptions.MaxQueueSize"/>): when full, the oldest point
/// is dropped, counted in <see cref="Dropped"/> and reported through the error handler (one report per send at most,
/// with the number dropped since the last one). Dispose (or DisposeAsync) sends what is queued for at most
/// <see cref="OpenTsdbClientOptions.DisposeTimeout"/>, then closes the connection; points still queued then are
/// dropped, counted and reported.
/// </remarks>
public sealed class OpenTsdbClient : IDisposable, IAsyncDisposable
{
    private const string Name = "opentsdb-client";

    private readonly IReportBackend _backend;
    private readonly ServerFailures _failures;
    private readonly TimeProvider _time;
    private readonly int _maxQueue;
    private readonly int _batchSize;
    private readonly double _rate;
    private readonly TimeSpan _disposeTimeout;
    private readonly ConcurrentQueue<DataPoint> _queue = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _drainLock = new();
    private readonly Task _loop;
    private TaskCompletionSource? _drained;
    private int _queued;
    private long _pending;
    private long _dropped;
    private long _droppedReported;
    private long _sent;
    private long _failed;
    private long _skipped;
    private double _tokens;
    private long _tokensAt;
    private int _disposed;

    /// <summary>
    /// The longest a server's <c>Retry-After</c> holds a batch back: a longer one (a misconfigured proxy answering
    /// a day) is cut to this, and the batch is tried again then, waiting again if the server says so again.
    /// </summary>
    internal static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(5);

    /// <summary>Creates a client and starts its background sender.</summary>
    /// <param name="options">The options; <see cref="OpenTsdbClientOptions.Endpoint"/> is required.</param>
    /// <exception cref="ArgumentException">An option is missing or out of range (the message names it).</exception>
    /// <exception cref="IOException"><see cref="OpenTsdbClientOptions.CheckConnectivity"/> is on and the endpoint cannot be reached.</exception>
    public OpenTsdbClient(OpenTsdbClientOptions options)
        : this(options, null, null, TimeProvider.System)
    {
    }

    /// <summary>Creates a client over an injected transport (tests); with neither transport the endpoint picks one.</summary>
    internal OpenTsdbClient(OpenTsdbClientOptions options, ILineTransport? lineTransport, IHttpTransport? httpTransport, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var settings = OpenTsdbSettings.From(options);
        if (options.MaxQueueSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxQueueSize, "MaxQueueSize must be at least 1.");
        }

        if (options.BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "BatchSize must be at least 1.");
        }

        if (options.MaxPointsPerSecond < 0 || double.IsNaN(options.MaxPointsPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxPointsPerSecond, "MaxPointsPerSecond must be 0 (no limit) or positive.");
        }

        if (options.DisposeTimeout < TimeSpan.Zero && options.DisposeTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DisposeTimeout, "DisposeTimeout must not be negative.");
        }

        if (options.CheckConnectivity && lineTransport == null && httpTransport == null)
        {
            CheckConnectivity(settings);
        }

        _time = time;
        _maxQueue = options.MaxQueueSize;
        _batchSize = options.BatchSize;
        _rate = double.IsInfinity(options.MaxPointsPerSecond) ? 0 : options.MaxPointsPerSecond;
        _tokens = Math.Max(1, _rate);
        _tokensAt = time.GetTimestamp();
        _disposeTimeout = options.DisposeTimeout;
        _failures = new ServerFailures(Name, options.ErrorHandler, options.LoggerFactory);
        _backend = OpenTsdbBackends.Create(settings, ServerError, time, lineTransport, httpTransport);
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Points waiting to be sent, the batch being sent included.</summary>
    public long Pending => Volatile.Read(ref _pending);

    /// <summary>Points dropped: the oldest when the queue was full, and those still queued when disposal gave up.</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>Points written to the server (telnet) or accepted by it (HTTP).</summary>
    public long Sent => Volatile.Read(ref _sent);

    /// <summary>Points the server rejected (an HTTP details entry, or a telnet error line), or that failed for good; each failure also went to the error handler.</summary>
    public long Failed => Volatile.Read(ref _failed);

    /// <summary>Points not sent because their value was NaN or infinite.</summary>
    public long Skipped => Volatile.Read(ref _skipped);

    /// <summary>
    /// Queues one point and returns at once; a background task sends it. When the queue is full the oldest point is
    /// dropped (see <see cref="Dropped"/>). A NaN or infinite value is skipped and counted in <see cref="Skipped"/>.
    /// </summary>
    /// <param name="name">The metric name, e.g. <c>sys.cpu</c>.</param>
    /// <param name="value">The value. Integral values are written without a decimal point.</param>
    /// <param name="tags">The point's tags; the automatic host tag is added unless they have a <c>host</c> tag. Default none.</param>
    /// <param name="timestamp">When the value was observed (sent in whole seconds). Default now.</param>
    /// <exception cref="ArgumentException">The point cannot be sent: an empty name or tag, more tags than <see cref="OpenTsdbClientOptions.MaxTags"/>, no tag at all, an over-long line, or an invalid character under <see cref="OpenTsdbInvalidCharacters.Reject"/>.</exception>
    /// <exception cref="ObjectDisposedException">The client is disposed.</exception>
    public void Send(string name, double value, Tags? tags = null, DateTimeOffset? timestamp = null)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ArgumentNullException.ThrowIfNull(name);
        if (!double.IsFinite(value))
        {
            Interlocked.Increment(ref _skipped);
            return;
        }

        var point = new DataPoint(name, tags ?? Tags.Empty, timestamp ?? _time.GetUtcNow(), value);
        if (_backend.Validate(point) is { } error)
        {
            throw new ArgumentException(error, nameof(name));
        }

        Interlocked.Increment(ref _pending);
        _queue.Enqueue(point);
        if (Interlocked.Increment(ref _queued) > _maxQueue && _queue.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _queued);
            Interlocked.Increment(ref _dropped);
            Done(1);
        }

        if (_signal.CurrentCount == 0)
        {
            _signal.Release();
        }
    }

    /// <summary>
    /// Waits until every point queued so far has been sent, or until <paramref name="deadline"/> has passed.
    /// Never blocks longer than the deadline, even while the server is down.
    /// </summary>
    /// <param name="deadline">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits without limit.</param>
    /// <param name="cancellationToken">Stops waiting (the points stay queued).</param>
    /// <returns>True when everything was sent; false when the deadline passed first.</returns>
    public async Task<bool> FlushAsync(TimeSpan deadline, CancellationToken cancellationToken = default)
    {
        if (deadline < TimeSpan.Zero && deadline != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(deadline), deadline, "The deadline must not be negative.");
        }

        TaskCompletionSource drained;
        lock (_drainLock)
        {
            if (Volatile.Read(ref _pending) == 0)
            {
                return true;
            }

            drained = _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timeout = Task.Delay(deadline, _time, cts.Token);
        var first = await Task.WhenAny(drained.Task, timeout).ConfigureAwait(false);
        await cts.CancelAsync().ConfigureAwait(false);
        if (first == drained.Task)
        {
            return true;
        }

        cancellationToken.ThrowIfCancellationRequested();
        return Volatile.Read(ref _pending) == 0;
    }

    /// <summary>Sends what is queued within <see cref="OpenTsdbClientOptions.DisposeTimeout"/>, then stops and closes the connection. Idempotent.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// Sends what is queued within <see cref="OpenTsdbClientOptions.DisposeTimeout"/>, then stops and closes the
    /// connection, and waits (within the same time) for server error lines already read to reach the error handler.
    /// Idempotent.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Bounds the flush and then the wait for server error lines still to reach the error handler.
        using var deadline = new CancellationTokenSource(_disposeTimeout, _time);
        await FlushAsync(_disposeTimeout).ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        var left = Interlocked.Exchange(ref _pending, 0);
        if (left > 0)
        {
            Interlocked.Add(ref _dropped, left);
            _failures.Report(new ReportFailure(Name, null, 0, left, [
                string.Create(CultureInfo.InvariantCulture, $"{left} point(s) were still queued when the client was disposed after waiting {_disposeTimeout.TotalSeconds:0.#} s; they were dropped."),
            ]));
        }

        await _backend.DisposeAsync().ConfigureAwait(false);

        // Error lines already read reach the handler before this returns (or, past DisposeTimeout, are counted and logged).
        await _failures.DrainAsync(deadline.Token).ConfigureAwait(false);
        _stop.Dispose();
        _signal.Dispose();
    }

    private static void CheckConnectivity(OpenTsdbSettings settings)
    {
        var port = settings.IsTelnet ? settings.Port : settings.Endpoint.Port;
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(settings.ConnectTimeout);
        try
        {
            client.ConnectAsync(settings.Host, port, timeout.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            var why = ex is OperationCanceledException ? string.Create(CultureInfo.InvariantCulture, $"no answer within {settings.ConnectTimeout.TotalSeconds:0.#} s") : ex.Message;
            throw new IOException(
                string.Create(CultureInfo.InvariantCulture, $"OpenTSDB at {settings.Host}:{port} is not reachable ({why}). Start the server or fix Endpoint; set CheckConnectivity = false to connect on the first send instead."),
                ex);
        }
    }

    private async Task LoopAsync()
    {
        var token = _stop.Token;
        var batch = new List<DataPoint>(_batchSize);
        while (!token.IsCancellationRequested)
        {
            try
            {
                if (_queue.IsEmpty)
                {
                    await _signal.WaitAsync(token).ConfigureAwait(false);
                    continue;
                }

                var allowed = await TakeTokensAsync(token).ConfigureAwait(false);
                batch.Clear();
                while (batch.Count < allowed && _queue.TryDequeue(out var point))
                {
                    Interlocked.Decrement(ref _queued);
                    batch.Add(point);
                }

                if (batch.Count > 0)
                {
                    await SendAsync(batch, token).ConfigureAwait(false);
                    ReportDrops();
                    Done(batch.Count);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
        }
    }

    // Waits until the rate limit allows at least one point; returns how many points may go now.
    private async Task<int> TakeTokensAsync(CancellationToken token)
    {
        if (_rate <= 0)
        {
            return _batchSize;
        }

        while (true)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(Math.Max(1, _rate), _tokens + (_time.GetElapsedTime(_tokensAt, now).TotalSeconds * _rate));
            _tokensAt = now;
            if (_tokens >= 1)
            {
                var n = (int)Math.Min(_batchSize, Math.Floor(_tokens));
                n = Math.Min(n, Math.Max(1, Volatile.Read(ref _queued)));
                _tokens -= n;
                return n;
            }

            await Task.Delay(TimeSpan.FromSeconds((1 - _tokens) / _rate), _time, token).ConfigureAwait(false);
        }
    }

    // Sends one batch until it is delivered or fails for good; transient failures wait 1, 2, 4 ... 30 s and resend.
    private async Task SendAsync(List<DataPoint> batch, CancellationToken token)
    {
        var failures = 0;
        while (true)
        {
            SendResult result;
            try
            {
                result = await _backend.SendAsync(batch, token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
            {
                result = new SendResult(SendOutcome.Permanent, 0, batch.Count, [$"Sending to OpenTSDB failed unexpectedly: {ex.Message}"], Exception: ex);
            }

            switch (result.Outcome)
            {
                case SendOutcome.Success:
                    Interlocked.Add(ref _sent, result.Succeeded);
                    return;
                case SendOutcome.Transient:
                    ReportDrops();
                    failures++;
                    var wait = TcpLineTransport.BackoffFor(failures);
                    if (result.RetryAfter is { } retryAfter && retryAfter > wait)
                    {
                        wait = retryAfter < MaxRetryAfter ? retryAfter : MaxRetryAfter;
                    }

                    _failures.Report(new ReportFailure(
                        Name,
                        result.StatusCode,
                        0,
                        batch.Count,
                        [.. result.Errors, string.Create(CultureInfo.InvariantCulture, $"Resending in {wait.TotalSeconds:0} s.")],
                        result.Exception));
                    await Task.Delay(wait, _time, token).ConfigureAwait(false);
                    continue;
                case SendOutcome.TooLarge when batch.Count > 1:
                    var half = batch.Count / 2;
                    await SendAsync(batch.GetRange(0, half), token).ConfigureAwait(false);
                    await SendAsync(batch.GetRange(half, batch.Count - half), token).ConfigureAwait(false);
                    return;
                default:
                    Interlocked.Add(ref _sent, result.Succeeded);
                    Interlocked.Add(ref _failed, result.Failed);
                    _failures.Report(new ReportFailure(Name, result.StatusCode, result.Succeeded, result.Failed, result.Errors, result.Exception));
                    return;
            }
        }
    }

    // A telnet server answers only when a put failed: that point was counted as sent, and is now also failed.
    private void ServerError(string line)
    {
        Interlocked.Increment(ref _failed);
        _failures.ServerError(line);
    }

    // Says how many points the full queue dropped since it last said so: from the sender, at most once per send
    // attempt, so that a flood of drops never floods the error handler nor slows Send.
    private void ReportDrops()
    {
        var dropped = Volatile.Read(ref _dropped);
        var unreported = dropped - _droppedReported;
        if (unreported <= 0)
        {
            return;
        }

        _droppedReported = dropped;
        _failures.Report(new ReportFailure(Name, null, 0, unreported, [
            string.Create(CultureInfo.InvariantCulture, $"{unreported} point(s) dropped: the queue was full (MaxQueueSize = {_maxQueue}) and the oldest points made room. Raise MaxQueueSize, or send fewer points."),
        ]));
    }

    private void Done(int count)
    {
        if (Interlocked.Add(ref _pending, -count) != 0)
        {
            return;
        }

        lock (_drainLock)
        {
            if (Volatile.Read(ref _pending) == 0 && _drained != null)
            {
                _drained.TrySetResult();
                _drained = null;
            }
        }
    }
}
