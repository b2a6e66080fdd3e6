using System.Globalization;
using Metrics.Reporters.DependencyInjection;
using Metrics.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Metrics.Reporters.Tests.DependencyInjection;

public class WavefrontHostingTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) => MetricsConfiguration.Section(values);

    [Test]
    public async Task StopAsync_WavefrontProxyFromConfiguration_FinalReportReachesTheProxy()
    {
        await using var proxy = await TcpLineServer.StartAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMetricsReporting(Config(
            ("Reporters:WavefrontProxy:ProxyHost", "127.0.0.1"),
            ("Reporters:WavefrontProxy:MetricsPort", proxy.Port.ToString(CultureInfo.InvariantCulture)),
            ("Reporters:WavefrontProxy:Source", "web-1"),
            ("Reporters:WavefrontProxy:Interval", "01:00:00")));
        using var host = builder.Build();
        await host.StartAsync();
        host.Services.GetRequiredService<MetricsRegistry>().Counter("orders").Inc(4);

        await host.StopAsync();

        var line = await WaitForLineAsync(proxy, l => l.StartsWith("\"orders.count\" ", StringComparison.Ordinal));
        Assert.That(line, Does.StartWith("\"orders.count\" 4.0 ").And.EndWith(" source=\"web-1\""));
    }

    // The proxy reads on its own; wait (bounded) for the line rather than for a count of self-metric lines.
    private static async Task<string> WaitForLineAsync(TcpLineServer server, Func<string, bool> match)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        for (var seen = 1; DateTime.UtcNow < deadline; seen++)
        {
            var lines = await server.WaitForLinesAsync(seen, deadline - DateTime.UtcNow);
            if (lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }
        }

        Assert.Fail("no matching line within 10 s; got:\n" + string.Join("\n", server.Lines));
        return string.Empty;
    }

    [Test]
    public async Task StopAsync_TwoNamedWavefrontDirectReporters_EachPostsWithItsOwnToken()
    {
        using var first = HttpTestServer.Start();
        using var second = HttpTestServer.Start();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMetricsReporting(b => b
            .AddWavefrontDirect(o => (o.Server, o.Token, o.Interval) = (first.BaseAddress, "token-one", TimeSpan.FromHours(1)), name: "eu")
            .AddWavefrontDirect(o => (o.Server, o.Token, o.Interval) = (second.BaseAddress, "token-two", TimeSpan.FromHours(1)), name: "us"));
        using var host = builder.Build();
        await host.StartAsync();
        host.Services.GetRequiredService<MetricsRegistry>().Counter("orders").Inc();

        await host.StopAsync();

        var a = (await first.WaitForRequestsAsync(1, TimeSpan.FromSeconds(10)))[0];
        var b = (await second.WaitForRequestsAsync(1, TimeSpan.FromSeconds(10)))[0];
        Assert.That(a.Header("Authorization"), Is.EqualTo("Bearer token-one"));
        Assert.That(b.Header("Authorization"), Is.EqualTo("Bearer token-two"));
        Assert.That(a.Body, Does.Contain("\"orders.count\" 1"));
        Assert.That(b.Body, Does.Contain("\"orders.count\" 1"));
    }

    [Test]
    public async Task StartAsync_ProxySectionWithServerAndToken_FailsNamingTheKeyWithoutTheToken()
    {
        var logs = new CapturingLoggerProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Services.AddMetricsReporting(Config(
            ("Reporters:WavefrontProxy:Server", "https://example.wavefront.com"),
            ("Reporters:WavefrontProxy:Token", "very-secret-token")));
        using var host = builder.Build();

        var ex = Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.That(ex!.Message, Does.Contain("Metrics:Reporters:WavefrontProxy: A Wavefront proxy reporter sends to ProxyHost"));
        Assert.That(ex.Message, Does.Not.Contain("very-secret-token"));
        Assert.That(logs.Entries.Select(e => e.Message + e.Exception), Has.None.Contains("very-secret-token"));
        await host.StopAsync();
    }

    [Test]
    public void Build_DirectWithoutServer_SaysWhatToSet()
    {
        var services = new ServiceCollection();
        services.AddMetricsReporting(b => b.AddWavefrontDirect(o => o.Token = "t"));
        using var sp = services.BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => sp.GetRequiredService<ReporterSet>().GetReporters());

        Assert.That(ex!.Message, Does.Contain("AddWavefrontDirect(): Set Server to the Wavefront server"));
    }
}
