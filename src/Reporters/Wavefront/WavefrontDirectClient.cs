using Metrics.Reporters.Transports;
using Metrics.Reporters.Wavefront;

namespace Metrics.Reporters;

/// <summary>
/// Sends metrics, delta counters, distributions and spans to Wavefront by direct ingestion (HTTPS <c>POST /report</c>, gzip, bearer token),
/// the way the reference Wavefront SDKs do, so code ports line by line.
/// </summary>
/// <remarks>
/// <para>Each <c>Send*</c> call formats the item on the caller's thread and queues it; it never blocks on the
/// network. Queues (one per data kind, <see cref="WavefrontClientOptions.MaxQueueSize"/> items each) are written
/// every <see cref="WavefrontClientOptions.FlushInterval"/>, on <see cref="FlushAsync"/>, and on disposal.
/// A full queue drops the item, counts it, and the call returns false. Invalid input throws an
/// <see cref="ArgumentException"/> (and is counted).</para>
/// <para>A batch answered with 5xx, 408 or 429, or lost to a connection error or timeout, is kept and resent at the
/// next flush; one answered with 401 or 403 (bad or missing token) or another 4xx is dropped and counted. Each failed
/// request adds one to <see cref="FailureCount"/>. Thread-safe. Dispose flushes, then closes the HTTP client.</para>
/// </remarks>
public sealed class WavefrontDirectClient : IDisposable, IAsyncDisposable
{
    private readonly WavefrontSender _sender;

    /// <summary>Creates a client; requests are sent on flushes.</summary>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public WavefrontDirectClient(WavefrontDirectClientOptions options)
        : this(options, (IHttpTransport?)null)
    {
    }

    internal WavefrontDirectClient(WavefrontDirectClientOptions options, IHttpTransport? transport)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _sender = new WavefrontSender(options, new WavefrontDirectSink(options, transport));
    }

    /// <summary>Failed writes so far (each failed batch counts once).</summary>
    public long FailureCount => _sender.FailureCount;

    /// <summary>The registry holding the client's own metrics (<see cref="WavefrontClientOptions.Registry"/> or the client's own).</summary>
    public MetricsRegistry Registry => _sender.Registry;

    internal WavefrontSender Sender => _sender;

    /// <summary>Queues a metric: <c>"name" value [timestamp] source="source" ["k"="v" ...]</c>.</summary>
    /// <param name="name">The metric name; characters outside <c>A-Z a-z 0-9 - _ . ,</c> become <c>-</c>. At most 256 characters.</param>
    /// <param name="value">The value; must be finite.</param>
    /// <param name="timestamp">Epoch seconds; null lets the server stamp it.</param>
    /// <param name="source">The source; blank uses <see cref="WavefrontClientOptions.DefaultSource"/>.</param>
    /// <param name="tags">Point tags (any key/value pairs); keys and values must not be blank.</param>
    /// <returns>True when queued; false when the metrics queue was full and the metric was dropped (and counted).</returns>
    /// <exception cref="ArgumentException">Invalid input; the message says what was wrong.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public bool SendMetric(string name, double value, long? timestamp = null, string? source = null, IEnumerable<KeyValuePair<string, string>>? tags = null) =>
        _sender.SendMetric(name, value, timestamp, source, tags);

    /// <summary>
    /// Queues a delta counter increment: the name gets the <c>∆</c> prefix unless it starts with <c>∆</c> or <c>Δ</c>,
    /// no timestamp is sent (the server adds increments up), and values of zero or less are not sent.
    /// </summary>
    /// <returns>True when queued or when there was nothing to send (value of zero or less); false when the queue was full.</returns>
    /// <exception cref="ArgumentException">Invalid input; the message says what was wrong.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public bool SendDeltaCounter(string name, double value, string? source = null, IEnumerable<KeyValuePair<string, string>>? tags = null) =>
        _sender.SendDeltaCounter(name, value, source, tags);

    /// <summary>Queues a distribution: one <c>!M</c>/<c>!H</c>/<c>!D</c> line per granularity with <c>#count mean</c> centroids.</summary>
    /// <param name="name">The distribution name.</param>
    /// <param name="centroids">(mean, count) pairs; at least one.</param>
    /// <param name="granularities">Minute, hour and/or day; at least one.</param>
    /// <param name="timestamp">Epoch seconds; null lets the server stamp it.</param>
    /// <param name="source">The source; blank uses <see cref="WavefrontClientOptions.DefaultSource"/>.</param>
    /// <param name="tags">Point tags.</param>
    /// <returns>True when queued; false when the distributions queue was full.</returns>
    /// <exception cref="ArgumentException">Invalid input (blank name, no centroids, no granularity...).</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public bool SendDistribution(string name, IEnumerable<(double Mean, int Count)> centroids, IEnumerable<HistogramGranularity> granularities, long? timestamp = null, string? source = null, IEnumerable<KeyValuePair<string, string>>? tags = null) =>
        _sender.SendDistribution(name, centroids, granularities, timestamp, source, tags);

    /// <summary>Queues a span (and, when <paramref name="spanLogs"/> are given, its span-log line).</summary>
    /// <param name="name">The operation name (escaped, not sanitized).</param>
    /// <param name="startMillis">Start, epoch milliseconds.</param>
    /// <param name="durationMillis">Duration in milliseconds.</param>
    /// <param name="source">The source; blank uses <see cref="WavefrontClientOptions.DefaultSource"/>.</param>
    /// <param name="traceId">The trace.</param>
    /// <param name="spanId">The span.</param>
    /// <param name="parents">Parent spans.</param>
    /// <param name="followsFrom">Spans this one follows from.</param>
    /// <param name="tags">Span tags; a key may repeat with other values; exact repeats are sent once.</param>
    /// <param name="spanLogs">Span logs; when any, the span gets the tag <c>_spanLogs=true</c>.</param>
    /// <returns>True when queued; false when the spans (or span logs) queue was full.</returns>
    /// <exception cref="ArgumentException">Invalid input.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public bool SendSpan(string name, long startMillis, long durationMillis, string? source, Guid traceId, Guid spanId, IEnumerable<Guid>? parents = null, IEnumerable<Guid>? followsFrom = null, IEnumerable<KeyValuePair<string, string>>? tags = null, IEnumerable<SpanLog>? spanLogs = null) =>
        _sender.SendSpan(name, startMillis, durationMillis, source, traceId, spanId, parents, followsFrom, tags, spanLogs);

    /// <summary>Posts already formatted metric lines now, outside the queue.</summary>
    /// <returns>True when written; false when the request failed (counted in <see cref="FailureCount"/>).</returns>
    public Task<bool> SendMetricsNowAsync(IEnumerable<string> lines, CancellationToken cancellationToken = default) =>
        _sender.SendNowAsync(WavefrontDataKind.Metric, lines, cancellationToken);

    /// <summary>Posts already formatted distribution lines now, outside the queue.</summary>
    /// <returns>True when written; false when the request failed (counted in <see cref="FailureCount"/>).</returns>
    public Task<bool> SendDistributionsNowAsync(IEnumerable<string> lines, CancellationToken cancellationToken = default) =>
        _sender.SendNowAsync(WavefrontDataKind.Distribution, lines, cancellationToken);

    /// <summary>Posts already formatted span lines now, outside the queue.</summary>
    /// <returns>True when written; false when the request failed (counted in <see cref="FailureCount"/>).</returns>
    public Task<bool> SendSpansNowAsync(IEnumerable<string> lines, CancellationToken cancellationToken = default) =>
        _sender.SendNowAsync(WavefrontDataKind.Span, lines, cancellationToken);

    /// <summary>Posts already formatted span-log JSON lines now (<c>f=spanLogs</c>), outside the queue.</summary>
    /// <returns>True when written; false when the request failed (counted in <see cref="FailureCount"/>).</returns>
    public Task<bool> SendSpanLogsNowAsync(IEnumerable<string> lines, CancellationToken cancellationToken = default) =>
        _sender.SendNowAsync(WavefrontDataKind.SpanLog, lines, cancellationToken);

    /// <summary>Writes everything queued now. Failures are counted and logged, not thrown.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => _sender.FlushAsync(cancellationToken);

    /// <summary>Flushes, then closes the HTTP client. Idempotent.</summary>
    public ValueTask DisposeAsync() => _sender.DisposeAsync();

    /// <summary>Flushes, then closes the HTTP client. Idempotent.</summary>
    public void Dispose() => _sender.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
