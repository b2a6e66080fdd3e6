using Metrics;
using Metrics.AspNetCore.Exposition;
using Metrics.AspNetCore.Middleware;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps endpoints that expose the registry's current values.</summary>
public static class MetricsEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps a GET (and HEAD) endpoint serving the container's <see cref="MetricsRegistry"/> in the Prometheus text exposition
    /// format 0.0.4: sanitized names, <c># HELP</c>/<c># TYPE</c> lines, counters as <c>..._total</c>, gauges, meters as
    /// a counter plus rate gauges, histograms and timers (in seconds) as summaries, global tags as labels. Requests to it
    /// are not measured by <c>UseRequestMetrics</c>. Scraping does not reset anything reporters see.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="pattern">The route. Default <c>"/metrics"</c>.</param>
    /// <returns>A builder to add conventions, e.g. <c>.RequireAuthorization()</c> or <c>.RequireHost("*:9100")</c>.</returns>
    /// <exception cref="InvalidOperationException">No <see cref="MetricsRegistry"/> is registered.</exception>
    public static IEndpointConventionBuilder MapMetrics(this IEndpointRouteBuilder endpoints, string pattern = "/metrics")
    {
        var exposition = Exposition(endpoints, pattern);
        return endpoints.MapMethods(pattern, GetAndHead, (RequestDelegate)exposition.WritePrometheusAsync)
            .WithMetadata(ExcludeFromRequestMetrics.Instance)
            .WithDisplayName("Metrics (Prometheus text)");
    }

    /// <summary>
    /// Maps a GET (and HEAD) endpoint serving the container's <see cref="MetricsRegistry"/> as JSON:
    /// <c>{"timestamp": ..., "metrics": [{"name", "tags", "type", "count", ...}]}</c> with pyformance field names
    /// (<c>count</c>, <c>value</c>, <c>1m_rate</c>, <c>avg</c>, <c>99_percentile</c>, ...), timer durations in seconds.
    /// Requests to it are not measured by <c>UseRequestMetrics</c>.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="pattern">The route. Default <c>"/metrics/json"</c>.</param>
    /// <returns>A builder to add conventions.</returns>
    /// <exception cref="InvalidOperationException">No <see cref="MetricsRegistry"/> is registered.</exception>
    public static IEndpointConventionBuilder MapMetricsJson(this IEndpointRouteBuilder endpoints, string pattern = "/metrics/json")
    {
        var exposition = Exposition(endpoints, pattern);
        return endpoints.MapMethods(pattern, GetAndHead, (RequestDelegate)exposition.WriteJsonAsync)
            .WithMetadata(ExcludeFromRequestMetrics.Instance)
            .WithDisplayName("Metrics (JSON)");
    }

    // HEAD too, as uptime probes send it: the same headers, and the server sends no body.
    private static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    private static MetricsExposition Exposition(IEndpointRouteBuilder endpoints, string pattern)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        var registry = endpoints.ServiceProvider.GetService<MetricsRegistry>()
            ?? throw new InvalidOperationException("MapMetrics needs a MetricsRegistry in the service container: call builder.Services.AddMetricsRegistry() (or AddMetricsReporting) first. Note that AddMetrics() with no arguments is Microsoft.Extensions.Diagnostics' System.Diagnostics.Metrics setup, which registers no MetricsRegistry.");
        return new MetricsExposition(registry);
    }
}
