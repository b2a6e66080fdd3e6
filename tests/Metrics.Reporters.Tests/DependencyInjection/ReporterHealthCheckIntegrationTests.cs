using Metrics.Reporters.DependencyInjection;
using Metrics.Reporters.Engine;
using Metrics.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Metrics.Reporters.Tests.DependencyInjection;

public class ReporterHealthCheckIntegrationTests
{
    // One reporter over a backend whose sends can be made to hang, with no retries.
    private static (IHost Host, ManualTimeProvider Clock) CreateStallingHost(StallingBackend backend, TimeSpan interval) =>
        CreateHost(b => b.Add<SampleReporterOptions>(
            "Stalling",
            null,
            o =>
            {
                o.Retry.MaxRetries = 0;
                o.Interval = interval;
            },
            (_, registry, options) => new StallingReporter(registry, options, backend)));

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
    public async Task Check_FailedThenNothingLeftToSend_DegradedNotUnhealthy()
    {
        var report = true;
        var (host, clock) = CreateHost(b => b.AddSample(o =>
        {
            o.Retry.MaxRetries = 0;
            o.Interval = TimeSpan.FromMinutes(10);
            o.Filter = _ => Volatile.Read(ref report);
        }));
        using (host)
        {
            await host.StartAsync();
            var reporter = (SampleReporter)host.Services.GetRequiredService<ReporterSet>().GetReporters().Single().Reporter!;
            host.Services.GetRequiredService<MetricsRegistry>().Counter("orders").Inc();
            reporter.Backend.Result = () => SendResult.Transient(1, "connection refused");
            await reporter.ReportNowAsync();
            Assert.That((await CheckAsync(host)).Status, Is.EqualTo(HealthStatus.Degraded));

            // The failed points are gone (no offline storage); the filter now leaves nothing to report.
            Volatile.Write(ref report, false);
            clock.Advance(TimeSpan.FromMinutes(2));
            await reporter.ReportNowAsync();
            var idle = await CheckAsync(host);
            Assert.That(idle.Status, Is.EqualTo(HealthStatus.Degraded), idle.Entries["metrics-reporters"].Description);
            Assert.That(idle.Entries["metrics-reporters"].Description, Does.Contain("sample: Degraded (1 failed send(s) since the last success)"));

            clock.Advance(TimeSpan.FromMinutes(5));
            Assert.That((await CheckAsync(host)).Status, Is.EqualTo(HealthStatus.Degraded), "nothing waits: no outage is timed");

            // Points to send again, and the backend still down: the outage is timed from this failure.
            Volatile.Write(ref report, true);
            await reporter.ReportNowAsync();
            Assert.That((await CheckAsync(host)).Status, Is.EqualTo(HealthStatus.Degraded));
            clock.Advance(TimeSpan.FromMinutes(2));
            await reporter.ReportNowAsync();
            Assert.That((await CheckAsync(host)).Status, Is.EqualTo(HealthStatus.Unhealthy));
            await host.StopAsync();
        }
    }

    [Test]
    public async Task Check_SendHangsLongerThanTheLimit_Unhealthy()
    {
        var backend = new StallingBackend();
        var (host, clock) = CreateStallingHost(backend, TimeSpan.FromSeconds(10));
        using (host)
        {
            // Released however the test ends: disposing the host waits for the send in flight.
            using var release = new Release(backend);
            await host.StartAsync();
            var reporter = host.Services.GetRequiredService<ReporterSet>().GetReporters().Single().Reporter!;
            host.Services.GetRequiredService<MetricsRegistry>().Counter("orders").Inc();
            await reporter.ReportNowAsync();
            Assert.That((await CheckAsync(host)).Status, Is.EqualTo(HealthStatus.Healthy));

            // The backend stops answering: the next scheduled report's send never returns (a server that accepted the
            // connection and reads nothing more), so no send fails and nothing waits in the queue.
            backend.Stall();
            clock.Advance(TimeSpan.FromSeconds(10));
            await backend.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(10));
            clock.Advance(TimeSpan.FromMinutes(2));

            var report = await CheckAsync(host);

            Assert.That(report.Status, Is.EqualTo(HealthStatus.Unhealthy));
            Assert.That(report.Entries["metrics-reporters"].Description, Does.Contain("stalling: Unhealthy (no successful send for 0.00:02:10 (points waiting for 0.00:02:00); a send of"));
            backend.Release();
            await host.StopAsync();
        }
    }

    [Test]
    public async Task Check_SendRunningWithinTheLimit_StaysHealthy()
    {
        var backend = new StallingBackend();
        var (host, clock) = CreateStallingHost(backend, TimeSpan.FromSeconds(10));
        using (host)
        {
            // Released however the test ends: disposing the host waits for the send in flight.
            using var release = new Release(backend);
            await host.StartAsync();
            var reporter = host.Services.GetRequiredService<ReporterSet>().GetReporters().Single().Reporter!;
            host.Services.GetRequiredService<MetricsRegistry>().Counter("orders").Inc();
            await reporter.ReportNowAsync();
            backend.Stall();
            clock.Advance(TimeSpan.FromSeconds(10));
            await backend.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(10));
            clock.Advance(TimeSpan.FromSeconds(20));

            var report = await CheckAsync(host);

            Assert.That(report.Status, Is.EqualTo(HealthStatus.Healthy), "a slow send within unhealthyAfter is no problem yet");
            backend.Release();
            await host.StopAsync();
        }
    }

    [Test]
    public async Task Check_IntervalLongerThanTheLimit_FirstFailureDegradedThenUnhealthyOnceItLasts()
    {
        var (host, clock) = CreateHost(b => b.AddSample(o =>
        {
            o.Retry.MaxRetries = 0;
            o.Interval = TimeSpan.FromMinutes(10);
        }));
        using (host)
        {
            await host.StartAsync();
            var reporter = (SampleReporter)host.Services.GetRequiredService<ReporterSet>().GetReporters().Single().Reporter!;
            host.Services.GetRequiredService<MetricsRegistry>().Counter("orders").Inc();
            clock.Advance(TimeSpan.FromMinutes(10));
            await reporter.Engine.WhenIdleAsync();
            Assert.That(reporter.Status.LastSuccess, Is.Not.Null, "the first scheduled report was sent");

            // Ten minutes with nothing to send are no outage: the first failed send is a degradation.
            reporter.Backend.Result = () => SendResult.Transient(1, "connection refused");
            clock.Advance(TimeSpan.FromMinutes(10));
            await reporter.Engine.WhenIdleAsync();
            var degraded = await CheckAsync(host);
            Assert.That(degraded.Status, Is.EqualTo(HealthStatus.Degraded));
            Assert.That(degraded.Entries["metrics-reporters"].Description, Does.Contain("sample: Degraded (1 failed send(s) since the last success)"));

            clock.Advance(TimeSpan.FromMinutes(2));
            var unhealthy = await CheckAsync(host);
            Assert.That(unhealthy.Status, Is.EqualTo(HealthStatus.Unhealthy));
            Assert.That(unhealthy.Entries["metrics-reporters"].Description, Does.Contain("sample: Unhealthy (no successful send for 0.00:12:00 (points waiting for 0.00:02:00))"));

            reporter.Backend.Result = null;
            clock.Advance(TimeSpan.FromMinutes(8));
            await reporter.Engine.WhenIdleAsync();
            Assert.That((await CheckAsync(host)).Status, Is.EqualTo(HealthStatus.Healthy), "recovers on the next success");
            await host.StopAsync();
        }
    }

    [Test]
    public async Task Check_IntervalLongerThanTheLimitSendRunning_StaysHealthy()
    {
        var backend = new StallingBackend();
        var (host, clock) = CreateStallingHost(backend, TimeSpan.FromMinutes(10));
        using (host)
        {
            using var release = new Release(backend);
            await host.StartAsync();
            var reporter = host.Services.GetRequiredService<ReporterSet>().GetReporters().Single().Reporter!;
            host.Services.GetRequiredService<MetricsRegistry>().Counter("orders").Inc();
            clock.Advance(TimeSpan.FromMinutes(10));
            await reporter.Engine.WhenIdleAsync();
            backend.Stall();
            clock.Advance(TimeSpan.FromMinutes(10));
            await backend.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(10));

            var report = await CheckAsync(host);

            Assert.That(report.Status, Is.EqualTo(HealthStatus.Healthy), "a send that just began, ten minutes after the last one, is no outage");
            backend.Release();
            await host.StopAsync();
        }
    }

    [Test]
    public async Task Check_WallClockSteppedForward_FailingReporterStaysDegraded()
    {
        var (host, clock) = CreateHost(b => b.AddSample(o => o.Retry.MaxRetries = 0));
        using (host)
        {
            await host.StartAsync();
            var reporter = (SampleReporter)host.Services.GetRequiredService<ReporterSet>().GetReporters().Single().Reporter!;
            host.Services.GetRequiredService<MetricsRegistry>().Counter("orders").Inc();
            await reporter.ReportNowAsync();
            reporter.Backend.Result = () => SendResult.Transient(1, "connection refused");
            await reporter.ReportNowAsync();

            // NTP steps the wall clock an hour ahead (or the VM resumes): no time passed for the outage.
            clock.SetUtcNow(clock.GetUtcNow().AddHours(1));
            clock.Advance(TimeSpan.FromSeconds(10));

            Assert.That((await CheckAsync(host)).Status, Is.EqualTo(HealthStatus.Degraded));
            await host.StopAsync();
        }
    }

    [Test]
    public async Task Check_WallClockSteppedBack_LongOutageStillUnhealthy()
    {
        var (host, clock) = CreateHost(b => b.AddSample(o => o.Retry.MaxRetries = 0));
        using (host)
        {
            await host.StartAsync();
            var reporter = (SampleReporter)host.Services.GetRequiredService<ReporterSet>().GetReporters().Single().Reporter!;
            host.Services.GetRequiredService<MetricsRegistry>().Counter("orders").Inc();
            await reporter.ReportNowAsync();
            reporter.Backend.Result = () => SendResult.Transient(1, "connection refused");
            await reporter.ReportNowAsync();

            // The wall clock is stepped an hour back, then the outage lasts two minutes more than the limit allows.
            clock.SetUtcNow(clock.GetUtcNow().AddHours(-1));
            clock.Advance(TimeSpan.FromMinutes(2));

            Assert.That((await CheckAsync(host)).Status, Is.EqualTo(HealthStatus.Unhealthy));
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

    /// <summary>A backend that answers until <see cref="Stall"/>, then holds every send until <see cref="Release"/>.</summary>
    private sealed class StallingBackend : IReportBackend
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _stalling;

        public TaskCompletionSource Stalled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "stalling";

        public void Stall() => _stalling = true;

        public void Release() => _release.TrySetResult();

        public string? Validate(in DataPoint point) => null;

        public async ValueTask<SendResult> SendAsync(IReadOnlyList<DataPoint> batch, CancellationToken cancellationToken)
        {
            if (_stalling)
            {
                Stalled.TrySetResult();
                await _release.Task.ConfigureAwait(false);
            }

            return SendResult.Ok(batch.Count);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class Release(StallingBackend backend) : IDisposable
    {
        public void Dispose() => backend.Release();
    }

    private sealed class StallingReporter(MetricsRegistry registry, ReporterOptions options, IReportBackend backend) : Reporter(registry, options, backend);
}
