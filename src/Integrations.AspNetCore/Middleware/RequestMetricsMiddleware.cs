using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.ObjectPool;

namespace Metrics.AspNetCore.Middleware;

/// <summary>
/// Measures each request: a timer per route template, method and status; active requests; errors (unhandled
/// exceptions, counted and rethrown, and 5xx responses); request and response body sizes; Apdex per route.
/// </summary>
/// <remarks>Thread-safe. Series and their tag sets are cached; body counters are pooled.</remarks>
internal sealed class RequestMetricsMiddleware
{
    private readonly RequestDelegate _next;
    private readonly RequestSeriesCache _cache;
    private readonly TimeProvider _time;
    private readonly PathString[] _excluded;
    private readonly string _unmatched;
    private readonly SettableGauge _active;
    private readonly ObjectPool<BodyCounters>? _counters;
    private long _activeCount;

    public RequestMetricsMiddleware(RequestDelegate next, MetricsRegistry registry, RequestMetricsOptions options)
    {
        _next = next;
        _cache = new RequestSeriesCache(registry, options);
        _time = registry.TimeProvider;
        _excluded = options.ExcludedPaths.Select(p => new PathString(p.TrimEnd('/').Length == 0 ? "/" : p.TrimEnd('/'))).ToArray();
        _unmatched = options.UnmatchedRoute;
        _active = registry.SettableGauge(_cache.Names.Active);
        _counters = options.CountBodyBytes ? new DefaultObjectPool<BodyCounters>(new DefaultPooledObjectPolicy<BodyCounters>()) : null;
    }

    public Task InvokeAsync(HttpContext context) => IsExcluded(context) ? _next(context) : MeasureAsync(context);

    private bool IsExcluded(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<ExcludeFromRequestMetrics>() is not null)
        {
            return true;
        }

        var path = context.Request.Path;
        foreach (var excluded in _excluded)
        {
            if (excluded.Value == "/" || path.StartsWithSegments(excluded, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    // The synchronous path has no async state machine: a request that completes synchronously allocates nothing here.
    private Task MeasureAsync(HttpContext context)
    {
        var state = Begin(context);
        Task task;
        try
        {
            task = _next(context);
        }
        catch
        {
            End(context, state, failed: true);
            throw;
        }

        if (task.IsCompletedSuccessfully)
        {
            End(context, state, failed: false);
            return Task.CompletedTask;
        }

        return AwaitAsync(task, context, state);
    }

    private async Task AwaitAsync(Task task, HttpContext context, RequestState state)
    {
        var completed = false;
        try
        {
            await task.ConfigureAwait(false);
            completed = true;
        }
        finally
        {
            End(context, state, failed: !completed);
        }
    }

    private RequestState Begin(HttpContext context)
    {
        var start = _time.GetTimestamp();
        PublishActive(Interlocked.Increment(ref _activeCount));
        var counters = _counters?.Get();
        IHttpResponseBodyFeature? responseBody = null;
        var countingRequest = false;
        if (counters is not null)
        {
            responseBody = context.Features.Get<IHttpResponseBodyFeature>();
            if (responseBody is not null)
            {
                counters.Response.Attach(responseBody);
                context.Features.Set<IHttpResponseBodyFeature>(counters.Response);
            }

            if (context.Request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
            {
                counters.Request.Attach(context.Request.Body);
                context.Request.Body = counters.Request;
                countingRequest = true;
            }
        }

        return new RequestState(start, counters, responseBody, countingRequest);
    }

    private void End(HttpContext context, RequestState state, bool failed)
    {
        PublishActive(Interlocked.Decrement(ref _activeCount));
        long? requestBytes = context.Request.ContentLength;
        long? responseBytes = context.Response.ContentLength;
        if (state.Counters is { } counters)
        {
            if (state.CountingRequest)
            {
                requestBytes ??= counters.Request.BytesRead;
                if (ReferenceEquals(context.Request.Body, counters.Request))
                {
                    context.Request.Body = counters.Request.Detach();
                }
                else
                {
                    counters.Request.Detach();
                }
            }

            if (state.ResponseBody is { } original)
            {
                responseBytes ??= counters.Response.BytesWritten;
                if (ReferenceEquals(context.Features.Get<IHttpResponseBodyFeature>(), counters.Response))
                {
                    context.Features.Set(original);
                }

                counters.Response.Detach();
            }

            _counters!.Return(counters);
        }

        Record(context, _time.GetElapsedTime(state.Start), failed, requestBytes, responseBytes);
    }

    private void Record(HttpContext context, TimeSpan elapsed, bool failed, long? requestBytes, long? responseBytes)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<ExcludeFromRequestMetrics>() is not null)
        {
            return;
        }

        var template = (endpoint as RouteEndpoint)?.RoutePattern.RawText;
        var series = _cache.Get(template ?? _unmatched, Method(context.Request.Method), isTemplate: template is not null);

        // An exception that escapes the pipeline before the response started becomes a 500 from the server.
        var status = failed && !context.Response.HasStarted ? StatusCodes.Status500InternalServerError : context.Response.StatusCode;
        series.Timer(status).Update(elapsed);
        if (failed)
        {
            series.Exceptions.Mark();
        }
        else if (status >= 500)
        {
            series.ServerErrors.Mark();
        }

        if (requestBytes is { } req)
        {
            series.RequestSize.Update(req);
        }

        if (responseBytes is { } res)
        {
            series.ResponseSize.Update(res);
        }

        series.Apdex?.Record(elapsed, failed || status >= 500);
    }

    // Unknown methods share one series so that clients cannot create series at will.
    private static string Method(string method) =>
        HttpMethods.IsGet(method) ? HttpMethods.Get
        : HttpMethods.IsPost(method) ? HttpMethods.Post
        : HttpMethods.IsPut(method) ? HttpMethods.Put
        : HttpMethods.IsDelete(method) ? HttpMethods.Delete
        : HttpMethods.IsPatch(method) ? HttpMethods.Patch
        : HttpMethods.IsHead(method) ? HttpMethods.Head
        : HttpMethods.IsOptions(method) ? HttpMethods.Options
        : HttpMethods.IsTrace(method) ? HttpMethods.Trace
        : HttpMethods.IsConnect(method) ? HttpMethods.Connect
        : "OTHER";

    // Requests change the count concurrently: publish until the gauge holds the count as it is now, so the last
    // writer always leaves the current value.
    private void PublishActive(long value)
    {
        _active.Set(value);
        long now;
        while ((now = Volatile.Read(ref _activeCount)) != value)
        {
            value = now;
            _active.Set(value);
        }
    }

    private readonly record struct RequestState(long Start, BodyCounters? Counters, IHttpResponseBodyFeature? ResponseBody, bool CountingRequest);
}
