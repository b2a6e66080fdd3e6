using Metrics.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Metrics.Reporters.Tests.DependencyInjection;

public class ApptuitHostingTests
{
    [Test]
    public async Task StopAsync_ApptuitFromConfiguration_FinalReportIsPostedWithTheToken()
    {
        using var api = HttpTestServer.Start();
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Metrics:Reporters:Apptuit:ApiEndpoint"] = api.BaseAddress.ToString(),
                ["Metrics:Reporters:Apptuit:Token"] = "apptuit-secret",
                ["Metrics:Reporters:Apptuit:DisableHostTag"] = "true",
                ["Metrics:Reporters:Apptuit:Interval"] = "01:00:00",
                ["Metrics:Reporters:Apptuit:RetryCount"] = "0",
            })
            .Build();
        var logs = new CapturingLoggerProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Services.AddMetricsReporting(config.GetSection("Metrics"));
        using var host = builder.Build();
        await host.StartAsync();
        host.Services.GetRequiredService<MetricsRegistry>().Counter("orders", new Tags(("region", "eu"))).Inc(6);

        await host.StopAsync();

        var requests = await api.WaitForRequestsAsync(1, TimeSpan.FromSeconds(10));
        Assert.That(requests[0].Path, Is.EqualTo("/api/put"));
        Assert.That(requests[0].Header("Authorization"), Is.EqualTo("Bearer apptuit-secret"));
        Assert.That(requests.Select(r => r.Body), Has.Some.Match("\\{\"metric\":\"orders_count\",\"timestamp\":\\d+,\"value\":6\\.0,\"tags\":\\{\"region\":\"eu\"\\}\\}"));
        Assert.That(logs.Entries.Select(e => e.Message + e.Exception), Has.None.Contains("apptuit-secret"));
    }

    [Test]
    public void Build_TwoNamedApptuitReporters_EachKeepsItsOwnOptions()
    {
        // Disposing the container flushes the reporters: keep that flush on a local server.
        using var api = HttpTestServer.Start();
        var services = new ServiceCollection();
        services.AddMetricsReporting(b => b
            .AddApptuit(o => (o.Token, o.Prefix, o.ApiEndpoint) = ("a", "eu.", api.BaseAddress), name: "eu")
            .AddApptuit(o => (o.Token, o.Prefix, o.ApiEndpoint) = ("b", "us.", api.BaseAddress), name: "us"));
        using var sp = services.BuildServiceProvider();

        var reporters = sp.GetRequiredService<Metrics.Reporters.DependencyInjection.ReporterSet>().GetReporters().Select(e => e.Reporter!).ToList();

        Assert.That(reporters.Select(r => (r.Name, r.GetType())), Is.EquivalentTo(new[] { ("eu", typeof(ApptuitReporter)), ("us", typeof(ApptuitReporter)) }));
    }

    [Test]
    public async Task StartAsync_ApptuitSectionWithoutToken_FailsNamingTheKeyInsteadOfRunningWithoutIt()
    {
        Assume.That(Environment.GetEnvironmentVariable("APPTUIT_API_TOKEN") + Environment.GetEnvironmentVariable("APPTUIT_PY_TOKEN"), Is.Empty, "a token variable is set in this environment");
        var logs = new CapturingLoggerProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Services.AddMetricsReporting(MetricsConfiguration.Section(("Reporters:Apptuit:Interval", "00:01:00"), ("Reporters:Console:Interval", "00:00:10")))
            .AddConsole(o => o.Output = TextWriter.Null);
        using var host = builder.Build();

        var ex = Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.That(ex!.Message, Does.Contain("Metrics:Reporters:Apptuit: No Apptuit API token: set the Token option or the environment variable APPTUIT_API_TOKEN."));
        await host.StopAsync();
    }

    [Test]
    public void Build_AddApptuitWithoutToken_ListsTheProblemWithTheBuilderMethod()
    {
        Assume.That(Environment.GetEnvironmentVariable("APPTUIT_API_TOKEN") + Environment.GetEnvironmentVariable("APPTUIT_PY_TOKEN"), Is.Empty, "a token variable is set in this environment");
        var services = new ServiceCollection();
        services.AddMetricsReporting(b => b.AddApptuit(o => o.Prefix = "shop."));
        using var sp = services.BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => sp.GetRequiredService<Metrics.Reporters.DependencyInjection.ReporterSet>().GetReporters());

        Assert.That(ex!.Message, Does.Contain("AddApptuit(): No Apptuit API token"));
    }
}
