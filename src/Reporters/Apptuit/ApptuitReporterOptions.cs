namespace Metrics.Reporters;

/// <summary>
/// Options of an <see cref="ApptuitReporter"/>, besides the common ones of <see cref="ReporterOptions"/>
/// (<see cref="ReporterOptions.Interval"/>, <see cref="ReporterOptions.Prefix"/>, <see cref="ReporterOptions.Tags"/>,
/// <see cref="ReporterOptions.ErrorHandler"/>, ...). Validated once, when the reporter is created.
/// </summary>
/// <remarks>
/// Points are named <c>Prefix + name + "." + key</c> with pyformance's keys (<c>count</c>, <c>1m_rate</c>,
/// <c>99_percentile</c>, ...), then sanitized by <see cref="SanitizeMode"/>. Tags: a metric's own tags win over
/// <see cref="ReporterOptions.Tags"/>, which win over <c>APPTUIT_TAGS</c> (or, when it is unset, apptuit-py's former <c>APPTUIT_PY_TAGS</c>). Failed sends go to
/// <see cref="ReporterOptions.ErrorHandler"/>; when it is null (the default) a one-line summary is logged as a
/// warning through <see cref="ReporterOptions.LoggerFactory"/>, or written to standard error when there is no logger
/// factory either; set a no-op handler to silence it.
/// </remarks>
public sealed class ApptuitReporterOptions : ReporterOptions
{
    /// <summary>
    /// The API token. Default null: the environment variable <c>APPTUIT_API_TOKEN</c> is used (else apptuit-py's former
    /// <c>APPTUIT_PY_TOKEN</c>); when none is set the reporter throws at construction. Never logged nor shown by <see cref="ToString"/>.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>The API endpoint. Default <c>https://api.apptuit.ai</c>.</summary>
    public Uri ApiEndpoint { get; set; } = ApptuitClientOptions.DefaultApiEndpoint;

    /// <summary>How metric names and tag keys are made valid. Default <see cref="ApptuitSanitizeMode.Prometheus"/>.</summary>
    public ApptuitSanitizeMode SanitizeMode { get; set; } = ApptuitSanitizeMode.Prometheus;

    /// <summary>
    /// True leaves out the <c>host</c> tag (the machine name) that is otherwise added to points without a
    /// <c>host</c> tag. Default null: the environment variable <c>APPTUIT_DISABLE_HOST_TAG</c> (true/false) decides,
    /// and the host tag is added when it is unset.
    /// </summary>
    public bool? DisableHostTag { get; set; }

    /// <summary>
    /// Retries of a send that failed with a 5xx answer or a connection error (apptuit-py's <c>retry_count</c>).
    /// The same setting as <see cref="RetryOptions.MaxRetries"/> of <see cref="ReporterOptions.Retry"/>, which also
    /// holds the backoff (full jitter). Default 3.
    /// </summary>
    public int RetryCount
    {
        get => Retry.MaxRetries;
        set => Retry.MaxRetries = value;
    }

    /// <summary>Registers the process metrics (CPU, memory, threads, GC, page faults, context switches) in the registry so they are reported too. Default false.</summary>
    public bool ProcessMetrics { get; set; }

    /// <summary>Compress request bodies with gzip instead of zlib deflate. Default false (deflate, as apptuit-py).</summary>
    public bool UseGzip { get; set; }

    /// <summary>Timeout of one HTTP request. Default 30 seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Describes the options without the token.</summary>
    public override string ToString() =>
        $"ApptuitReporterOptions {{ ApiEndpoint = {Transports.SafeUri.Describe(ApiEndpoint)}, Token = {(string.IsNullOrEmpty(Token) ? "(not set)" : "***")}, Prefix = {Prefix}, Interval = {Interval}, SanitizeMode = {SanitizeMode} }}";
}
