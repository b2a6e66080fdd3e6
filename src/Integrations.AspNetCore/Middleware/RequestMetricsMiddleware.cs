using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
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
    private readonly RouteTemplates _templates;
    private readonly StrongBox<long> _activeCount;

    // The count of requests in progress behind each active-requests gauge: middleware in separate branches of one
    // app (Map, MapWhen) that share the registry and prefix share the gauge, so they keep one count, not one each
    // that the gauge would flip between.
    private static readonly ConditionalWeakTable<SettableGauge, StrongBox<long>> ActiveCounts = new();

    public RequestMetricsMiddleware(RequestDelegate next, MetricsRegistry registry, RequestMetricsOptions options)
    {
        _next = next;
        _cache = new RequestSeriesCache(registry, options);
        _time = registry.TimeProvider;
        _excluded = options.ExcludedPaths.Select(p => new PathString(p.TrimEnd('/').Length == 0 ? "/" : p.TrimEnd('/'))).ToArray();
        _unmatched = options.UnmatchedRoute;
        _templates = new RouteTemplates(IsExcludedPath);
        _active = registry.SettableGauge(_cache.Names.Active);
        _activeCount = ActiveCounts.GetValue(_active, static _ => new StrongBox<long>());
        _counters = options.CountBodyBytes ? new DefaultObjectPool<BodyCounters>(new DefaultPooledObjectPolicy<BodyCounters>()) : null;
    }

    public Task InvokeAsync(HttpContext context) => IsExcluded(context) || IsReExecution(context) ? _next(context) : MeasureAsync(context);

    // UseExceptionHandler and UseStatusCodePagesWithReExecute run the pipeline again for the same request, after the
    // first pass (which this middleware measured) failed or ended with an error status: one request, one sample.
    private static bool IsReExecution(HttpContext context) =>
        context.Features.Get<IExceptionHandlerFeature>() is not null || context.Features.Get<IStatusCodeReExecuteFeature>() is not null;

    private bool IsExcluded(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<ExcludeFromRequestMetrics>() is not null)
        {
            return true;
        }

        return IsExcludedPath(context.Request.Path);
    }

    private bool IsExcludedPath(PathString path)
    {
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
        catch (Exception ex)
        {
            End(context, state, ex);
            throw;
        }

        if (task.IsCompletedSuccessfully)
        {
            End(context, state, failure: null);
            return Task.CompletedTask;
        }

        return AwaitAsync(task, context, state);
    }

    private async Task AwaitAsync(Task task, HttpContext context, RequestState state)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            End(context, state, ex);
            throw;
        }

        End(context, state, failure: null);
    }

    private RequestState Begin(HttpContext context)
    {
        var start = _time.GetTimestamp();
        PublishActive(Interlocked.Increment(ref _activeCount.Value));
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

    private void End(HttpContext context, RequestState state, Exception? failure)
    {
        PublishActive(Interlocked.Decrement(ref _activeCount.Value));
        long? requestBytes = ReceivableContentLength(context);
        long? responseBytes = context.Response.ContentLength;
        if (state.Counters is { } counters)
        {
            // A wrapper the pipeline put around ours and kept (it set Request.Body or Response.Body and did not put
            // the original back) still reads and writes through ours: middleware outside this one may use it after
            // this point (status code pages, a logger reading the rest of the body). Ours then stays attached to
            // this request and is not pooled, or those reads and writes would fail or reach another request.
            var reusable = true;
            if (state.CountingRequest)
            {
                requestBytes ??= counters.Request.BytesRead;
                if (ReferenceEquals(context.Request.Body, counters.Request))
                {
                    context.Request.Body = counters.Request.Detach();
                }
                else
                {
                    reusable = false;
                }
            }

            if (state.ResponseBody is { } original)
            {
                responseBytes ??= counters.Response.BytesWritten;
                if (ReferenceEquals(context.Features.Get<IHttpResponseBodyFeature>(), counters.Response))
                {
                    context.Features.Set(original);
                    counters.Response.Detach();
                }
                else
                {
                    reusable = false;
                }
            }

            if (reusable)
            {
                _counters!.Return(counters);
            }
        }

        var elapsed = _time.GetElapsedTime(state.Start);

        // The server's own request timeout (UseRequestTimeouts before this middleware) fired and nothing was sent: the
        // timeout middleware outside answers after this one is done, with its policy's TimeoutStatusCode (504 by
        // default) or the status the policy's WriteTimeoutResponse sets. Recorded when that answer starts, with the
        // status the client gets. Only on a timeout: it allocates nothing otherwise.
        if (failure is OperationCanceledException && !context.Response.HasStarted && TimedOut(context))
        {
            TimeoutAnswer.RecordWhenSent(this, context, elapsed, requestBytes, responseBytes);
            return;
        }

        Record(context, elapsed, failure, requestBytes, responseBytes);
    }

    // The request's Content-Length, unless it is over the request's body size limit: the server refuses such a body
    // (Kestrel's 413) without reading it, so the size the client declared was never received.
    private static long? ReceivableContentLength(HttpContext context)
    {
        var declared = context.Request.ContentLength;
        return declared is { } length && context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } limit && length > limit
            ? null
            : declared;
    }

    private void Record(HttpContext context, TimeSpan elapsed, Exception? failure, long? requestBytes, long? responseBytes)
    {
        var (status, outcome) = Classify(context, failure);
        Record(context, elapsed, status, outcome, requestBytes, responseBytes);
    }

    private void Record(HttpContext context, TimeSpan elapsed, int status, Outcome outcome, long? requestBytes, long? responseBytes)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<ExcludeFromRequestMetrics>() is not null)
        {
            return;
        }

        var template = endpoint is RouteEndpoint route ? _templates.Of(route) : null;

        // Static files (MapStaticAssets) share one series whose tag is no template; each file's own path was checked
        // against the excluded paths once, as a template is below.
        if (RouteTemplates.IsExcludedStaticAsset(template))
        {
            return;
        }

        var isTemplate = template is not null && !RouteTemplates.IsStaticAssets(template);

        // The excluded paths once more, against the route template: a UsePathBase after this middleware strips the
        // base only inside the pipeline, so "/base/health" did not match "/health" when the request came in.
        if (isTemplate && IsExcludedPath(new PathString(template)))
        {
            return;
        }

        var series = _cache.Get(template ?? _unmatched, Method(context.Request.Method), isTemplate);
        series.Timer(status).Update(elapsed);
        if (outcome == Outcome.Exception)
        {
            series.Exceptions.Mark();
        }
        else if (status >= 500)
        {
            series.ServerErrors.Mark();
        }

        // An upgraded connection (a WebSocket) is a session: its bytes go past the body streams and its length is how
        // long the client stayed, not how fast the server answered. Timed, with no sizes and no Apdex sample.
        if (IsSession(context, status))
        {
            return;
        }

        if (requestBytes is { } req)
        {
            series.RequestSize.Update(req);
        }

        // A HEAD response carries no body, whatever its Content-Length says.
        if (HttpMethods.IsHead(context.Request.Method))
        {
            responseBytes = 0;
        }

        if (responseBytes is { } res)
        {
            series.ResponseSize.Update(res);
        }

        // A request the client gave up on says nothing about how fast the server answers: no Apdex sample.
        if (outcome != Outcome.ClientClosed)
        {
            series.Apdex?.Record(elapsed, outcome == Outcome.Exception || status >= 500);
        }
    }

    // 101 Switching Protocols (HTTP/1.1 upgrade), or an extended CONNECT (a WebSocket over HTTP/2) that was accepted.
    private static bool IsSession(HttpContext context, int status) =>
        status == StatusCodes.Status101SwitchingProtocols
        || (status is >= 200 and < 300 && HttpMethods.IsConnect(context.Request.Method) && context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true);

    // The status a request is recorded with, and what its exception (if any) means.
    private static (int Status, Outcome Outcome) Classify(HttpContext context, Exception? failure)
    {
        var response = context.Response;
        if (failure is null)
        {
            // The app caught the client's going away and returned: the client got nothing, as when the exception
            // escapes. Unless it was the server's own timeout: the client is still there, the timeout middleware has
            // no exception to answer, and the client gets the response the app left.
            return !response.HasStarted && context.RequestAborted.IsCancellationRequested && !TimedOut(context)
                ? (StatusCodeClientClosed, Outcome.ClientClosed)
                : (response.StatusCode, Outcome.Completed);
        }

        // The server's own request timeout (UseRequestTimeouts before this middleware) fired after the response
        // started: it cancels the RequestAborted this middleware sees, but the client did not go away; the timeout
        // middleware cannot answer and rethrows. A server failure, as it is when this middleware is outside. (Before the
        // response started, End records the timeout middleware's answer instead.)
        if (failure is OperationCanceledException && TimedOut(context))
        {
            return (response.StatusCode, Outcome.Exception);
        }

        // The client went away (closed the connection, cancelled): not a server failure. Recorded as 499, nginx's
        // "client closed request", unless a status was already sent.
        if (context.RequestAborted.IsCancellationRequested && failure is OperationCanceledException or IOException)
        {
            return (response.HasStarted ? response.StatusCode : StatusCodeClientClosed, Outcome.ClientClosed);
        }

        // The server refused a malformed or oversized request (Kestrel's 400, 413, 431 ...): the client gets that status.
        if (failure is BadHttpRequestException bad && !response.HasStarted)
        {
            return (bad.StatusCode, Outcome.Completed);
        }

        // Any other exception that escapes the pipeline before the response started becomes a 500 from the server.
        return (response.HasStarted ? response.StatusCode : StatusCodes.Status500InternalServerError, Outcome.Exception);
    }

    private static bool TimedOut(HttpContext context) =>
        context.Features.Get<IHttpRequestTimeoutFeature>()?.RequestTimeoutToken.IsCancellationRequested == true;

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
        while ((now = Volatile.Read(ref _activeCount.Value)) != value)
        {
            value = now;
            _active.Set(value);
        }
    }

    /// <summary>The status recorded for a request the client closed before it was answered.</summary>
    internal const int StatusCodeClientClosed = 499;

    private enum Outcome
    {
        Completed,
        Exception,
        ClientClosed,
    }

    // A timed-out request the timeout middleware answers after this middleware is done: recorded once, when that
    // response starts (the status is then the one the client gets, the policy's or the one its WriteTimeoutResponse
    // set), or, if it never starts (WriteTimeoutResponse threw, or the timeout middleware rethrew because the client
    // had gone too), when the request completes.
    private sealed class TimeoutAnswer
    {
        private static readonly Func<object, Task> OnStarting = static state => ((TimeoutAnswer)state).Record(completed: false);
        private static readonly Func<object, Task> OnCompleted = static state => ((TimeoutAnswer)state).Record(completed: true);

        private readonly RequestMetricsMiddleware _middleware;
        private readonly HttpContext _context;
        private readonly TimeSpan _elapsed;
        private readonly long? _requestBytes;
        private readonly long? _responseBytes;
        private bool _recorded;

        private TimeoutAnswer(RequestMetricsMiddleware middleware, HttpContext context, TimeSpan elapsed, long? requestBytes, long? responseBytes)
        {
            _middleware = middleware;
            _context = context;
            _elapsed = elapsed;
            _requestBytes = requestBytes;
            _responseBytes = responseBytes;
        }

        public static void RecordWhenSent(RequestMetricsMiddleware middleware, HttpContext context, TimeSpan elapsed, long? requestBytes, long? responseBytes)
        {
            var answer = new TimeoutAnswer(middleware, context, elapsed, requestBytes, responseBytes);
            context.Response.OnStarting(OnStarting, answer);
            context.Response.OnCompleted(OnCompleted, answer);
        }

        private Task Record(bool completed)
        {
            // The server runs the callbacks of one request one after another: OnStarting, if at all, before OnCompleted.
            if (_recorded)
            {
                return Task.CompletedTask;
            }

            _recorded = true;

            // Once the timeout middleware is done, RequestAborted is the client's own again: cancelled, the client went
            // away before any answer started.
            var response = _context.Response;
            var (status, outcome) = completed && _context.RequestAborted.IsCancellationRequested
                ? (StatusCodeClientClosed, Outcome.ClientClosed)
                : (response.StatusCode, Outcome.Completed);
            _middleware.Record(_context, _elapsed, status, outcome, _requestBytes, response.ContentLength ?? _responseBytes);
            return Task.CompletedTask;
        }
    }

    private readonly record struct RequestState(long Start, BodyCounters? Counters, IHttpResponseBodyFeature? ResponseBody, bool CountingRequest);
}
