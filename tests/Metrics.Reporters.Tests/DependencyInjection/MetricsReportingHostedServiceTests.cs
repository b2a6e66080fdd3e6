using Metrics.Reporters.DependencyInjection;
using Metrics.Reporters.Engine;
using Metrics.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Metrics.Reporters.Tests.DependencyInjection;

public class MetricsReportingHostedServiceTests
{
    private static (IHost Host, ManualTimeProvider Clock, CapturingLoggerProvider Logs) CreateHost(Action<MetricsReportingBuilder> reporters)
    {
        var clock = new ManualTimeProvider();
        var logs = new CapturingLoggerProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddMetricsReporting(reporters);
        return (builder.Build(), clock, logs);
    }

    private static IReadOnlyList<Reporter> Reporters(IHost host) =>
        host.Services.GetRequiredService<ReporterSet>().GetReporters().Select(e => e.Reporter!).ToList();

    [Test]
    public async Task StopAsync_AfterStart_FinalReportReachesTheBackend()
    {
        var (host, _, _) = CreateHost(b => b.AddSample(o => o.Retry.MaxRetries = 0));
        using (host)
        {
            await host.StartAsync();
            var reporter = (SampleReporter)Reporters(host).Single();
            Assert.That(reporter.Status.Running, Is.True);
            host.Services.GetRequiredService<MetricsRegistry>().Counter("orders").Inc(3);

            await host.StopAsync();

            Assert.That(reporter.Backend.Points.Where(p => p.Metric == "orders.count").Select(p => p.Value), Is.EqualTo(new[] { 3.0 }));
            Assert.That(reporter.Status.Running, Is.False);
        }
    }

    [Test]
    public async Task StopAsync_FinalReportDropped_WarnsInsteadOfSayingItWasSent()
    {
        var (host, _, logs) = CreateHost(b => b.AddSample(o =>
        {
            o.Retry.MaxRetries = 0;
            o.ErrorHandler = _ => { };
        }));
        using (host)
        {
            await host.StartAsync();
            var reporter = (SampleReporter)Reporters(host).Single();
            reporter.Backend.Result = () => SendResult.Transient(1, "connection refused");
            host.Services.GetRequiredService<MetricsRegistry>().Counter("orders").Inc(3);

            await host.StopAsync();

            var messages = logs.Entries.Select(e => e.Message).ToList();
            Assert.That(messages, Has.None.EqualTo("Metrics reporter sample sent its final report and stopped"));
            Assert.That(
                logs.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message),
                Has.One.Matches<string>(m => m.StartsWith("Metrics reporter sample stopped without delivering all of its final report: ", StringComparison.Ordinal)
                    && m.EndsWith(" points were dropped", StringComparison.Ordinal)));
        }
    }

    [Test]
    public async Task StopAsync_FinalReportDelivered_SaysSo()
    {
        var (host, _, logs) = CreateHost(b => b.AddSample(o => o.Retry.MaxRetries = 0));
        using (host)
        {
            await host.StartAsync();
            host.Services.GetRequiredService<MetricsRegistry>().Counter("orders").Inc(3);

            await host.StopAsync();

            Assert.That(logs.Entries.Select(e => e.Message), Has.One.EqualTo("Metrics reporter sample sent its final report and stopped"));
        }
    }

    [Test]
    public async Task StartAsync_ConfigurationSectionWithoutReporters_WarnsNamingTheSection()
    {
        var logs = new CapturingLoggerProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(logs);
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Metrics:Reporters:Console:Interval"] = "00:01:00" })
            .Build();
        builder.Services.AddMetricsReporting(config.GetSection("Metric"));
        using var host = builder.Build();

        await host.StartAsync();
        await host.StopAsync();

        Assert.That(
            logs.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message),
            Has.Exactly(1).StartsWith("No metrics reporter runs: the configuration section Metric given to AddMetricsReporting has no Reporters section"));
    }

    [Test]
    public async Task StartAsync_SectionWithoutReportersButReportersInCode_DoesNotWarn()
    {
        var logs = new CapturingLoggerProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Services.AddSingleton<TimeProvider>(new ManualTimeProvider());
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Metrics:GlobalTags:env"] = "prod" })
            .Build();
        builder.Services.AddMetricsReporting(config.GetSection("Metrics")).AddConsole(o => o.Output = TextWriter.Null);
        using var host = builder.Build();

        await host.StartAsync();
        await host.StopAsync();

        Assert.That(logs.Entries.Select(e => e.Message), Has.None.StartsWith("No metrics reporter runs"));
    }

    [Test]
    public async Task StopAsync_ConsoleReporterFromConfiguration_FlushesItsTable()
    {
        var output = new StringWriter();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<TimeProvider>(new ManualTimeProvider());
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Metrics:Reporters:Console:Interval"] = "00:01:00" })
            .Build();
        builder.Services.AddMetricsReporting(config.GetSection("Metrics")).AddConsole(o => o.Output = output);
        using var host = builder.Build();
        await host.StartAsync();
        host.Services.GetRequiredService<MetricsRegistry>().Counter("checkout.completed").Inc();

        await host.StopAsync();

        var reporter = Reporters(host).Single();
        Assert.That(reporter, Is.InstanceOf<ConsoleReporter>());
        Assert.That(output.ToString(), Does.Contain("checkout.completed"));
    }

    [Test]
    public async Task StartAsync_OneReporterCannotStart_OthersRunAndTheFailureIsLogged()
    {
        var (host, _, logs) = CreateHost(b => b.AddSample(name: "broken").AddSample(name: "fine"));
        using (host)
        {
            var reporters = Reporters(host);
            var broken = reporters.Single(r => r.Name == "broken");
            await broken.StopAsync(); // a stopped reporter refuses to start

            await host.StartAsync();

            Assert.That(reporters.Single(r => r.Name == "fine").Status.Running, Is.True);
            Assert.That(
                logs.Entries.Where(e => e.Level == LogLevel.Error).Select(e => e.Message),
                Has.One.EqualTo("Metrics reporter broken failed to start; the application and the other reporters go on without it"));
            await host.StopAsync();
        }
    }

    [Test]
    public async Task StopAsync_ReporterOutlivesTheShutdownTimeout_HostStopsAnywayAndLogs()
    {
        var hang = new TaskCompletionSource<SendResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var backend = new HangingBackend(hang.Task);
        var (host, _, logs) = CreateHost(b => b.Add<SampleReporterOptions>(
            "Hanging",
            null,
            o => o.StopTimeout = TimeSpan.FromHours(1),
            (sp, registry, options) => new HangingReporter(registry, options, backend)));
        using (host)
        {
            await host.StartAsync();
            host.Services.GetRequiredService<MetricsRegistry>().Counter("orders").Inc();
            using var shutdown = new CancellationTokenSource();

            var stop = host.StopAsync(shutdown.Token);
            await backend.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await shutdown.CancelAsync();
            await stop.WaitAsync(TimeSpan.FromSeconds(10));

            Assert.That(
                logs.Entries.Select(e => e.Message),
                Has.One.EqualTo("Metrics reporter hanging did not finish its final report within the host's shutdown timeout"));
            hang.SetResult(SendResult.Ok(0));
        }
    }

    private sealed class HangingBackend(Task<SendResult> result) : IReportBackend
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "hanging";

        public string? Validate(in DataPoint point) => null;

        public async ValueTask<SendResult> SendAsync(IReadOnlyList<DataPoint> batch, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            return await result.ConfigureAwait(false);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class HangingReporter(MetricsRegistry registry, ReporterOptions options, IReportBackend backend) : Reporter(registry, options, backend);
}
