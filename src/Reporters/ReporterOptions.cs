using Microsoft.Extensions.Logging;

namespace Metrics.Reporters;

/// <summary>
/// Options every reporter has. Each reporter has one sealed options class deriving from this one; values are
/// validated once, when the reporter starts (or is constructed), with a message naming the option.
/// </summary>
public abstract class ReporterOptions
{
    /// <summary>How often a report is taken: above zero, at most 49 days. Default 10 seconds.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Tags added to every point of this reporter. They win over global tags; a metric's own tags win over them. Default empty.</summary>
    public Tags Tags { get; set; } = Tags.Empty;

    /// <summary>Prepended to every point name (e.g. <c>"myapp."</c>). Default empty.</summary>
    public string Prefix { get; set; } = string.Empty;

    /// <summary>Series to report; null reports all. Default null.</summary>
    public Func<MetricSnapshot, bool>? Filter { get; set; }

    /// <summary>
    /// Called once per failed send with what failed, and once for each lot of points dropped without a send of their
    /// own (queue overflow, offline storage full, a stop), with their number in <see cref="ReportFailure.Failed"/>.
    /// Runs on a background thread (the reporter's, or a pool thread for errors a server writes back, such as OpenTSDB
    /// telnet error lines, so that it never holds up their reading): keep it fast and thread-safe.
    /// An exception it throws is logged and swallowed. Default null: failures are logged as warnings through
    /// <see cref="LoggerFactory"/>, or, without one, written to standard error as one line each (the
    /// <see cref="ReportFailure"/>'s summary); assign <c>_ =&gt; { }</c> to silence them.
    /// </summary>
    public Action<ReportFailure>? ErrorHandler { get; set; }

    /// <summary>Retry policy for transient failures. Default: 3 retries, exponential backoff from 1 s with full jitter, capped at 30 s.</summary>
    public RetryOptions Retry { get; set; } = new();

    /// <summary>Keeps undeliverable points in a SQLite file until they can be sent. Default null (off).</summary>
    public OfflineStorageOptions? OfflineStorage { get; set; }

    /// <summary>The most points held in memory waiting to be sent; when full the oldest are dropped and counted. Default 100,000.</summary>
    public int MaxQueueSize { get; set; } = 100_000;

    /// <summary>Points per send. Default 1,000 (backends document their own defaults).</summary>
    public int BatchSize { get; set; } = 1_000;

    /// <summary>When set, the batch size adapts between a minimum and <see cref="BatchSize"/> to CPU, memory and queue load. Default null (fixed).</summary>
    public AdaptiveBatchingOptions? AdaptiveBatching { get; set; }

    /// <summary>How long <c>StopAsync</c>/<c>Dispose</c> may take for the final report and flush: zero to 49 days. Default 5 seconds.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How metric fields become point names (<c>.count</c>, <c>.1m_rate</c>, ...). Default <see cref="FieldNaming.Pyformance"/>.</summary>
    public FieldNaming Fields { get; set; } = FieldNaming.Pyformance;

    /// <summary>Where the reporter logs. Default null (nothing is logged; failures without an error handler go to standard error).</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// A name for this reporter in messages and self-metrics: not blank, and not the name of another reporter of the
    /// same registry that has not been stopped. Default null: the backend's name, made unique (<c>console-2</c>).
    /// </summary>
    public string? Name { get; set; }
}

/// <summary>Retry of transient send failures (connection errors, 5xx), built on Polly.</summary>
public sealed class RetryOptions
{
    /// <summary>Retries after the first attempt. 0 disables retry. Default 3.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first backoff delay; each retry doubles it. Default 1 second.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The largest backoff delay. Default 30 seconds.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Full jitter: each delay is random in [0, delay). Default true.</summary>
    public bool UseJitter { get; set; } = true;
}

/// <summary>SQLite-backed storage of points that could not be delivered.</summary>
public sealed class OfflineStorageOptions
{
    /// <summary>The SQLite file, one per reporter: a second reporter given a file another one has open runs without offline storage (with an error). Required.</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>
    /// How long a stored point is kept before it expires (and is purged and counted). Default 1 hour;
    /// <see cref="TimeSpan.MaxValue"/> keeps points until they are replayed (or evicted by <c>MaxStoredPoints</c>).
    /// </summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Points replayed per send when the backend is reachable again. Default 50.</summary>
    public int ReplayBatchSize { get; set; } = 50;

    /// <summary>Also store points that the in-memory queue would drop when full. Default true.</summary>
    public bool StoreOnQueueOverflow { get; set; } = true;

    /// <summary>The most points kept in the file; the oldest are dropped and counted past it. Default 1,000,000.</summary>
    public int MaxStoredPoints { get; set; } = 1_000_000;
}

/// <summary>Resource-aware batch sizing: smaller batches when CPU or memory are near their targets, larger when the queue fills.</summary>
public sealed class AdaptiveBatchingOptions
{
    /// <summary>The smallest batch. Default 10.</summary>
    public int MinBatchSize { get; set; } = 10;

    /// <summary>CPU use (percent of all cores) at which batches are smallest. Default 70.</summary>
    public double CpuTargetPercent { get; set; } = 70;

    /// <summary>Memory use (percent) at which batches are smallest. Default 80.</summary>
    public double MemoryTargetPercent { get; set; } = 80;
}
