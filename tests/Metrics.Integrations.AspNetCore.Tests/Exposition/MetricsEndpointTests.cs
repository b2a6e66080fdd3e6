using System.Net;
using System.Text.Json;
using Metrics.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Metrics.Integrations.AspNetCore.Tests.Exposition;

public class MetricsEndpointTests
{
    private static void Map(WebApplication app, ManualTimeProvider clock)
    {
        app.MapGet("/orders/{id}", (int id) => Results.Ok(new { id }));
        app.MapMetrics();
        app.MapMetricsJson("/metrics.json");
    }

    [Test]
    public async Task MapMetrics_AfterRequests_ServesPrometheusTextWithRouteTemplates()
    {
        await using var app = await TestApp.StartAsync(Map);
        await app.Client.GetAsync(new Uri("/orders/1", UriKind.Relative));
        await app.Client.GetAsync(new Uri("/orders/2", UriKind.Relative));

        var response = await app.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.That(response.Content.Headers.ContentType?.ToString(), Is.EqualTo("text/plain; version=0.0.4; charset=utf-8"));
        Assert.That(text, Does.Contain("# TYPE http_server_requests_seconds summary\n"));
        Assert.That(text, Does.Contain("http_server_requests_seconds_count{method=\"GET\",route=\"/orders/{id}\",status=\"200\"} 2\n"));
        Assert.That(text, Does.Contain("# TYPE http_server_active_requests gauge\n"));
        Assert.That(text, Does.Not.Contain("/orders/1"));
    }

    [Test]
    public async Task MapMetrics_ScrapedTwice_DoesNotResetWhatItShows()
    {
        await using var app = await TestApp.StartAsync(Map);
        app.Registry.Counter("jobs").Inc(2);

        await app.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var second = await app.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.That(second, Does.Contain("jobs_total 2\n"));
    }

    [Test]
    public async Task MapMetrics_LiveAppOutput_PassesPromtool()
    {
        await using var app = await TestApp.StartAsync(Map, o => o.ApdexThreshold = TimeSpan.FromMilliseconds(50));
        await app.Client.GetAsync(new Uri("/orders/1", UriKind.Relative));
        await app.Client.GetAsync(new Uri("/missing", UriKind.Relative));

        var text = await app.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var (exitCode, output) = await Promtool.CheckMetricsAsync(text);

        Assert.That(exitCode, Is.EqualTo(0), output + "\n" + text);
    }

    [Test]
    public async Task MapMetricsJson_ServesSnapshotAsJson()
    {
        await using var app = await TestApp.StartAsync(Map);
        app.Registry.Counter("orders", new Tags(("region", "eu"))).Inc(3);
        app.Registry.SettableGauge("queue.depth").Set(7);

        var response = await app.Client.GetAsync(new Uri("/metrics.json", UriKind.Relative));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        var metrics = json.RootElement.GetProperty("metrics").EnumerateArray().ToList();
        var orders = metrics.Single(m => m.GetProperty("name").GetString() == "orders");
        Assert.That(orders.GetProperty("type").GetString(), Is.EqualTo("counter"));
        Assert.That(orders.GetProperty("count").GetInt64(), Is.EqualTo(3));
        Assert.That(orders.GetProperty("tags").GetProperty("region").GetString(), Is.EqualTo("eu"));
        var depth = metrics.Single(m => m.GetProperty("name").GetString() == "queue.depth");
        Assert.That(depth.GetProperty("value").GetDouble(), Is.EqualTo(7));
        Assert.That(json.RootElement.GetProperty("timestamp").GetDateTimeOffset(), Is.EqualTo(app.Clock.GetUtcNow()));
    }

    [Test]
    public async Task Kestrel_OnLoopbackPortZero_ServesRequestsAndMetricsToHttpClient()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Services.AddMetricsRegistry(o => o.GlobalTags = new Tags(("app", "kestrel-test")));
        await using var app = builder.Build();
        app.UseRequestMetrics();
        app.MapGet("/orders/{id}", (int id) => Results.Ok(new { id, item = "book" }));
        app.MapMetrics();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var client = new HttpClient { BaseAddress = new Uri(address) };

        var order = await client.GetAsync(new Uri("/orders/42", UriKind.Relative));
        var body = await order.Content.ReadAsByteArrayAsync();
        var missing = await client.GetAsync(new Uri("/nothing/here", UriKind.Relative));
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        await app.StopAsync();

        Assert.That(address, Does.StartWith("http://127.0.0.1:"));
        Assert.That(order.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(metrics, Does.Contain("http_server_requests_seconds_count{app=\"kestrel-test\",method=\"GET\",route=\"/orders/{id}\",status=\"200\"} 1\n"));
        Assert.That(metrics, Does.Contain("http_server_requests_seconds_count{app=\"kestrel-test\",method=\"GET\",route=\"unmatched\",status=\"404\"} 1\n"));
        Assert.That(metrics, Does.Contain($"http_server_response_size_sum{{app=\"kestrel-test\",method=\"GET\",route=\"/orders/{{id}}\"}} {body.Length}\n"));
    }
}
