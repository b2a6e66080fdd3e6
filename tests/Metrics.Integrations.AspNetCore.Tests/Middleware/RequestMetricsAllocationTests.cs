using Metrics.AspNetCore;
using Metrics.AspNetCore.Middleware;
using Metrics.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.StaticAssets;

namespace Metrics.Integrations.AspNetCore.Tests.Middleware;

public class RequestMetricsAllocationTests
{
    private static DefaultHttpContext Context(Endpoint endpoint)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = "/orders/1";
        context.Request.ContentLength = 0;
        context.SetEndpoint(endpoint);

        // What the server would have created anyway, touched before measuring.
        _ = context.Features.Get<IHttpResponseBodyFeature>();
        _ = context.Response.ContentLength;
        _ = context.Response.HasStarted;
        _ = context.Request.Body;
        _ = context.RequestAborted;
        return context;
    }

    [TestCase(true, "/orders/{id}")]
    [TestCase(false, "/orders/{id}")]
    [TestCase(true, "orders/{id}")] // as MVC attribute routes are written
    public Task InvokeAsync_SeriesAlreadyCached_AllocatesNothing(bool countBodyBytes, string template) =>
        AssertCachedRequestsAllocateNothing(
            new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse(template), 0, EndpointMetadataCollection.Empty, "orders"),
            countBodyBytes,
            "/orders/{id}");

    [Test]
    public Task InvokeAsync_StaticAssetEndpointSeriesAlreadyCached_AllocatesNothing()
    {
        // What MapStaticAssets makes for a file: its path as the template, with the file's descriptor as metadata.
        var descriptor = new StaticAssetDescriptor { Route = "css/site.k3j2h1.css", AssetPath = "css/site.css", Selectors = [], Properties = [], ResponseHeaders = [] };
        var endpoint = new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse(descriptor.Route), -100, new EndpointMetadataCollection(descriptor), "css/site.k3j2h1.css");
        return AssertCachedRequestsAllocateNothing(endpoint, countBodyBytes: true, "static_assets");
    }

    [Test]
    public Task InvokeAsync_StaticAssetEndpointWithALeadingSlashSeriesAlreadyCached_AllocatesNothing()
    {
        // A file MapStaticAssets maps inside a group ("/assets"): its template starts with '/', as a minimal API's does.
        var descriptor = new StaticAssetDescriptor { Route = "/assets/css/site.k3j2h1.css", AssetPath = "css/site.css", Selectors = [], Properties = [], ResponseHeaders = [] };
        var endpoint = new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse(descriptor.Route), -100, new EndpointMetadataCollection(descriptor), "/assets/css/site.k3j2h1.css");
        return AssertCachedRequestsAllocateNothing(endpoint, countBodyBytes: true, "static_assets");
    }

    private static async Task AssertCachedRequestsAllocateNothing(RouteEndpoint endpoint, bool countBodyBytes, string route)
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        var options = new RequestMetricsOptions { CountBodyBytes = countBodyBytes, ApdexThreshold = TimeSpan.FromMilliseconds(100) };
        var middleware = new RequestMetricsMiddleware(
            context =>
            {
                context.Response.StatusCode = 200;
                return Task.CompletedTask;
            },
            registry,
            options);
        var contexts = Enumerable.Range(0, 1002).Select(_ => Context(endpoint)).ToArray();

        // The first request creates the series; the second puts them in the registry's lookup cache (one entry per
        // series, allocated once). Every request after that must allocate nothing.
        await middleware.InvokeAsync(contexts[^1]);
        await middleware.InvokeAsync(contexts[^2]);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            var task = middleware.InvokeAsync(contexts[i]);
            if (!task.IsCompletedSuccessfully)
            {
                Assert.Fail("a synchronous pipeline should complete synchronously");
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.EqualTo(0), "bytes allocated by 1000 requests to a cached series");
        Assert.That(registry.Timer("http.server.requests", new Tags(("route", route), ("method", "GET"), ("status", "200"))).Count, Is.EqualTo(1002));
    }
}
