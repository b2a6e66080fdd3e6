using Metrics.Reporters.Engine;

namespace Metrics.Reporters.Apptuit;

/// <summary>
/// The Apptuit backend of <see cref="ApptuitReporter"/>: checks points with the Apptuit rules, posts one batch per
/// call and classifies the answer (200/204 success, 400 partial with details, 413 too large, 401 and other 4xx
/// permanent, 5xx and connection errors transient). Keeps the <c>apptuit.reporter.send.*</c> self-metrics:
/// the timer per request, the counters once per batch.
/// </summary>
internal sealed class ApptuitBackend : ISelfMetricsBackend
{
    public const string SelfMetricPrefix = "apptuit.reporter.send.";

    private readonly ApptuitApi _api;
    private readonly ApptuitPointRules _rules;
    private Counter? _total;
    private Counter? _successful;
    private Counter? _failed;
    private Timer? _time;

    public ApptuitBackend(ApptuitApi api, ApptuitPointRules rules)
    {
        _api = api;
        _rules = rules;
    }

    public string Name => "apptuit";

    public ApptuitPointRules Rules => _rules;

    public string? Validate(in DataPoint point) => Validate(point, out _);

    public async ValueTask<SendResult> SendAsync(IReadOnlyList<DataPoint> batch, CancellationToken cancellationToken)
    {
        var points = new List<ApptuitPoint>(batch.Count);
        var rejected = new List<string>();
        foreach (var p in batch)
        {
            var error = Validate(p, out var point);
            if (error == null)
            {
                points.Add(point);
            }
            else
            {
                rejected.Add(error);
            }
        }

        if (points.Count == 0)
        {
            return new SendResult(rejected.Count == 0 ? SendOutcome.Success : SendOutcome.Permanent, 0, rejected.Count, rejected);
        }

        var result = await _api.PutAsync(points, cancellationToken).ConfigureAwait(false);
        var send = ToSendResult(result);
        if (rejected.Count == 0)
        {
            return send;
        }

        // Points that could never be sent count as failed next to what the server said about the others.
        var outcome = send.Outcome == SendOutcome.Success ? SendOutcome.PartialFailure : send.Outcome;
        return send with { Outcome = outcome, Failed = send.Failed + rejected.Count, Errors = [.. rejected, .. send.Errors] };
    }

    /// <summary>Creates the <c>apptuit.reporter.send.*</c> metrics (counters total, successful, failed; timer time).</summary>
    public void RegisterSelfMetrics(MetricsRegistry registry, Tags reporterTags)
    {
        _total = registry.Counter(SelfMetricPrefix + "total", reporterTags);
        _successful = registry.Counter(SelfMetricPrefix + "successful", reporterTags);
        _failed = registry.Counter(SelfMetricPrefix + "failed", reporterTags);
        _time = registry.Timer(SelfMetricPrefix + "time", reporterTags);
    }

    /// <summary>Times one request (every attempt, retries included).</summary>
    public void OnSendCompleted(int points, in SendResult result, TimeSpan elapsed) => _time?.Update(elapsed);

    /// <summary>
    /// Counts one batch once, with the result its retries ended on, as apptuit-py counts a send: its points, those
    /// stored and those that failed. An attempt answered 5xx and then retried is not counted, so points delivered on
    /// a retry are neither counted twice in total nor as failed.
    /// </summary>
    /// <remarks>
    /// A batch answered 413 is split and its halves are sent again (and counted then): counting it here too would
    /// report as failed points that were delivered.
    /// </remarks>
    public void OnDelivered(int points, in SendResult result)
    {
        if (result.Outcome == SendOutcome.TooLarge && points > 1)
        {
            return;
        }

        _total?.Inc(points);
        _successful?.Inc(result.Succeeded);
        _failed?.Inc(result.Failed);
    }

    public ValueTask DisposeAsync()
    {
        _api.Dispose();
        return ValueTask.CompletedTask;
    }

    private string? Validate(in DataPoint point, out ApptuitPoint prepared)
    {
        if (point.Kind != PointKind.Value)
        {
            prepared = default;
            return $"Apptuit stores plain values; the point '{point.Metric}' is a {point.Kind} point.";
        }

        return _rules.TryPrepare(point.Metric, point.Tags, point.EpochSeconds, point.Value, out prepared);
    }

    internal static SendResult ToSendResult(ApptuitPutResult result)
    {
        var errors = result.Errors.Select(e => e.ToString()).ToArray();
        var outcome = result.Status switch
        {
            ApptuitPutStatus.Success => SendOutcome.Success,
            ApptuitPutStatus.Partial => result.Succeeded > 0 || result.Failed > 0 ? SendOutcome.PartialFailure : SendOutcome.Permanent,
            ApptuitPutStatus.TooLarge => SendOutcome.TooLarge,
            ApptuitPutStatus.Unauthorized or ApptuitPutStatus.ClientError => SendOutcome.Permanent,
            _ => SendOutcome.Transient,
        };
        return new SendResult(outcome, result.Succeeded, result.Failed, errors, result.StatusCode, result.RetryAfter, result.Exception);
    }
}
