using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Metrics.Reporters.DependencyInjection;

/// <summary>
/// Reports each reporter's state from <see cref="Reporter.Status"/>: healthy; degraded when its last send failed or its
/// queue is at least 80 % full; unhealthy when it is not running, or has had points to deliver for longer than the
/// configured time with no successful send. The overall result is the worst of them.
/// </summary>
internal sealed class ReporterHealthCheck : IHealthCheck
{
    /// <summary>Queue fill ratio at which a reporter is degraded.</summary>
    public const double QueueDegradedRatio = 0.8;

    private readonly ReporterSet _reporters;
    private readonly TimeProvider _time;
    private readonly TimeSpan _unhealthyAfter;

    public ReporterHealthCheck(ReporterSet reporters, TimeProvider time, TimeSpan unhealthyAfter)
    {
        _reporters = reporters;
        _time = time;
        _unhealthyAfter = unhealthyAfter;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<ReporterEntry> entries;
        try
        {
            entries = _reporters.GetReporters();
        }
        catch (InvalidOperationException ex)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("Metrics reporting is misconfigured", ex));
        }

        if (entries.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy("No metrics reporters are configured"));
        }

        var now = _time.GetUtcNow();
        var worst = HealthStatus.Healthy;
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var lines = new List<string>();
        foreach (var entry in entries)
        {
            var (status, reason) = entry.Reporter is null
                ? (HealthStatus.Unhealthy, "failed to start: " + entry.StartError?.Message)
                : Evaluate(entry.Reporter.Status, entry.StartedAt, entry.StartError, now, _unhealthyAfter, entry.Reporter.Engine.PointsInFlight, entry.Reporter.Engine.PendingFor, pendingKnown: true);
            data[entry.Name] = status.ToString();
            lines.Add($"{entry.Name}: {status} ({reason})");
            if (status < worst)
            {
                worst = status;
            }
        }

        return Task.FromResult(new HealthCheckResult(worst, string.Join("; ", lines), data: data));
    }

    /// <summary>
    /// The health of one reporter, with the reason in words. <paramref name="inFlight"/> points taken from the queue
    /// are being sent: they are still to be delivered, like the queue's. <paramref name="pendingFor"/> is how long what
    /// is still to be delivered has waited, on a monotonic clock (null: not known, the time since the last success or
    /// the start counts): a reporter whose interval is longer than <paramref name="unhealthyAfter"/> is not unhealthy
    /// for the time it had nothing to send, and a wall clock stepped back or forward neither hides nor fakes an outage.
    /// With <paramref name="pendingKnown"/> (the engine's own figure), a null <paramref name="pendingFor"/> means nothing
    /// waits: failed sends whose points are gone, followed by a report with nothing to send, leave the reporter degraded,
    /// not unhealthy.
    /// </summary>
    public static (HealthStatus Status, string Reason) Evaluate(
        ReporterStatus status,
        DateTimeOffset? startedAt,
        Exception? startError,
        DateTimeOffset now,
        TimeSpan unhealthyAfter,
        int inFlight = 0,
        TimeSpan? pendingFor = null,
        bool pendingKnown = false)
    {
        if (startError is not null)
        {
            return (HealthStatus.Unhealthy, "failed to start: " + startError.Message);
        }

        if (!status.Running)
        {
            return (HealthStatus.Unhealthy, "not running");
        }

        var pending = (status.ConsecutiveFailures > 0 && (!pendingKnown || pendingFor is not null)) || status.QueueDepth > 0 || status.StoredPoints > 0 || inFlight > 0;
        var anchor = status.LastSuccess ?? startedAt;
        TimeSpan? sinceSuccess = anchor is { } a ? now - a : null;
        var waited = pendingFor ?? sinceSuccess;
        if (pending && waited > unhealthyAfter)
        {
            var reason = status.LastSuccess is not null
                ? $"no successful send for {Format(sinceSuccess!.Value)}"
                : startedAt is not null
                    ? $"no successful send since it started {Format(sinceSuccess!.Value)} ago"
                    : "no successful send yet";
            // The wait is timed on the monotonic clock, the time since the last success on the wall clock: they differ
            // by a little even when the points began to wait at the last success.
            if (pendingFor is { } p && (sinceSuccess is not { } since || Format(p) != Format(since)))
            {
                reason += $" (points waiting for {Format(p)})";
            }

            return (HealthStatus.Unhealthy, inFlight > 0
                ? reason + string.Create(CultureInfo.InvariantCulture, $"; a send of {inFlight} points has not finished")
                : reason);
        }

        if (status.ConsecutiveFailures > 0)
        {
            return (HealthStatus.Degraded, $"{status.ConsecutiveFailures} failed send(s) since the last success");
        }

        if (status.QueueCapacity > 0 && status.QueueDepth >= status.QueueCapacity * QueueDegradedRatio)
        {
            return (HealthStatus.Degraded, $"queue {status.QueueDepth} of {status.QueueCapacity} points");
        }

        return (HealthStatus.Healthy, status.LastSuccess is null ? "running, nothing sent yet" : "running");
    }

    private static string Format(TimeSpan span) => (span < TimeSpan.Zero ? TimeSpan.Zero : span).ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture);
}
