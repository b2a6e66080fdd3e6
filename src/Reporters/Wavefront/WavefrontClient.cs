using Metrics.Reporters.Wavefront;

namespace Metrics.Reporters;

/// <summary>
/// What <see cref="WavefrontProxyClient"/> and <see cref="WavefrontDirectClient"/> share: the calls of the reference
/// Wavefront SDKs (metrics, delta counters, distributions, spans), so code ports line by line and can be written once
/// for either client.
/// </summary>
/// <remarks>
/// <para>Each <c>Send*</c> call formats the item on the caller's thread and queues it; it never blocks on the
/// network. Queues (one per data kind, <see cref="WavefrontClientOptions.MaxQueueSize"/> items each) are written
/// every <see cref="WavefrontClientOptions.FlushInterval"/>, on <see cref="FlushAsync"/>, and on disposal.
/// A full queue drops the item, counts it, and the call returns false. Invalid input throws an
/// <see cref="ArgumentException"/> (and is counted).</para>
/// <para>Thread-safe. Dispose flushes, then closes the connections; it is idempotent. Only this library derives
/// from this class.</para>
/// </remarks>
public abstract class WavefrontClient : IDisposable, IAsyncDisposable
{
    private protected WavefrontClient(WavefrontSender sender) => Sender = sender;

    /// <summary>Failed writes or requests so far (each failed batch counts once).</summary>
    public long FailureCount => Sender.FailureCount;

    /// <summary>The registry holding the client's own metrics (<see cref="WavefrontClientOptions.Registry"/> or the client's own).</summary>
    public MetricsRegistry Registry => Sender.Registry;

    internal WavefrontSender Sender { get; }

    /// <summary>Queues a metric: <c>"name" value [timestamp] source="source" ["k"="v" ...]</c>.</summary>
    /// <param name="name">The metric name; characters outside <c>A-Z a-z 0-9 - _ . ,</c> become <c>-</c>. At most 256 characters.</param>
    /// <param name="value">The value; must be finite.</param>
    /// <param name="timestamp">Epoch seconds; null lets the proxy or server stamp it.</param>
    /// <param name="source">The source; blank uses <see cref="WavefrontClientOptions.DefaultSource"/>.</param>
    /// <param name="tags">Point tags (any key/value pairs); keys and values must not be blank.</param>
    /// <returns>True when queued; false when the metrics queue was full and the metric was dropped (and counted).</returns>
    /// <exception cref="ArgumentException">Invalid input; the message says what was wrong.</exception>
    /// <exception cref="InvalidOperationException">Proxy client: no metrics port is set.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public bool SendMetric(string name, double value, long? timestamp = null, string? source = null, IEnumerable<KeyValuePair<string, string>>? tags = null) =>
        Sender.SendMetric(name, value, timestamp, source, tags);

    /// <summary>
    /// Queues a delta counter increment: the name gets the <c>∆</c> prefix unless it starts with <c>∆</c> or <c>Δ</c>,
    /// no timestamp is sent (the server adds increments up), and values of zero or less are not sent.
    /// </summary>
    /// <param name="name">The counter name (sanitized like a metric name; the prefix counts towards its 256 characters).</param>
    /// <param name="value">The increment; must be finite.</param>
    /// <param name="source">The source; blank uses <see cref="WavefrontClientOptions.DefaultSource"/>.</param>
    /// <param name="tags">Point tags.</param>
    /// <returns>True when queued or when there was nothing to send (value of zero or less); false when the queue was full.</returns>
    /// <exception cref="ArgumentException">Invalid input; the message says what was wrong.</exception>
    /// <exception cref="InvalidOperationException">Proxy client: no metrics port is set.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public bool SendDeltaCounter(string name, double value, string? source = null, IEnumerable<KeyValuePair<string, string>>? tags = null) =>
        Sender.SendDeltaCounter(name, value, source, tags);

    /// <summary>Queues a distribution: one <c>!M</c>/<c>!H</c>/<c>!D</c> line per granularity with <c>#count mean</c> centroids.</summary>
    /// <param name="name">The distribution name.</param>
    /// <param name="centroids">(mean, count) pairs; at least one.</param>
    /// <param name="granularities">Minute, hour and/or day; at least one.</param>
    /// <param name="timestamp">Epoch seconds; null lets the proxy or server stamp it.</param>
    /// <param name="source">The source; blank uses <see cref="WavefrontClientOptions.DefaultSource"/>.</param>
    /// <param name="tags">Point tags.</param>
    /// <returns>True when queued; false when the distributions queue was full.</returns>
    /// <exception cref="ArgumentException">Invalid input (blank name, no centroids, no granularity...).</exception>
    /// <exception cref="InvalidOperationException">Proxy client: no distribution port is set.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public bool SendDistribution(string name, IEnumerable<(double Mean, int Count)> centroids, IEnumerable<HistogramGranularity> granularities, long? timestamp = null, string? source = null, IEnumerable<KeyValuePair<string, string>>? tags = null) =>
        Sender.SendDistribution(name, centroids, granularities, timestamp, source, tags);

    /// <summary>Queues a span (and, when <paramref name="spanLogs"/> are given, its span-log line).</summary>
    /// <param name="name">The operation name (escaped, not sanitized).</param>
    /// <param name="startMillis">Start, epoch milliseconds.</param>
    /// <param name="durationMillis">Duration in milliseconds, 0 or more.</param>
    /// <param name="source">The source; blank uses <see cref="WavefrontClientOptions.DefaultSource"/>.</param>
    /// <param name="traceId">The trace.</param>
    /// <param name="spanId">The span.</param>
    /// <param name="parents">Parent spans.</param>
    /// <param name="followsFrom">Spans this one follows from.</param>
    /// <param name="tags">Span tags; a key may repeat with other values; exact repeats are sent once.</param>
    /// <param name="spanLogs">Span logs; when any, the span gets the tag <c>_spanLogs=true</c>.</param>
    /// <returns>True when queued; false when the spans or span-logs queue was full (then neither the span nor its logs is queued).</returns>
    /// <exception cref="ArgumentException">Invalid input.</exception>
    /// <exception cref="InvalidOperationException">Proxy client: no tracing port is set.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public bool SendSpan(string name, long startMillis, long durationMillis, string? source, Guid traceId, Guid spanId, IEnumerable<Guid>? parents = null, IEnumerable<Guid>? followsFrom = null, IEnumerable<KeyValuePair<string, string>>? tags = null, IEnumerable<SpanLog>? spanLogs = null) =>
        Sender.SendSpan(name, startMillis, durationMillis, source, traceId, spanId, parents, followsFrom, tags, spanLogs);

    /// <summary>Sends already formatted metric lines now, outside the queue.</summary>
    /// <returns>True when delivered; false when the write or request failed (counted in <see cref="FailureCount"/>).</returns>
    /// <exception cref="ArgumentException">A line is null or blank.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public Task<bool> SendMetricsNowAsync(IEnumerable<string> lines, CancellationToken cancellationToken = default) =>
        Sender.SendNowAsync(WavefrontDataKind.Metric, lines, cancellationToken);

    /// <summary>Sends already formatted distribution lines now, outside the queue.</summary>
    /// <returns>True when delivered; false when the write or request failed (counted in <see cref="FailureCount"/>).</returns>
    /// <exception cref="ArgumentException">A line is null or blank.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public Task<bool> SendDistributionsNowAsync(IEnumerable<string> lines, CancellationToken cancellationToken = default) =>
        Sender.SendNowAsync(WavefrontDataKind.Distribution, lines, cancellationToken);

    /// <summary>Sends already formatted span lines now, outside the queue.</summary>
    /// <returns>True when delivered; false when the write or request failed (counted in <see cref="FailureCount"/>).</returns>
    /// <exception cref="ArgumentException">A line is null or blank.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public Task<bool> SendSpansNowAsync(IEnumerable<string> lines, CancellationToken cancellationToken = default) =>
        Sender.SendNowAsync(WavefrontDataKind.Span, lines, cancellationToken);

    /// <summary>Sends already formatted span-log JSON lines now (tracing port, or <c>f=spanLogs</c>), outside the queue.</summary>
    /// <returns>True when delivered; false when the write or request failed (counted in <see cref="FailureCount"/>).</returns>
    /// <exception cref="ArgumentException">A line is null or blank.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public Task<bool> SendSpanLogsNowAsync(IEnumerable<string> lines, CancellationToken cancellationToken = default) =>
        Sender.SendNowAsync(WavefrontDataKind.SpanLog, lines, cancellationToken);

    /// <summary>Writes everything queued now. Failures are counted and logged, not thrown.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => Sender.FlushAsync(cancellationToken);

    /// <summary>Flushes, then closes the connections. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        await Sender.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Flushes, then closes the connections. Idempotent.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Flushes, then closes the connections, when <paramref name="disposing"/>.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Sender.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
