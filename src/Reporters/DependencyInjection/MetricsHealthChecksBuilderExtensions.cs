using Metrics;
using Metrics.Reporters.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds a health check over the metrics reporters.</summary>
public static class MetricsHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a health check reporting every reporter registered with <c>AddMetricsReporting</c>: healthy; degraded when
    /// its last send failed or its queue is at least 80 % full; unhealthy when it is not running (not started yet,
    /// failed to start, stopped) or has had points to deliver (queued, stored offline, or in a send that has not
    /// finished, such as one to a server that stopped reading) with no successful send for longer than
    /// <paramref name="unhealthyAfter"/>. The result is the worst of them; its data maps each reporter's name to its state.
    /// With no reporters configured the check is healthy.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="unhealthyAfter">How long points may wait with no successful send before a reporter is unhealthy. Default 5 minutes.</param>
    /// <param name="name">The health check's name. Default <c>"metrics-reporters"</c>.</param>
    /// <param name="tags">Tags of the health check, to filter health endpoints.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddReporterHealthCheck(
        this IHealthChecksBuilder builder,
        TimeSpan? unhealthyAfter = null,
        string name = "metrics-reporters",
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var after = unhealthyAfter ?? TimeSpan.FromMinutes(5);
        if (after <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(unhealthyAfter), after, "unhealthyAfter must be positive, e.g. TimeSpan.FromMinutes(5).");
        }

        return builder.Add(new HealthCheckRegistration(
            name,
            sp => new ReporterHealthCheck(
                sp.GetService<ReporterSet>() ?? new ReporterSet(sp, Array.Empty<ReporterRegistration>()),
                sp.GetService<MetricsRegistry>()?.TimeProvider ?? sp.GetService<TimeProvider>() ?? TimeProvider.System,
                after),
            failureStatus: null,
            tags));
    }
}
