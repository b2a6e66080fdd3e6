using Metrics.Reporters.Apptuit;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters;

/// <summary>
/// Sends points to Apptuit (<c>/api/put</c>) and runs queries (<c>/api/query</c>): batched, compressed, with the
/// bearer token, retrying 5xx answers and connection errors with full-jitter backoff.
/// </summary>
/// <remarks>
/// Thread-safe: one client can serve concurrent calls. Dispose it to release its HTTP connections.
/// The token never appears in exception messages, logs or <see cref="ToString"/>.
/// </remarks>
public sealed class ApptuitClient : IDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan BaseBackoff = TimeSpan.FromSeconds(2);

    private volatile bool _disposed;

    private readonly ApptuitApi _api;
    private readonly ApptuitPointRules _rules;
    private readonly ApptuitQuery _query;
    private readonly int _batchSize;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly Random _random;

    /// <summary>Creates a client.</summary>
    /// <exception cref="InvalidOperationException">No token in the options nor in <c>APPTUIT_API_TOKEN</c>.</exception>
    /// <exception cref="FormatException"><c>APPTUIT_TAGS</c> is malformed.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public ApptuitClient(ApptuitClientOptions options)
        : this(options, transport: null, queryHandler: null, ApptuitEnvironment.Process, delay: null, random: null)
    {
    }

    internal ApptuitClient(
        ApptuitClientOptions options,
        IHttpTransport? transport,
        HttpMessageHandler? queryHandler,
        ApptuitEnvironment environment,
        Func<TimeSpan, CancellationToken, Task>? delay,
        Random? random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        if (options.BatchSize < 1)
        {
            throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"ApptuitClientOptions.BatchSize is {options.BatchSize}; it must be at least 1."), nameof(options));
        }

        if (options.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"ApptuitClientOptions.Timeout is {options.Timeout}; it must be positive."), nameof(options));
        }

        var token = environment.ResolveToken(options.Token);
        var endpoint = ApptuitApi.CheckEndpoint(options.ApiEndpoint ?? ApptuitClientOptions.DefaultApiEndpoint);
        _rules = new ApptuitPointRules(options.SanitizeMode, environment.ResolveTags(options.GlobalTags), hostName: null);
        _api = new ApptuitApi(transport ?? new HttpTransport(options.Timeout, maxBodyChars: HttpTransport.DetailsMaxBodyChars), endpoint, token, options.UseGzip);
        _query = new ApptuitQuery(_api, queryHandler, options.Timeout);
        _batchSize = options.BatchSize;
        _delay = delay ?? ((d, ct) => Task.Delay(d, ct));
        _random = random ?? Random.Shared;
    }

    /// <summary>The API endpoint used, with its path (requests go to its <c>api/put</c> and <c>api/query</c>) and without user info or query.</summary>
    public Uri ApiEndpoint => _api.Endpoint;

    /// <summary>
    /// Sends <paramref name="points"/>: each is checked and sanitized first (nothing is sent when one is invalid),
    /// then they go in batches of <see cref="ApptuitClientOptions.BatchSize"/>. A batch answered 413 is split in
    /// halves and retried; 5xx answers and connection errors are retried up to <paramref name="retryCount"/> times
    /// with full-jitter backoff; 400, 401 and other 4xx are never retried.
    /// </summary>
    /// <exception cref="ArgumentException">A point is invalid (no tags, more than 25, a bad name under sanitize mode None, a value that is not finite, a kind other than <see cref="PointKind.Value"/>); nothing was sent.</exception>
    /// <exception cref="ApptuitSendException">Some or all points were not stored; it carries the counts and errors.</exception>
    public Task SendAsync(IEnumerable<DataPoint> points, int retryCount = 0, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(points);
        ArgumentOutOfRangeException.ThrowIfNegative(retryCount);
        var prepared = new List<ApptuitPoint>();
        foreach (var p in points)
        {
            if (p.Kind != PointKind.Value)
            {
                throw new ArgumentException($"The point '{p.Metric}' is a {p.Kind} point; Apptuit stores plain values, so send it as a PointKind.Value point.", nameof(points));
            }

            prepared.Add(_rules.Prepare(p.Metric, p.Tags, p.EpochSeconds, p.Value));
        }

        return SendPreparedAsync(prepared, retryCount, cancellationToken);
    }

    /// <summary>
    /// Sends every point of <paramref name="series"/>; each series' name and tags are checked and sanitized once.
    /// Batching, retry and errors as in <see cref="SendAsync"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A series or value is invalid; nothing was sent.</exception>
    /// <exception cref="ApptuitSendException">Some or all points were not stored.</exception>
    public Task SendTimeSeriesAsync(IEnumerable<TimeSeries> series, int retryCount = 0, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentOutOfRangeException.ThrowIfNegative(retryCount);
        var prepared = new List<ApptuitPoint>();
        foreach (var s in series)
        {
            ArgumentNullException.ThrowIfNull(s, nameof(series));
            if (s.Count == 0)
            {
                continue;
            }

            var head = _rules.Prepare(s.Name, s.Tags, s.Timestamps[0], 0);
            for (var i = 0; i < s.Count; i++)
            {
                var value = s.Values[i];
                if (!double.IsFinite(value))
                {
                    throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The value at {s.Timestamps[i]} of series {s} is {value}; Apptuit accepts only finite numbers."), nameof(series));
                }

                prepared.Add(head with { Timestamp = s.Timestamps[i], Value = value });
            }
        }

        return SendPreparedAsync(prepared, retryCount, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="query"/> over [<paramref name="start"/>, <paramref name="end"/>] (<c>GET /api/query</c>)
    /// and returns its outputs with their series and points, in the server's order. As apptuit-py, points outside
    /// [<paramref name="start"/>, <paramref name="end"/>] (in whole seconds, both included), such as a downsampling
    /// bucket that begins before the start, are left out; a null or NaN value is <see cref="double.NaN"/>. Retries
    /// 5xx answers and connection errors up to <paramref name="retryCount"/> times with full-jitter backoff.
    /// </summary>
    /// <exception cref="ApptuitException">The query failed (bad query, invalid token, server error after retries, unreadable answer).</exception>
    public async Task<ApptuitQueryResult> QueryAsync(string query, DateTimeOffset start, DateTimeOffset? end = null, int retryCount = 0, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        ArgumentOutOfRangeException.ThrowIfNegative(retryCount);
        if (end is { } e && e < start)
        {
            throw new ArgumentException($"The query end {e:O} is before its start {start:O}.", nameof(end));
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await _query.RunAsync(query, start, end, cancellationToken).ConfigureAwait(false);
            }
            catch (ApptuitQuery.TransientQueryException ex)
            {
                if (attempt > retryCount)
                {
                    throw new ApptuitException(ex.Message, ex.StatusCode, ex.InnerException);
                }
            }

            await _delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Releases the HTTP connections.</summary>
    public void Dispose()
    {
        _disposed = true;
        _api.Dispose();
        _query.Dispose();
    }

    /// <summary>The endpoint, never the token.</summary>
    public override string ToString() => $"ApptuitClient({_api.ShownEndpoint})";

    /// <summary>Full jitter: a random delay in [0, min(30 s, 2 s * 2^attempt)).</summary>
    internal TimeSpan Backoff(int attempt)
    {
        var cap = Math.Min(MaxBackoff.TotalSeconds, BaseBackoff.TotalSeconds * Math.Pow(2, Math.Min(attempt, 30)));
        double r;
        lock (_random)
        {
            r = _random.NextDouble();
        }

        return TimeSpan.FromSeconds(r * cap);
    }

    private async Task SendPreparedAsync(List<ApptuitPoint> points, int retryCount, CancellationToken cancellationToken)
    {
        var tally = new Tally();
        for (var offset = 0; offset < points.Count; offset += _batchSize)
        {
            var batch = points.GetRange(offset, Math.Min(_batchSize, points.Count - offset));
            if (tally.Unauthorized)
            {
                // The token is invalid: the remaining batches would fail the same way.
                tally.Failed += batch.Count;
                continue;
            }

            await SendBatchAsync(batch, retryCount, tally, cancellationToken).ConfigureAwait(false);
        }

        if (tally.Failed > 0)
        {
            throw new ApptuitSendException(tally.StatusCode, tally.Succeeded, tally.Failed, tally.Errors, tally.Exception);
        }
    }

    private async Task SendBatchAsync(List<ApptuitPoint> batch, int retryCount, Tally tally, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var result = await _api.PutAsync(batch, cancellationToken).ConfigureAwait(false);
            if (result.Status == ApptuitPutStatus.TooLarge && batch.Count > 1)
            {
                var half = batch.Count / 2;
                await SendBatchAsync(batch.GetRange(0, half), retryCount, tally, cancellationToken).ConfigureAwait(false);
                if (tally.Unauthorized)
                {
                    tally.Failed += batch.Count - half;
                    return;
                }

                await SendBatchAsync(batch.GetRange(half, batch.Count - half), retryCount, tally, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (result.IsRetryable && attempt <= retryCount)
            {
                var wait = Backoff(attempt);
                if (result.RetryAfter is { } after && after > wait && after <= MaxBackoff)
                {
                    wait = after;
                }

                await _delay(wait, cancellationToken).ConfigureAwait(false);
                continue;
            }

            tally.Add(result);
            return;
        }
    }

    private sealed class Tally
    {
        public long Succeeded { get; set; }

        public long Failed { get; set; }

        public int? StatusCode { get; private set; }

        public bool Unauthorized { get; private set; }

        public Exception? Exception { get; private set; }

        public List<ApptuitPointError> Errors { get; } = new();

        public void Add(ApptuitPutResult result)
        {
            Succeeded += result.Succeeded;
            Failed += result.Failed;
            if (result.Status != ApptuitPutStatus.Success)
            {
                StatusCode = result.StatusCode ?? StatusCode;
                Unauthorized |= result.Status == ApptuitPutStatus.Unauthorized;
                Exception ??= result.Exception;
                Errors.AddRange(result.Errors);
            }
        }
    }
}
