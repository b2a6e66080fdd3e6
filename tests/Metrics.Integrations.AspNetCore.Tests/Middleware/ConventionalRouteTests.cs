using Metrics.AspNetCore.Middleware;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Metrics.Integrations.AspNetCore.Tests.Middleware;

public class ConventionalRouteTests
{
    [Test]
    public async Task Request_MvcConventionalRoute_OneSeriesPerActionNeverTheRawPath()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddMetricsRegistry();
        builder.Services.AddControllers().AddApplicationPart(typeof(ShopController).Assembly);
        await using var app = builder.Build();
        app.UseRequestMetrics();
        app.MapControllers();
        app.MapControllerRoute("default", "{controller=Shop}/{action=Index}/{id?}");
        await app.StartAsync();
        using var client = app.GetTestClient();

        foreach (var path in new[] { "/", "/shop/index", "/Shop/Item/7", "/Shop/Item/8", "/Shop/Item", "/api/widgets/3" })
        {
            (await client.GetAsync(new Uri(path, UriKind.Relative))).EnsureSuccessStatusCode();
        }

        var registry = app.Services.GetRequiredService<MetricsRegistry>();
        var counts = registry.CreateReader().Read().Where(s => s.Name == "http.server.requests").ToDictionary(s => s.Tags["route"], s => s.Count);
        Assert.That(counts, Is.EqualTo(new Dictionary<string, long>
        {
            ["/Shop/Index/{id?}"] = 2,
            ["/Shop/Item/{id?}"] = 3,
            ["/api/widgets/{id:int}"] = 1,
        }));
    }

    [TestCase("{controller=Home}/{action=Index}/{id?}", "Home/About/{id?}")]
    [TestCase("{area:exists}/{controller}/{action}", "{area:exists}/Home/About")]
    [TestCase("shop/{{literal}}/{action}", "shop/{{literal}}/About")]
    [TestCase("files/{**path}", "files/{**path}")]
    [TestCase("{controller:regex(^[A-Z][a-z]{{2,8}}$)}/{action}", "Home/About")]
    [TestCase("{controller}/{action:regex(^A{{1}}b{{1}}out$)=Index}/{id:regex(^\\d{{3}}$)?}", "Home/About/{id:regex(^\\d{{3}}$)?}")]
    [TestCase("shop/{slug:regex([a-z]{{2,4}})}/{action}", "shop/{slug:regex([a-z]{{2,4}})}/About")]
    [TestCase("{controller:regex(^x}}}}y$)}/{action}", "Home/About")]
    public void Fill_RequiredValues_ReplaceTheirParameters(string template, string expected) =>
        Assert.That(RouteTemplates.Fill(template, new RouteValueDictionary { ["controller"] = "Home", ["action"] = "About", ["area"] = null }), Is.EqualTo(expected));

    [Test]
    public async Task Request_ConventionalRouteWithRegexConstraints_EachActionTaggedWithItsFilledTemplate()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddMetricsRegistry();
        builder.Services.AddControllers().AddApplicationPart(typeof(ShopController).Assembly);
        await using var app = builder.Build();
        app.UseRequestMetrics();
        app.MapControllerRoute("default", "{controller:regex(^[A-Za-z]{{3,10}}$)=Shop}/{action:regex(^[A-Za-z]{{2,}}$)=Index}/{id:regex(^\\d{{1,3}}$)?}");
        await app.StartAsync();
        using var client = app.GetTestClient();

        foreach (var path in new[] { "/shop/index", "/Shop/Item/7", "/Shop/Item/812" })
        {
            (await client.GetAsync(new Uri(path, UriKind.Relative))).EnsureSuccessStatusCode();
        }

        var registry = app.Services.GetRequiredService<MetricsRegistry>();
        var counts = registry.CreateReader().Read().Where(s => s.Name == "http.server.requests").ToDictionary(s => s.Tags["route"], s => s.Count);
        Assert.That(counts, Is.EqualTo(new Dictionary<string, long>
        {
            ["/Shop/Index/{id:regex(^\\d{{1,3}}$)?}"] = 1,
            ["/Shop/Item/{id:regex(^\\d{{1,3}}$)?}"] = 2,
        }));
    }
}

/// <summary>Reached through the conventional route.</summary>
public class ShopController : Controller
{
    public string Index() => "index";

    public string Item(int? id) => $"item {id}";
}

/// <summary>Reached through its attribute route.</summary>
[ApiController]
[Route("api/widgets")]
public class WidgetsController : ControllerBase
{
    [HttpGet("{id:int}")]
    public string Get(int id) => $"widget {id}";
}
