namespace Metrics.AspNetCore;

/// <summary>
/// Options of the request metrics middleware (<c>app.UseRequestMetrics</c>). Read once, when the middleware is added.
/// </summary>
/// <remarks>
/// Metrics recorded, named <c>{MetricPrefix}.{...}</c>:
/// <list type="bullet">
/// <item><c>requests</c>: timer tagged <c>route</c> (the endpoint's route template; <c>static_assets</c> for every file <c>MapStaticAssets</c> serves; or <see cref="UnmatchedRoute"/>), <c>method</c> and <c>status</c>;</item>
/// <item><c>active_requests</c>: settable gauge of requests in progress;</item>
/// <item><c>errors</c>: meter tagged <c>route</c>, <c>method</c> and <c>error</c> (<c>exception</c> for an unhandled exception, <c>5xx</c> for a server error status);</item>
/// <item><c>request.size</c>, <c>response.size</c>: histograms of body sizes in bytes, tagged <c>route</c> and <c>method</c>;</item>
/// <item><c>apdex</c>: gauge per <c>route</c>, when <see cref="ApdexThreshold"/> is set.</item>
/// </list>
/// </remarks>
public sealed class RequestMetricsOptions
{
    /// <summary>Prefix of every metric name. Default <c>"http.server"</c>.</summary>
    public string MetricPrefix { get; set; } = "http.server";

    /// <summary>
    /// Requests whose path is one of these or below one (segment-wise, case-insensitive) are not measured. Each must start
    /// with <c>/</c>. Default <c>/health</c>. Endpoints mapped with <c>MapMetrics</c>/<c>MapMetricsJson</c> are always excluded.
    /// </summary>
    public IList<string> ExcludedPaths { get; } = new List<string> { "/health" };

    /// <summary>The <c>route</c> tag of requests that matched no endpoint (all of them share one series). Default <c>"unmatched"</c>.</summary>
    public string UnmatchedRoute { get; set; } = "unmatched";

    /// <summary>
    /// Apdex threshold T: a request is satisfied when it takes at most T, tolerating up to 4T, frustrated when slower or
    /// failed (an exception or a 5xx). Null (the default) turns Apdex off.
    /// </summary>
    public TimeSpan? ApdexThreshold { get; set; }

    /// <summary>
    /// Per-route Apdex thresholds, keyed by route template as the <c>route</c> tag has it (e.g. <c>"/orders/{id}"</c>; a
    /// key without the leading <c>/</c>, as MVC attribute routes are written, means the same route); override
    /// <see cref="ApdexThreshold"/> and turn Apdex on for those routes. Default empty.
    /// </summary>
    public IDictionary<string, TimeSpan> ApdexRouteThresholds { get; } = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);

    /// <summary>
    /// The window an Apdex score covers: the score is (satisfied + tolerating / 2) / total over the requests of the last
    /// window. A route reports no score (no gauge, or NaN, which reporters skip) until it has requests in the window. Default one minute.
    /// </summary>
    public TimeSpan ApdexWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Count body bytes when a request or response has no Content-Length (chunked). Default true. When false, only
    /// bodies with a Content-Length are measured.
    /// </summary>
    public bool CountBodyBytes { get; set; } = true;

    /// <summary>Histogram settings of the request timer. Default null: the registry's default.</summary>
    public HistogramOptions? TimerHistogram { get; set; }

    /// <summary>A route template as the <c>route</c> tag has it: with a leading '/', as MVC templates are written without one.</summary>
    internal static string RouteKey(string template) => template.StartsWith('/') ? template : "/" + template;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(MetricPrefix))
        {
            throw new ArgumentException("RequestMetricsOptions.MetricPrefix must not be empty, e.g. \"http.server\".", nameof(MetricPrefix));
        }

        if (string.IsNullOrWhiteSpace(UnmatchedRoute))
        {
            throw new ArgumentException("RequestMetricsOptions.UnmatchedRoute must not be empty, e.g. \"unmatched\".", nameof(UnmatchedRoute));
        }

        foreach (var path in ExcludedPaths)
        {
            if (string.IsNullOrEmpty(path) || path[0] != '/')
            {
                throw new ArgumentException($"RequestMetricsOptions.ExcludedPaths: '{path}' must start with '/', e.g. \"/health\".", nameof(ExcludedPaths));
            }
        }

        if (ApdexThreshold is { } t && t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ApdexThreshold), t, "RequestMetricsOptions.ApdexThreshold must be positive, e.g. TimeSpan.FromMilliseconds(500).");
        }

        var routes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (route, threshold) in ApdexRouteThresholds)
        {
            if (threshold <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(ApdexRouteThresholds), threshold, $"RequestMetricsOptions.ApdexRouteThresholds['{route}'] must be positive.");
            }

            if (!routes.TryAdd(RouteKey(route), route))
            {
                throw new ArgumentException($"RequestMetricsOptions.ApdexRouteThresholds: '{routes[RouteKey(route)]}' and '{route}' are the same route (the route tag always starts with '/'); keep one.", nameof(ApdexRouteThresholds));
            }
        }

        if (ApdexWindow <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ApdexWindow), ApdexWindow, "RequestMetricsOptions.ApdexWindow must be positive, e.g. TimeSpan.FromMinutes(1).");
        }
    }
}
