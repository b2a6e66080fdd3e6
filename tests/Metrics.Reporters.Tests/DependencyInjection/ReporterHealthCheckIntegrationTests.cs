using Metrics.Reporters.DependencyInjection;
using Metrics.Reporters.Engine;
using Metrics.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Metrics.Reporters.Tests.DependencyInjection;

public class ReporterHealthCheckIntegrationTests
{
    private static (IHost Host, ManualTimeProvider Clock) CreateHost(Action<MetricsReportingBuilder> reporters)
    {
        var clock = new ManualTimeProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddMetricsReporting(reporters);
        builder.Services.AddHealthChecks().AddReporterHealthCheck(TimeSpan.FromMinutes(1));
        return (builder.Build(), clock);
    }

    private static Task<HealthReport> CheckAsync(IHost host) => host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

    [Test]
    public async Task Check_ReporterLifecycle_FollowsHealthyDegradedUnhealthy()
    {
        var (host, clock) = CreateHost(b => b.AddSample(o =>
        {
            o.Retry.MaxRetries = 0;
            o.Interval = TimeSpan.FromMinutes(10);
        }));
        using (host)
        {
            var before = await CheckAsync(host);
            Assert.That(before.Status, Is.EqualTo(HealthStatus.Unhealthy), "not started yet");

            await host.StartAsync();
            var reporter = (SampleReporter)host.Services.GetRequiredService<ReporterSet>().GetReporters().Single().Reporter!;
            var registry = host.Services.GetRequiredService<MetricsRegistry>();
            registry.Counter("orders").Inc();
            await reporter.ReportNowAsync();
            var healthy = await CheckAsync(host);
            Assert.That(healthy.Status, Is.EqualTo(HealthStatus.Healthy));
            Assert.That(healthy.Entries["metrics-reporters"].Data["sample"], Is.EqualTo("Healthy"));

            reporter.Backend.Result = () => SendResult.Transient(1, "connection refused");
            registry.Counter("orders").Inc();
            await reporter.ReportNowAsync();
            var degraded = await CheckAsync(host);
            Assert.That(degraded.Status, Is.EqualTo(HealthStatus.Degraded));
            Assert.That(degraded.Entries["metrics-reporters"].Description, Does.Contain("sample: Degraded (1 failed send(s) since the last success)"));

            clock.Advance(TimeSpan.FromMinutes(2));
            registry.Counter("orders").Inc();
            await reporter.ReportNowAsync();
            var unhealthy = await CheckAsync(host);
            Assert.That(unhealthy.Status, Is.EqualTo(HealthStatus.Unhealthy));
            Assert.That(unhealthy.Entries["metrics-reporters"].Description, Does.Contain("no successful send for 0.00:02:00"));

            reporter.Backend.Result = null;
            await reporter.ReportNowAsync();
            Assert.That((await CheckAsync(host)).Status, Is.EqualTo(HealthStatus.Healthy), "recovers on the next success");
            await host.StopAsync();
        }
    }

    [Test]
    public async Task Check_NoReporters_Healthy()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMetricsRegistry();
        builder.Services.AddHealthChecks().AddReporterHealthCheck();
        using var host = builder.Build();

        var report = await CheckAsync(host);

        Assert.That(report.Status, Is.EqualTo(HealthStatus.Healthy));
        Assert.That(report.Entries["metrics-reporters"].Description, Is.EqualTo("No metrics reporters are configured"));
    }

    [Test]
    public async Task Check_Misconfigured_UnhealthyWithTheProblem()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMetricsReporting(b => b.AddSample(o => o.Interval = TimeSpan.Zero));
        builder.Services.AddHealthChecks().AddReporterHealthCheck();
        using var host = builder.Build();

        var report = await CheckAsync(host);

        Assert.That(report.Status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(report.Entries["metrics-reporters"].Exception?.Message, Does.Contain("AddSample(): "));
    }

    [Test]
    public void AddReporterHealthCheck_NonPositiveLimit_Throws()
    {
        var services = new ServiceCollection();

        Assert.Throws<ArgumentOutOfRangeException>(() => services.AddHealthChecks().AddReporterHealthCheck(TimeSpan.Zero));
    }
}
