namespace Metrics.Reporters;

/// <summary>Options of an <see cref="ApptuitClient"/>. Read once, when the client is created.</summary>
public sealed class ApptuitClientOptions
{
    /// <summary>The default API endpoint, <c>https://api.apptuit.ai</c>.</summary>
    public static Uri DefaultApiEndpoint { get; } = new("https://api.apptuit.ai");

    /// <summary>
    /// The API token, sent as <c>Authorization: Bearer</c>. Default null: the environment variable
    /// <c>APPTUIT_API_TOKEN</c> is used (else apptuit-py's former <c>APPTUIT_PY_TOKEN</c>); when none is set the client
    /// throws at construction.
    /// The token never appears in messages, logs or <see cref="ToString"/>.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>The API endpoint (scheme, host and port; a path prefix is kept). Default <c>https://api.apptuit.ai</c>.</summary>
    public Uri ApiEndpoint { get; set; } = DefaultApiEndpoint;

    /// <summary>
    /// Tags under every point; a point's own tags win over them. Default null: the environment variable
    /// <c>APPTUIT_TAGS</c> (<c>k1:v1, k2:v2</c>) is used when set, else apptuit-py's former <c>APPTUIT_PY_TAGS</c>.
    /// </summary>
    public Tags? GlobalTags { get; set; }

    /// <summary>How metric names and tag keys are made valid. Default <see cref="ApptuitSanitizeMode.Prometheus"/>.</summary>
    public ApptuitSanitizeMode SanitizeMode { get; set; } = ApptuitSanitizeMode.Prometheus;

    /// <summary>Points per request; larger inputs are split into several requests. Default 5,000.</summary>
    public int BatchSize { get; set; } = 5_000;

    /// <summary>Compress request bodies with gzip instead of zlib deflate (both are accepted by Apptuit). Default false (deflate, as apptuit-py).</summary>
    public bool UseGzip { get; set; }

    /// <summary>Timeout of one HTTP request. Default 60 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Describes the options without the token.</summary>
    public override string ToString() =>
        $"ApptuitClientOptions {{ ApiEndpoint = {Transports.SafeUri.Describe(ApiEndpoint)}, Token = {(string.IsNullOrEmpty(Token) ? "(not set)" : "***")}, SanitizeMode = {SanitizeMode} }}";
}
