using System.Text.RegularExpressions;
using Metrics.Reporters.DependencyInjection;
using Metrics.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Metrics.Reporters.Tests.DependencyInjection;

/// <summary>
/// <c>AddMetricsReporting</c> called more than once (by the application and by a library, or twice with the same
/// configuration), on a real host: one hosted service, one reporter per kind and name, each message once.
/// </summary>
public class AddMetricsReportingTwiceTests
{
    private static (HostApplicationBuilder Builder, CapturingLoggerProvider Logs) NewHost(string json)
    {
        var logs = new CapturingLoggerProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Services.AddSingleton<TimeProvider>(new ManualTimeProvider());
        builder.Configuration.AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)));
        return (builder, logs);
    }

    private static int Occurrences(string text, string what) => Regex.Matches(text, Regex.Escape(what)).Count;

    [Test]
    public async Task AddMetricsReporting_TwiceWithTheSameSection_OneHostedServiceReportsOnceAndLogsEachLineOnce()
    {
        var (builder, logs) = NewHost("""{ "Metrics": { "Reporters": { "Console": { "Interval": "00:01:00" } } } }""");
        var output = new StringWriter();
        builder.Services.AddMetricsReporting(builder.Configuration.GetSection("Metrics"));
        builder.Services.AddMetricsReporting(builder.Configuration.GetSection("Metrics")).AddConsole(o => o.Output = output);
        using var host = builder.Build();

        await host.StartAsync();
        host.Services.GetRequiredService<MetricsRegistry>().Counter("checkout.completed").Inc();
        await host.StopAsync();

        Assert.That(host.Services.GetServices<IHostedService>().OfType<MetricsReportingHostedService>().Count(), Is.EqualTo(1));
        Assert.That(host.Services.GetRequiredService<ReporterSet>().GetReporters(), Has.Count.EqualTo(1));
        Assert.That(Occurrences(output.ToString(), "checkout.completed"), Is.EqualTo(1), "one final report, not one per call");
        var messages = logs.Entries.Select(e => e.Message).ToList();
        Assert.That(messages, Has.Exactly(1).EqualTo("Metrics reporter console started"));
        Assert.That(messages, Has.Exactly(1).EqualTo("Metrics reporter console sent its final report and stopped"));
    }

    [Test]
    public async Task AddMetricsReporting_TwiceWithASectionWithoutReporters_WarnsOnce()
    {
        var (builder, logs) = NewHost("""{ "Metrics": { "GlobalTags": { "env": "prod" } } }""");
        builder.Services.AddMetricsReporting(builder.Configuration.GetSection("Metrics"));
        builder.Services.AddMetricsReporting(builder.Configuration.GetSection("Metrics"));
        using var host = builder.Build();

        await host.StartAsync();
        await host.StopAsync();

        Assert.That(
            logs.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message),
            Has.Exactly(1).StartsWith("No metrics reporter runs: the configuration section Metrics given to AddMetricsReporting has no Reporters section"));
    }

    [Test]
    public async Task AddMetricsReporting_TwiceWithInvalidValues_HostStartListsEachProblemOnce()
    {
        var (builder, _) = NewHost("""
            { "Metrics": {
                "GlobalTags": [ "env:prod" ],
                "Reporter": { },
                "Reporters": { "Console": { "Interval": "10 seconds" }, "Consol": { } } } }
            """);
        builder.Services.AddMetricsReporting(builder.Configuration.GetSection("Metrics"));
        builder.Services.AddMetricsReporting(builder.Configuration.GetSection("Metrics"));
        using var host = builder.Build();

        var ex = Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync())!;

        var lines = ex.Message.Split(Environment.NewLine).Skip(1).Select(l => l.Trim()).ToList();
        Assert.That(lines, Is.Unique, ex.Message);
        Assert.That(lines, Has.Exactly(1).StartsWith("Metrics:Reporters:Console:Interval: '10 seconds' is not a valid TimeSpan"));
        Assert.That(lines, Has.Exactly(1).StartsWith("Metrics:Reporters:Consol: unknown reporter 'Consol'"));
        Assert.That(lines, Has.Exactly(1).StartsWith("Metrics:Reporter: unknown section 'Reporter'"));
        Assert.That(lines, Has.Exactly(1).StartsWith("Metrics:GlobalTags: expected tags as key/value pairs"));
        await host.StopAsync();
    }

    [Test]
    public async Task AddMetricsReporting_SameKindTwiceInCodeWithoutAName_RunsOneReporterAndSaysHowToAddASecond()
    {
        var (builder, logs) = NewHost("{}");
        var first = new StringWriter();
        var second = new StringWriter();
        builder.Services.AddMetricsReporting(b => b.AddConsole(o => o.Output = first));
        builder.Services.AddMetricsReporting(b => b.AddConsole(o => o.Output = second));
        using var host = builder.Build();

        await host.StartAsync();
        host.Services.GetRequiredService<MetricsRegistry>().Counter("checkout.completed").Inc();
        await host.StopAsync();

        Assert.That(host.Services.GetRequiredService<ReporterSet>().GetReporters(), Has.Count.EqualTo(1));
        Assert.That((Occurrences(first.ToString(), "checkout.completed"), Occurrences(second.ToString(), "checkout.completed")), Is.EqualTo((0, 1)), "the later delegate wins");
        Assert.That(
            logs.Entries.Select(e => e.Message),
            Has.Exactly(1).EqualTo("Metrics reporter console was added 2 times with AddConsole() and no name: the calls configure this one reporter, their delegates in the order added. To run another Console reporter, give it a name: AddConsole(o => ..., name: \"second\")"));
    }

    [Test]
    public async Task AddMetricsReporting_SameKindFromConfigurationAndFromCode_DoesNotCallItADuplicate()
    {
        var (builder, logs) = NewHost("""{ "Metrics": { "Reporters": { "Console": { "Interval": "00:01:00" } } } }""");
        builder.Services.AddMetricsReporting(builder.Configuration.GetSection("Metrics")).AddConsole(o => o.Output = TextWriter.Null);
        using var host = builder.Build();

        await host.StartAsync();
        await host.StopAsync();

        Assert.That(logs.Entries.Select(e => e.Message), Has.None.Contains("was added 2 times"));
    }
}
