using Metrics.Reporters.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Metrics.Reporters.Tests.DependencyInjection;

public class LocalStoreHostingTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "metrics-di-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static IConfiguration Config(params (string Key, string Value)[] values) => MetricsConfiguration.Section(values);

    [Test]
    public async Task StopAsync_LocalStoreFromConfiguration_FinalReportIsInTheFile()
    {
        var path = Path.Combine(_dir, "metrics.db");
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMetricsReporting(Config(
            ("GlobalTags:app", "shop"),
            ("Reporters:LocalStore:Path", path),
            ("Reporters:LocalStore:Interval", "01:00:00")));
        using (var host = builder.Build())
        {
            await host.StartAsync();
            host.Services.GetRequiredService<MetricsRegistry>().Counter("orders").Inc(5);

            await host.StopAsync();
        }

        using var store = new Metrics.Reporters.LocalStore(path, new LocalStoreOptions { Retention = null });
        var read = store.Read(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddDays(1), name: "orders.count", interval: "raw");
        Assert.That(read, Has.Count.EqualTo(1));
        Assert.That(read[0].Series.Tags, Is.EqualTo(new Tags(("app", "shop"))));
        Assert.That(read[0].Points.Select(p => p.Value), Is.EqualTo(new[] { 5.0 }));
    }

    [Test]
    public async Task StartAsync_StoreFileCannotBeOpened_OthersRunAndHealthSaysWhy()
    {
        var blocker = Path.Combine(_dir, "not-a-directory");
        await File.WriteAllTextAsync(blocker, "x");
        var output = new StringWriter();
        var logs = new CapturingLoggerProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Services.AddMetricsReporting(b => b
            .AddLocalStore(o => o.Path = Path.Combine(blocker, "metrics.db"))
            .AddConsole(o => o.Output = output));
        builder.Services.AddHealthChecks().AddReporterHealthCheck();
        using var host = builder.Build();

        await host.StartAsync();
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        host.Services.GetRequiredService<MetricsRegistry>().Counter("orders").Inc();
        await host.StopAsync();

        Assert.That(logs.Entries.Where(e => e.Level == LogLevel.Error).Select(e => e.Message), Has.One.EqualTo(
            "Metrics reporter localstore failed to start; the application and the other reporters go on without it"));
        Assert.That(report.Entries["metrics-reporters"].Data["localstore"], Is.EqualTo("Unhealthy"));
        Assert.That(report.Entries["metrics-reporters"].Description, Does.Contain("localstore: Unhealthy (failed to start: "));
        Assert.That(output.ToString(), Does.Contain("orders"), "the console reporter ran and flushed");
    }

    [Test]
    public void Build_EmptyStorePathInConfiguration_FailsNamingTheKey()
    {
        var services = new ServiceCollection();
        services.AddMetricsReporting(Config(("Reporters:LocalStore:Path", " ")));
        using var sp = services.BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => sp.GetRequiredService<ReporterSet>().GetReporters());

        Assert.That(ex!.Message, Does.Contain("Metrics:Reporters:LocalStore: LocalStoreReporterOptions.Path is empty"));
    }

    [Test]
    public void Build_EmptyStorePathAndInvalidConsoleOptions_ListsBothUnderTheirKeys()
    {
        var services = new ServiceCollection();
        services.AddMetricsReporting(Config(
            ("Reporters:LocalStore:Path", " "),
            ("Reporters:Console:BatchSize", "0"),
            ("Reporters:Console:Interval", "00:00:00")));
        using var sp = services.BuildServiceProvider();

        var ex = Assert.Throws<InvalidOperationException>(() => sp.GetRequiredService<ReporterSet>().GetReporters());

        Assert.That(ex!.Message, Does.Contain("Metrics:Reporters:LocalStore: LocalStoreReporterOptions.Path is empty"));
        Assert.That(ex.Message, Does.Contain("Metrics:Reporters:Console:BatchSize: must be positive (was 0)"));
        Assert.That(ex.Message, Does.Contain("Metrics:Reporters:Console:Interval: must be positive (was 00:00:00)"));
    }
}
