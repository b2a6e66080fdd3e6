using System.Globalization;
using Metrics.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Metrics.Reporters.Tests.DependencyInjection;

public class OpenTsdbHostingTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) => MetricsConfiguration.Section(values);

    [Test]
    public async Task StopAsync_OpenTsdbFromConfiguration_FinalReportArrivesAsPutLines()
    {
        await using var tsd = await TcpLineServer.StartAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMetricsReporting(Config(
            ("Reporters:OpenTsdb:Endpoint", "tcp://127.0.0.1:" + tsd.Port.ToString(CultureInfo.InvariantCulture)),
            ("Reporters:OpenTsdb:HostTag", "web-1"),
            ("Reporters:OpenTsdb:Interval", "00:00:10"),
            ("Reporters:OpenTsdb:Tags:service", "shop")));
        using var host = builder.Build();
        await host.StartAsync();
        host.Services.GetRequiredService<MetricsRegistry>().Counter("orders").Inc(4);

        await host.StopAsync();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        string? line = null;
        for (var seen = 1; line is null && DateTime.UtcNow < deadline; seen++)
        {
            line = (await tsd.WaitForLinesAsync(seen, deadline - DateTime.UtcNow)).FirstOrDefault(l => l.StartsWith("put orders.count ", StringComparison.Ordinal));
        }

        Assert.That(line, Does.Match(@"^put orders\.count \d+ 4 host=web-1 service=shop$"));
    }

    [Test]
    public async Task StopAsync_OpenTsdbOverHttpInCode_FinalReportIsPosted()
    {
        using var tsd = HttpTestServer.Start();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMetricsReporting(b => b.AddOpenTsdb(o =>
        {
            o.Endpoint = tsd.BaseAddress;
            o.Interval = TimeSpan.FromHours(1);
        }));
        using var host = builder.Build();
        await host.StartAsync();
        host.Services.GetRequiredService<MetricsRegistry>().Counter("orders").Inc(2);

        await host.StopAsync();

        var requests = await tsd.WaitForRequestsAsync(1, TimeSpan.FromSeconds(10));
        Assert.That(requests[0].Path, Is.EqualTo("/api/put"));
        Assert.That(requests.Select(r => r.Body), Has.Some.Contains("\"metric\":\"orders.count\""));
    }

    [Test]
    public async Task StartAsync_IntervalInWords_FailsWithTheKeyAndTheFormat()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMetricsReporting(Config(
            ("Reporters:OpenTsdb:Endpoint", "tcp://127.0.0.1:4242"),
            ("Reporters:OpenTsdb:Interval", "10 seconds")));
        using var host = builder.Build();

        var ex = Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.That(ex!.Message, Does.Contain("Metrics:Reporters:OpenTsdb:Interval: '10 seconds' is not a valid TimeSpan (use \"00:00:10\")"));
        await host.StopAsync();
    }

    [Test]
    public async Task StartAsync_OpenTsdbWithoutEndpoint_FailsNamingTheSection()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMetricsReporting(Config(("Reporters:OpenTsdb:Interval", "00:00:10")));
        using var host = builder.Build();

        var ex = Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.That(ex!.Message, Does.Contain("Metrics:Reporters:OpenTsdb: "));
        Assert.That(ex.Message, Does.Contain("Endpoint"));
        await host.StopAsync();
    }
}
