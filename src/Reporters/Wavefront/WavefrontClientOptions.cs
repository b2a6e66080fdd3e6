using Metrics.Reporters.Wavefront;
using Microsoft.Extensions.Logging;

namespace Metrics.Reporters;

/// <summary>What the Wavefront proxy and direct-ingestion clients have in common: queues, batches and flushing.</summary>
public abstract class WavefrontClientOptions
{
    private protected WavefrontClientOptions()
    {
    }

    /// <summary>
    /// The most items each queue (metrics, distributions, spans, span logs) holds; past it an item is dropped, counted,
    /// and its <c>Send*</c> call returns false. Default 50,000.
    /// </summary>
    public int MaxQueueSize { get; set; } = 50_000;

    /// <summary>The most lines per write or request. Default 10,000.</summary>
    public int BatchSize { get; set; } = 10_000;

    /// <summary>How often queued items are sent. Default 5 seconds for the proxy client, 1 second for the direct client.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The registry that receives the client's own metrics (<c>~sdk.dotnet.core.sender.proxy.points.valid</c>,
    /// <c>.invalid</c>, <c>.dropped</c>, <c>.report.errors</c>, <c>.queue.size</c>, likewise for <c>histograms</c>,
    /// <c>spans</c> and <c>span_logs</c>). Default null: the client keeps them in a registry of its own.
    /// Clients of the same kind that share a registry add up in the same counters, and the <c>queue.size</c> gauge
    /// is the sum of the queues of those not yet disposed; give each client its own registry to see each one apart.
    /// </summary>
    public MetricsRegistry? Registry { get; set; }

    /// <summary>The source used when a <c>Send*</c> call gives a blank one. Default the machine name.</summary>
    public string DefaultSource { get; set; } = Environment.MachineName;

    /// <summary>Where failures are logged (never with the token). Default null: nothing is logged.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The clock of the flush timer and of reconnect backoff. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal virtual void Validate()
    {
        if (MaxQueueSize <= 0)
        {
            throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"MaxQueueSize is {MaxQueueSize}; it must be at least 1 (the default is 50,000)."), nameof(MaxQueueSize));
        }

        if (BatchSize <= 0)
        {
            throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"BatchSize is {BatchSize}; it must be at least 1 (the default is 10,000)."), nameof(BatchSize));
        }

        WavefrontOptionChecks.Positive(FlushInterval, nameof(FlushInterval));

        if (string.IsNullOrWhiteSpace(DefaultSource))
        {
            throw new ArgumentException("DefaultSource is blank; leave it at the machine name or give a source.", nameof(DefaultSource));
        }

        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}

/// <summary>Options of <see cref="WavefrontProxyClient"/>: where the Wavefront proxy listens.</summary>
public sealed class WavefrontProxyClientOptions : WavefrontClientOptions
{
    /// <summary>The proxy's host name or address. Required.</summary>
    public string Host { get; set; } = string.Empty;

    /// <summary>The proxy's port for metrics and delta counters; null sends none. Default 2878.</summary>
    public int? MetricsPort { get; set; } = 2878;

    /// <summary>The proxy's port for distributions; null sends none. Default 40000.</summary>
    public int? DistributionPort { get; set; } = 40000;

    /// <summary>The proxy's port for spans and span logs; null sends none. Default 30000.</summary>
    public int? TracingPort { get; set; } = 30000;

    /// <summary>
    /// How long writing one batch to the proxy may take (on <see cref="WavefrontClientOptions.TimeProvider"/>). A proxy
    /// that stops reading fails the write at this point: the batch is kept for the next flush and counted in
    /// <see cref="WavefrontClient.FailureCount"/>, and closing the client drops and counts what is left instead of
    /// waiting without end. Default 30 seconds.
    /// </summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(30);

    internal override void Validate()
    {
        base.Validate();
        WavefrontOptionChecks.Host(Host, nameof(Host));
        WavefrontOptionChecks.Port(MetricsPort, nameof(MetricsPort), mayBeNull: true);
        WavefrontOptionChecks.Port(DistributionPort, nameof(DistributionPort), mayBeNull: true);
        WavefrontOptionChecks.Port(TracingPort, nameof(TracingPort), mayBeNull: true);
        WavefrontOptionChecks.Positive(WriteTimeout, nameof(WriteTimeout));
        if (MetricsPort is null && DistributionPort is null && TracingPort is null)
        {
            throw new ArgumentException("MetricsPort, DistributionPort and TracingPort are all null; set at least one.", nameof(MetricsPort));
        }
    }
}

/// <summary>Options of <see cref="WavefrontDirectClient"/>: the Wavefront server and its API token.</summary>
public sealed class WavefrontDirectClientOptions : WavefrontClientOptions
{
    /// <summary>Creates options with the direct client's default flush interval of 1 second.</summary>
    public WavefrontDirectClientOptions() => FlushInterval = TimeSpan.FromSeconds(1);

    /// <summary>The Wavefront server, e.g. <c>https://example.wavefront.com</c> (or a proxy's HTTP port). Required.</summary>
    public Uri? Server { get; set; }

    /// <summary>
    /// The API token, sent as <c>Authorization: Bearer</c>. Required for a Wavefront server; null or empty sends no
    /// header (a proxy's HTTP port needs none). Never logged nor shown in messages.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>How long one request may take. Default 30 seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    internal override void Validate()
    {
        base.Validate();
        WavefrontOptionChecks.Server(Server, nameof(Server));
        WavefrontOptionChecks.Positive(RequestTimeout, nameof(RequestTimeout));
    }

    /// <summary>Describes the options without the token.</summary>
    public override string ToString() => $"WavefrontDirectClientOptions {{ Server = {WavefrontDirectSink.Describe(Server)}, Token = {(string.IsNullOrEmpty(Token) ? "(none)" : "***")} }}";
}
