using System.Net;
using Metrics.AspNetCore;
using Metrics.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Metrics.Integrations.AspNetCore.Tests.Middleware;

/// <summary>
/// MapStaticAssets over a static web assets manifest written here (what the SDK writes at build time), served from a
/// web root of its own.
/// </summary>
public class StaticAssetsTests
{
    private const string Requests = "http.server.requests";

    private string _root = null!;

    [SetUp]
    public void CreateWebRoot()
    {
        _root = Directory.CreateTempSubdirectory("metrics-static-assets-").FullName;
        Directory.CreateDirectory(Path.Combine(_root, "wwwroot", "css"));
        Directory.CreateDirectory(Path.Combine(_root, "wwwroot", "js"));
        File.WriteAllText(Path.Combine(_root, "wwwroot", "css", "site.css"), "body { }");
        File.WriteAllText(Path.Combine(_root, "wwwroot", "js", "app.js"), "let a = 1;");
        File.WriteAllText(Path.Combine(_root, "wwwroot", "favicon.ico"), "icon");

        // Routes as the SDK writes them: each file under its fingerprinted name and its plain one.
        static string Asset(string route, string file, int length) =>
            $$"""{"Route":"{{route}}","AssetFile":"{{file}}","Selectors":[],"EndpointProperties":[],"ResponseHeaders":[{"Name":"Content-Length","Value":"{{length}}"},{"Name":"Content-Type","Value":"text/plain"},{"Name":"ETag","Value":"\"{{length}}\""},{"Name":"Last-Modified","Value":"Thu, 01 Jan 2026 00:00:00 GMT"}]}""";
        var endpoints = string.Join(",", new[]
        {
            Asset("css/site.k3j2h1.css", "css/site.css", 8),
            Asset("css/site.css", "css/site.css", 8),
            Asset("js/app.9x8y7z.js", "js/app.js", 10),
            Asset("favicon.ico", "favicon.ico", 4),
        });
        File.WriteAllText(Path.Combine(_root, "app.staticwebassets.endpoints.json"), $$"""{"Version":1,"ManifestType":"Build","Endpoints":[{{endpoints}}]}""");
    }

    [TearDown]
    public void DeleteWebRoot() => Directory.Delete(_root, recursive: true);

    // MapStaticAssets at the root, or in a group (`group`, e.g. "/assets"); beside them a minimal API written with a
    // leading '/' and one without.
    private async Task<WebApplication> StartAsync(string group = "")
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = _root, WebRootPath = Path.Combine(_root, "wwwroot") });
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton<TimeProvider>(new ManualTimeProvider());
        builder.Services.AddMetricsRegistry();
        var app = builder.Build();
        app.UseRequestMetrics();
        var manifest = Path.Combine(_root, "app.staticwebassets.endpoints.json");
        if (group.Length == 0)
        {
            app.MapStaticAssets(manifest);
        }
        else
        {
            app.MapGroup(group).MapStaticAssets(manifest);
        }

        app.MapGet("/orders/{id}", (int id) => id);
        app.MapGet("api/items", () => "items");
        await app.StartAsync();
        return app;
    }

    // A group's prefix makes each file's template start with '/' ("/assets/css/site.css"), as a minimal API's does.
    [TestCase("")]
    [TestCase("/assets")]
    public async Task Request_StaticAssetFiles_ShareOneSeriesWhileRoutesKeepTheirTemplates(string group)
    {
        await using var app = await StartAsync(group);
        using var client = app.GetTestClient();

        var statuses = new List<HttpStatusCode>();
        var files = new[] { "/css/site.k3j2h1.css", "/css/site.css", "/js/app.9x8y7z.js", "/favicon.ico" }.Select(f => group + f);
        foreach (var path in files.Concat(["/orders/1", "/api/items"]))
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            statuses.Add(response.StatusCode);
        }

        var requests = app.Services.GetRequiredService<MetricsRegistry>().CreateReader().Read()
            .Where(s => s.Name == Requests)
            .ToDictionary(s => (s.Tags["route"], s.Tags["method"], s.Tags["status"]), s => s.Count);
        Assert.That(statuses, Has.All.EqualTo(HttpStatusCode.OK), "every file and route served");
        Assert.That(requests, Is.EqualTo(new Dictionary<(string, string, string), long>
        {
            [("static_assets", "GET", "200")] = 4,
            [("/orders/{id}", "GET", "200")] = 1,
            [("/api/items", "GET", "200")] = 1,
        }), "one series for every static file, not one per file");
    }

    [Test]
    public async Task Request_StaticAssetUnderAnExcludedPath_NotMeasured()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = _root, WebRootPath = Path.Combine(_root, "wwwroot") });
        builder.WebHost.UseTestServer();
        builder.Services.AddMetricsRegistry();
        await using var app = builder.Build();
        app.UseRequestMetrics(o => o.ExcludedPaths.Add("/css"));
        app.MapStaticAssets(Path.Combine(_root, "app.staticwebassets.endpoints.json"));
        await app.StartAsync();
        using var client = app.GetTestClient();

        using var css = await client.GetAsync(new Uri("/css/site.css", UriKind.Relative));
        using var js = await client.GetAsync(new Uri("/js/app.9x8y7z.js", UriKind.Relative));

        var requests = app.Services.GetRequiredService<MetricsRegistry>().CreateReader().Read()
            .Where(s => s.Name == Requests)
            .ToDictionary(s => s.Tags["route"], s => s.Count);
        Assert.That((css.StatusCode, js.StatusCode), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.OK)));
        Assert.That(requests, Is.EqualTo(new Dictionary<string, long> { ["static_assets"] = 1 }));
    }

    [Test]
    public async Task Request_StaticAssetUnderAnExcludedPathWithAPathBaseAfterTheMiddleware_NotMeasured()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = _root, WebRootPath = Path.Combine(_root, "wwwroot") });
        builder.WebHost.UseTestServer();
        builder.Services.AddMetricsRegistry();
        await using var app = builder.Build();
        app.UseRequestMetrics(o => o.ExcludedPaths.Add("/css"));
        app.UsePathBase("/base");
        app.UseRouting();
        app.MapStaticAssets(Path.Combine(_root, "app.staticwebassets.endpoints.json"));
        await app.StartAsync();
        using var client = app.GetTestClient();

        using var css = await client.GetAsync(new Uri("/base/css/site.css", UriKind.Relative));
        using var js = await client.GetAsync(new Uri("/base/js/app.9x8y7z.js", UriKind.Relative));

        var requests = app.Services.GetRequiredService<MetricsRegistry>().CreateReader().Read()
            .Where(s => s.Name == Requests)
            .ToDictionary(s => s.Tags["route"], s => s.Count);
        Assert.That((css.StatusCode, js.StatusCode), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.OK)));
        Assert.That(requests, Is.EqualTo(new Dictionary<string, long> { ["static_assets"] = 1 }), "the excluded paths hold against the file's own path, as against a route template");
    }
}
