using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Metrics.Reporters.Offline;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Metrics.Reporters.Engine;

/// <summary>Sending: batching, retry, outcome handling, offline storage and replay.</summary>
internal sealed partial class ReportingEngine
{
    /// <summary>Sends what is queued in batches; then, if the backend took everything, replays offline storage.</summary>
    private async Task FlushAsync(bool final, CancellationToken cancellationToken)
    {
        PurgeExpired();
        if (_queue.Count > 0 || (_store?.Count ?? 0) > 0)
        {
            MarkPending();
        }
        else
        {
            MarkNothingWaiting();
        }

        var reachable = true;
        while (_queue.Count > 0)
        {
            var batch = _queue.Take(NextBatchSize());
            Delivery delivery;

            // Taken from the queue, the batch is still to be delivered: the health check counts it as pending, so a
            // send that never returns (a server that accepted the connection and reads nothing) is not healthy.
            Interlocked.Exchange(ref _inFlight, batch.Length);
            try
            {
                delivery = await DeliverAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Exchange(ref _inFlight, 0);
            }

            if (!delivery.Reachable)
            {
                // Retries exhausted: the error handler heard that the points tried failed, not of a split batch's
                // untried rest, nor that offline storage, when on, could not keep them. Cancelled: whoever cancelled
                // (a stop, or the caller of ReportNowAsync) reports them.
                var why = delivery.Cancelled ? "cancelled" : "retries exhausted";
                var unreported = delivery.Cancelled || _options.OfflineStorage is not null ? delivery.Undelivered.Count : delivery.Untried;
                Park(delivery.Undelivered, why, unreported);
                reachable = false;
                cancellationToken.ThrowIfCancellationRequested();
                break;
            }
        }

        if (reachable)
        {
            await ReplayAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        if (final)
        {
            // The backend is down: the rest would only wait out the stop timeout.
            var rest = _queue.TakeAll();
            Park(rest, "backend unreachable at stop", unreported: rest.Length);
        }

        ReportUnreportedDrops($"{_backend.Name} could not be reached{(final ? " at stop" : string.Empty)}");
    }

    /// <summary>Replays stored points oldest first; a batch is deleted only once the backend took it.</summary>
    private async Task ReplayAsync(CancellationToken cancellationToken)
    {
        var store = EnsureStore();
        if (store is null)
        {
            return;
        }

        // Rows the backend took but whose deletion failed (a full disk, a file turned read-only) are deleted first:
        // until they are, reading would hand them out again and they would be sent at every report.
        if (_undeleted is { } undeleted)
        {
            if (!ReferenceEquals(undeleted.Store, store))
            {
                _undeleted = null;
            }
            else
            {
                try
                {
                    store.Delete(undeleted.Rows);
                    _undeleted = null;
                }
                catch (Exception ex) when (ex is SqliteException or ObjectDisposedException)
                {
                    _logger.LogError(ex, "Reporter {Reporter}: offline storage still cannot delete {Count} points it replayed; replay waits until it can.", Name, undeleted.Rows.Count);
                    CloseIfCorrupt(ex);
                    return;
                }
            }
        }

        while (store.Count > 0 && !cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<StoredPoint> rows;
            try
            {
                rows = store.ReadOldest(_options.OfflineStorage!.ReplayBatchSize, out var discarded);
                if (discarded > 0)
                {
                    _self.Drop(discarded);
                    _logger.LogWarning("Reporter {Reporter}: {Count} stored points could not be read back from offline storage and were discarded.", Name, discarded);
                    Notify(new ReportFailure(Name, null, 0, discarded, [
                        string.Create(CultureInfo.InvariantCulture, $"{discarded} stored points could not be read back from offline storage ({_options.OfflineStorage.Path}) and were discarded"),
                    ]));
                }
            }
            catch (Exception ex) when (ex is SqliteException or ObjectDisposedException)
            {
                _logger.LogError(ex, "Reporter {Reporter}: reading offline storage failed; replay stops for this report.", Name);
                CloseIfCorrupt(ex);
                return;
            }

            if (rows.Count == 0)
            {
                return;
            }

            var points = new DataPoint[rows.Count];
            for (var i = 0; i < rows.Count; i++)
            {
                points[i] = rows[i].Point;
            }

            var replayAware = _backend as IReplayAwareBackend;
            Delivery delivery;
            try
            {
                replayAware?.Replaying = true;
                delivery = await DeliverAsync(points, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                replayAware?.Replaying = false;
            }

            // What was not delivered is always the batch's tail (a batch split in halves goes on to its second half
            // only once the first is through): the rows before it were accepted, or dropped and counted, and go. The
            // tail is kept for the next attempt: at-least-once, and no point the backend already took is sent again.
            var handled = rows.Count - delivery.Undelivered.Count;
            IReadOnlyList<StoredPoint> done = handled == rows.Count ? rows : [.. rows.Take(handled)];
            try
            {
                if (handled > 0)
                {
                    store.Delete(done);
                }
            }
            catch (Exception ex) when (ex is SqliteException or ObjectDisposedException)
            {
                // Kept in memory and deleted before the next replay: not sent again by this reporter (a restart
                // before they are deleted sends them once more: at-least-once).
                _undeleted = (store, done);
                _logger.LogError(ex, "Reporter {Reporter}: deleting {Count} replayed points from offline storage failed; they are deleted at the next report, and replay waits until then.", Name, done.Count);
                CloseIfCorrupt(ex);
                return;
            }

            if (!delivery.Reachable)
            {
                return;
            }
        }
    }

    /// <summary>Sends one batch with retry, splitting it when the backend says it is too large. Never throws.</summary>
    private async Task<Delivery> DeliverAsync(DataPoint[] batch, CancellationToken cancellationToken)
    {
        if (batch.Length == 0)
        {
            return Delivery.Done;
        }

        var lateBefore = Interlocked.Read(ref _lateFailures);
        SendResult result;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            result = await _pipeline.ExecuteAsync(
                static (state, token) => state.Engine.SendOnceAsync(state.Batch, token),
                (Engine: this, Batch: batch),
                cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return new Delivery(batch, Cancelled: true);
        }

        if (_backendMetrics is not null)
        {
            try
            {
                _backendMetrics.OnDelivered(batch.Length, result);
            }
            catch (Exception ex)
            {
                _logger.LogDebug(ex, "Reporter {Reporter}: the backend's self-metrics hook failed.", Name);
            }
        }

        var count = batch.Length;
        switch (result.Outcome)
        {
            case SendOutcome.Success:
                _self.Succeeded.Inc(count);
                MarkSuccess(lateBefore);
                return Delivery.Done;

            case SendOutcome.PartialFailure:
                var failed = Math.Clamp(result.Failed, 0, count);
                var succeeded = Math.Clamp(result.Succeeded, 0, count - failed);
                _self.Succeeded.Inc(succeeded);
                _self.Failed.Inc(failed);
                _self.Drop(failed);

                // A send whose every point was rejected delivered nothing: it is no success for the reporter's status
                // (a backend refusing all the points, say for their tags, must not look healthy).
                if (succeeded > 0 || failed == 0)
                {
                    MarkSuccess(lateBefore);
                }
                else
                {
                    MarkFailure();
                }

                Notify(new ReportFailure(Name, result.StatusCode, succeeded, failed, result.Errors ?? [], result.Exception));
                return Delivery.Done;

            case SendOutcome.TooLarge when count > 1:
                var half = count / 2;
                var first = await DeliverAsync(Slice(batch, 0, half), cancellationToken).ConfigureAwait(false);
                if (!first.Reachable)
                {
                    return new Delivery([.. first.Undelivered, .. Slice(batch, half, count - half)], first.Cancelled, first.Untried + count - half);
                }

                return await DeliverAsync(Slice(batch, half, count - half), cancellationToken).ConfigureAwait(false);

            case SendOutcome.Transient:
                _self.Failed.Inc(count);
                MarkFailure();
                Notify(new ReportFailure(Name, result.StatusCode, 0, count, WithAttempts(result.Errors), result.Exception));
                return new Delivery(batch, Cancelled: false);

            default:
                // Permanent, or a single point that is still too large: retrying cannot help.
                _self.Failed.Inc(count);
                _self.Drop(count);
                MarkFailure();
                var errors = result.Outcome == SendOutcome.TooLarge
                    ? [$"a single point is too large for {_backend.Name}", .. result.Errors ?? []]
                    : result.Errors ?? [];
                Notify(new ReportFailure(Name, result.StatusCode, 0, count, errors, result.Exception));
                return Delivery.Done;
        }
    }

    /// <summary>One backend call, timed and counted; a backend exception becomes a transient result.</summary>
    private async ValueTask<SendResult> SendOnceAsync(DataPoint[] batch, CancellationToken cancellationToken)
    {
        _self.Sent.Inc(batch.Length);
        var started = _time.GetTimestamp();
        SendResult result;
        try
        {
            // WaitAsync: a backend that ignores cancellation still cannot hold up a stop.
            result = await _backend.SendAsync(batch, cancellationToken).AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            result = result with { Errors = result.Errors ?? [] };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            result = SendResult.Transient(batch.Length, $"{_backend.Name} failed: {ex.GetType().Name}: {ex.Message}", exception: ex);
        }

        var elapsed = _time.GetElapsedTime(started);
        _self.SendTimer.Update(elapsed);
        if (_backendMetrics is not null)
        {
            try
            {
                _backendMetrics.OnSendCompleted(batch.Length, result, elapsed);
            }
            catch (Exception ex)
            {
                _logger.LogDebug(ex, "Reporter {Reporter}: the backend's self-metrics hook failed.", Name);
            }
        }

        return result;
    }

    private ResiliencePipeline<SendResult> BuildRetryPipeline()
    {
        var retry = _options.Retry;
        var builder = new ResiliencePipelineBuilder<SendResult> { TimeProvider = _time };
        if (retry.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<SendResult>
            {
                MaxRetryAttempts = retry.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                Delay = retry.BaseDelay,
                MaxDelay = retry.MaxDelay,
                UseJitter = false,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Result.Outcome == SendOutcome.Transient),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(RetryDelay(args.AttemptNumber, args.Outcome.Result.RetryAfter)),
            });
        }

        return builder.Build();
    }

    /// <summary>
    /// The backend's Retry-After when it gave one (capped at MaxDelay); otherwise exponential backoff from BaseDelay,
    /// capped at MaxDelay, with full jitter (uniform in [0, delay)) when enabled.
    /// </summary>
    [SuppressMessage("Security", "CA5394:Do not use insecure randomness", Justification = "Retry jitter, not security.")]
    internal TimeSpan RetryDelay(int attempt, TimeSpan? retryAfter)
    {
        var retry = _options.Retry;
        if (retryAfter is { } after && after >= TimeSpan.Zero)
        {
            return after < retry.MaxDelay ? after : retry.MaxDelay;
        }

        var exponential = retry.BaseDelay.Ticks * Math.Pow(2, Math.Min(attempt, 62));
        var ticks = Math.Min(exponential, retry.MaxDelay.Ticks);
        if (retry.UseJitter)
        {
            ticks *= _random.NextDouble();
        }

        return TimeSpan.FromTicks((long)ticks);
    }

    private int NextBatchSize()
    {
        var size = _options.AdaptiveBatching is { } adaptive
            ? AdaptiveBatchSizer.Compute(adaptive, _options.BatchSize, GetResourceUsage())
            : _options.BatchSize;
        Volatile.Write(ref _currentBatchSize, size);
        return size;
    }

    /// <summary>
    /// Points that cannot be sent now: to offline storage when enabled, otherwise dropped and counted. Returns how
    /// many were dropped. When they are dropped, <paramref name="unreported"/> of them (those no ReportFailure has
    /// counted yet, and the caller does not report itself) wait in <see cref="_unreportedDrops"/> for
    /// <see cref="ReportUnreportedDrops"/>.
    /// </summary>
    private int Park(IReadOnlyList<DataPoint> points, string why, int unreported)
    {
        if (points.Count == 0)
        {
            return 0;
        }

        for (var attempt = 0; attempt < 2 && EnsureStore() is { } store; attempt++)
        {
            try
            {
                var evicted = store.Store(points);
                _self.Stored.Inc(points.Count);
                if (evicted > 0)
                {
                    _self.Drop(evicted);
                    var max = _options.OfflineStorage!.MaxStoredPoints;
                    _logger.LogWarning("Reporter {Reporter}: offline storage is full ({Max} points); dropped the {Count} oldest.", Name, max, evicted);
                    Notify(new ReportFailure(Name, null, 0, evicted, [
                        string.Create(CultureInfo.InvariantCulture, $"offline storage is full (MaxStoredPoints = {max}); the {evicted} oldest stored points were dropped to make room"),
                    ]));
                }

                return 0;
            }
            catch (Exception ex) when (ex is SqliteException or ObjectDisposedException or IOException)
            {
                if (attempt == 0 && CloseIfCorrupt(ex))
                {
                    // The next EnsureStore moves the damaged file aside and starts a fresh one: store there.
                    continue;
                }

                _logger.LogError(ex, "Reporter {Reporter}: writing {Count} points to offline storage failed; they are dropped.", Name, points.Count);
                break;
            }
        }

        _self.Drop(points.Count);
        Interlocked.Add(ref _unreportedDrops, Math.Clamp(unreported, 0, points.Count));

        _logger.LogDebug("Reporter {Reporter}: dropped {Count} points ({Why}).", Name, points.Count, why);
        return points.Count;
    }

    /// <summary>Tells the error handler, in one failure, of the points Park dropped that no failure has counted yet.</summary>
    private void ReportUnreportedDrops(string why)
    {
        var lost = Interlocked.Exchange(ref _unreportedDrops, 0);
        if (lost > 0)
        {
            Notify(new ReportFailure(Name, null, 0, lost, [$"{why}; {lost.ToString(CultureInfo.InvariantCulture)} unsent points were dropped{(_options.OfflineStorage is null ? " (no offline storage)" : " (" + StorageFailure() + ")")}"]));
        }
    }

    /// <summary>Why points meant for offline storage were dropped: the file unavailable (saying why), or a failed write.</summary>
    private string StorageFailure()
    {
        lock (_lifecycleLock)
        {
            return _store is null && _storeUnavailable is { } why ? why : "offline storage failed";
        }
    }

    private void PurgeExpired()
    {
        var store = EnsureStore();
        if (store is null)
        {
            return;
        }

        try
        {
            var expired = store.PurgeExpired();
            if (expired > 0)
            {
                // Lost points like any other: counted as dropped and told to the error handler, not only logged.
                _self.Expired.Inc(expired);
                _self.Drop(expired);
                _logger.LogWarning("Reporter {Reporter}: {Count} stored points expired before they could be sent.", Name, expired);
                Notify(new ReportFailure(Name, null, 0, expired, [
                    string.Create(CultureInfo.InvariantCulture, $"{expired} points kept in offline storage expired before they could be sent (OfflineStorage.Ttl = {_options.OfflineStorage!.Ttl}) and were dropped"),
                ]));
            }
        }
        catch (Exception ex) when (ex is SqliteException or ObjectDisposedException)
        {
            _logger.LogError(ex, "Reporter {Reporter}: purging expired points from offline storage failed.", Name);
            CloseIfCorrupt(ex);
        }
    }

    /// <summary>
    /// When <paramref name="ex"/> says the offline file is corrupt (or no longer a database), closes the store so
    /// that the next use reopens it, which moves the damaged file aside and starts a fresh one. Returns true then.
    /// </summary>
    private bool CloseIfCorrupt(Exception ex)
    {
        if (ex is not SqliteException { SqliteErrorCode: 11 or 26 })
        {
            return false;
        }

        lock (_lifecycleLock)
        {
            if (_storeClosed)
            {
                return false;
            }

            _store?.Dispose();
            _store = null;
            _storeOpened = false;
        }

        _logger.LogWarning("Reporter {Reporter}: the offline storage file {Path} became corrupt while in use; it is reopened (and moved aside).", Name, _options.OfflineStorage!.Path);
        return true;
    }

    private OfflineStore? EnsureStore()
    {
        if (_options.OfflineStorage is not { } storage)
        {
            return null;
        }

        lock (_lifecycleLock)
        {
            if (!_storeOpened && !_storeClosed)
            {
                _store = OfflineStore.Open(storage, _time, _logger, Name, logInUse: !_storeWasInUse, out var inUse);

                // Held by another store (say the previous process, still stopping): tried again at the next report,
                // said once when it happens and once when the file is taken.
                _storeOpened = !inUse;
                _storeUnavailable = _store is not null ? null
                    : inUse ? $"offline storage is off while {storage.Path} is in use by another reporter; give each reporter its own file"
                    : $"offline storage is off: {storage.Path} cannot be opened";
                if (_storeWasInUse && _store is not null)
                {
                    _logger.LogInformation("Reporter {Reporter}: the offline storage file {Path} is free now; offline storage is on.", Name, storage.Path);
                }

                _storeWasInUse |= inUse;
            }

            return _store;
        }
    }

    private void Notify(ReportFailure failure)
    {
        var handler = _options.ErrorHandler;
        if (handler is null)
        {
            ReportFailure.WriteDefault(_options.LoggerFactory is null ? null : _logger, failure);
            return;
        }

        try
        {
            handler(failure);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Reporter {Reporter}: the error handler threw; the failure was: {Failure}", Name, failure.ToString());
        }
    }

    // lateBefore: _lateFailures when the send began. A failure reported late while it was under way (the server's
    // error lines for its points can arrive before the send returns) keeps the failure state: the send is no success.
    private void MarkSuccess(long lateBefore)
    {
        lock (_lifecycleLock)
        {
            if (_lateFailures != lateBefore)
            {
                return;
            }

            _lastSuccess = _time.GetUtcNow();
            _consecutiveFailures = 0;
            _lastSendCountedFailed = false;
            _pendingSince = null;
        }
    }

    /// <summary>
    /// A report found nothing to send, with the queue and offline storage empty: nothing waits for a send any more, so
    /// the health check stops timing an outage (a backend that is down while nothing needs sending loses no data). The
    /// failed sends stay counted until one succeeds: the reporter stays degraded, not unhealthy.
    /// </summary>
    private void MarkNothingWaiting()
    {
        lock (_lifecycleLock)
        {
            _pendingSince = null;
        }
    }

    /// <summary>Points are to be delivered: remembers since when, unless a send has not succeeded since an earlier time.</summary>
    private void MarkPending()
    {
        lock (_lifecycleLock)
        {
            _pendingSince ??= _time.GetTimestamp();
        }
    }

    /// <summary>
    /// A failure the backend learned of after its send had returned (an OpenTSDB telnet server's error line, one per
    /// rejected point): its points count as failed and dropped, the reporter's status records a failure, and the
    /// error handler hears of it, as of any failed send. The send the lines answer counts once in
    /// <see cref="ReporterStatus.ConsecutiveFailures"/>, however many of its points were rejected.
    /// </summary>
    internal void ReportLateFailure(ReportFailure failure)
    {
        CountLateFailure(failure);
        Notify(failure);
    }

    /// <summary>Counts a late failure as <see cref="ReportLateFailure"/> does, without the error handler (lines left at stop).</summary>
    internal void CountLateFailure(ReportFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        _self.Failed.Inc(failure.Failed);
        _self.Drop(failure.Failed);
        MarkFailure(late: true);
    }

    private void MarkFailure(bool late = false)
    {
        lock (_lifecycleLock)
        {
            _lastFailure = _time.GetUtcNow();
            _pendingSince ??= _time.GetTimestamp();
            _lateFailures += late ? 1 : 0;
            if (!late || !_lastSendCountedFailed)
            {
                _consecutiveFailures++;
            }

            _lastSendCountedFailed = true;
        }
    }

    private IReadOnlyList<string> WithAttempts(IReadOnlyList<string>? errors)
    {
        var attempts = _options.Retry.MaxRetries + 1;
        return [.. errors ?? [], $"gave up after {attempts} attempt{(attempts == 1 ? string.Empty : "s")}"];
    }

    private static DataPoint[] Slice(DataPoint[] batch, int start, int length)
    {
        var slice = new DataPoint[length];
        for (var i = 0; i < length; i++)
        {
            slice[i] = batch[start + i];
        }

        return slice;
    }

    /// <summary>
    /// What became of a batch: <see cref="Undelivered"/> are points the backend may not have (transient failure or
    /// stop), always the batch's tail; the points before them were accepted, or dropped and counted.
    /// <see cref="Untried"/> of them (the tail of a split batch) were never sent, so no failure reported them yet.
    /// </summary>
    private readonly record struct Delivery(IReadOnlyList<DataPoint> Undelivered, bool Cancelled, int Untried = 0)
    {
        public static Delivery Done => new([], false);

        public bool Reachable => Undelivered.Count == 0 && !Cancelled;
    }
}
