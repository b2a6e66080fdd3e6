using System.Collections.Concurrent;
using System.Globalization;

namespace Metrics.AspNetCore.Middleware;

/// <summary>
/// The metric handles of one (route, method), with a timer per status code, created on first use and cached so a
/// request only looks them up: no tag set is built and nothing is allocated once a series exists.
/// </summary>
internal sealed class RequestSeries
{
    private readonly RequestSeriesCache _cache;
    private readonly Timer?[] _timers = new Timer?[600];
    private Histogram? _requestSize;
    private Histogram? _responseSize;
    private Meter? _exceptions;
    private Meter? _serverErrors;

    public RequestSeries(RequestSeriesCache cache, string route, string method, ApdexTracker? apdex)
    {
        _cache = cache;
        Route = route;
        Method = method;
        Apdex = apdex;
    }

    public string Route { get; }

    public string Method { get; }

    public ApdexTracker? Apdex { get; }

    public Histogram RequestSize => _requestSize ??= _cache.Registry.Histogram(_cache.Names.RequestSize, RouteTags());

    public Histogram ResponseSize => _responseSize ??= _cache.Registry.Histogram(_cache.Names.ResponseSize, RouteTags());

    public Meter Exceptions => _exceptions ??= _cache.Registry.Meter(_cache.Names.Errors, RouteTags().With("error", "exception"));

    public Meter ServerErrors => _serverErrors ??= _cache.Registry.Meter(_cache.Names.Errors, RouteTags().With("error", "5xx"));

    // Racing first requests may both create a handle; the registry returns the same instance to both.
    public Timer Timer(int status)
    {
        var i = status is >= 100 and <= 599 ? status : 0;
        return _timers[i] ??= _cache.Registry.Timer(
            _cache.Names.Requests,
            RouteTags().With("status", i == 0 ? "other" : status.ToString(CultureInfo.InvariantCulture)),
            _cache.TimerHistogram);
    }

    private Tags RouteTags() => new(("route", Route), ("method", Method));
}

/// <summary>Metric names derived from the options' prefix.</summary>
internal sealed class RequestMetricNames(string prefix)
{
    public string Requests { get; } = prefix + ".requests";

    public string Active { get; } = prefix + ".active_requests";

    public string Errors { get; } = prefix + ".errors";

    public string RequestSize { get; } = prefix + ".request.size";

    public string ResponseSize { get; } = prefix + ".response.size";

    public string Apdex { get; } = prefix + ".apdex";
}

/// <summary>Series per (route template, method), created on first use.</summary>
internal sealed class RequestSeriesCache
{
    private readonly ConcurrentDictionary<(string Route, string Method), RequestSeries> _series = new();
    private readonly ConcurrentDictionary<string, ApdexTracker> _apdex = new(StringComparer.Ordinal);
    private readonly RequestMetricsOptions _options;
    private readonly Dictionary<string, TimeSpan> _routeThresholds;

    public RequestSeriesCache(MetricsRegistry registry, RequestMetricsOptions options)
    {
        Registry = registry;
        _options = options;
        Names = new RequestMetricNames(options.MetricPrefix);
        TimerHistogram = options.TimerHistogram;
        _routeThresholds = options.ApdexRouteThresholds.ToDictionary(p => RequestMetricsOptions.RouteKey(p.Key), p => p.Value, StringComparer.Ordinal);
    }

    public MetricsRegistry Registry { get; }

    public RequestMetricNames Names { get; }

    public HistogramOptions? TimerHistogram { get; }

    /// <summary>The series of <paramref name="route"/> (the route template as the endpoint has it, or the unmatched bucket) and <paramref name="method"/>.</summary>
    public RequestSeries Get(string route, string method, bool isTemplate) =>
        _series.TryGetValue((route, method), out var series)
            ? series
            : _series.GetOrAdd((route, method), static (key, state) => state.Cache.Create(key.Route, key.Method, state.IsTemplate), (Cache: this, IsTemplate: isTemplate));

    private RequestSeries Create(string raw, string method, bool isTemplate)
    {
        // MVC templates have no leading slash ("api/orders/{id}"), minimal APIs do: one form for both.
        var route = isTemplate ? RequestMetricsOptions.RouteKey(raw) : raw;
        ApdexTracker? apdex = null;
        // The unmatched bucket is no template: its key is the bucket's name as it is.
        var threshold = (isTemplate ? _routeThresholds.TryGetValue(route, out var t) : _options.ApdexRouteThresholds.TryGetValue(route, out t)) ? t : _options.ApdexThreshold;
        if (threshold is { } T)
        {
            // Racing first requests of a route (one per method, or the same series twice) may each build a tracker;
            // the dictionary keeps one, and only that one may become the gauge's callback, or the gauge would read a
            // tracker no request records into and show no score for good. So the gauge is registered after the race,
            // with the tracker that won it. It appears with the first request of the route: no score before samples.
            apdex = _apdex.GetOrAdd(route, static (_, state) => new ApdexTracker(state.T, state.Window, state.Time), (T, Window: _options.ApdexWindow, Time: Registry.TimeProvider));
            Registry.Gauge(Names.Apdex, new Tags(("route", route)), apdex.Score);
        }

        return new RequestSeries(this, route, method, apdex);
    }
}
