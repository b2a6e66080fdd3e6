using System.Text.Json;
using Metrics.Reporters.Tests.DependencyInjection;
using Metrics.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Metrics.Reporters.Tests.Tendrl;

/// <summary>The Tendrl agent reporter added with <c>AddTendrlAgent</c> or from the <c>Metrics:Reporters:TendrlAgent</c> section.</summary>
public class TendrlHostingTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private static IConfiguration Config(params (string Key, string Value)[] values) => MetricsConfiguration.Section(values);

    [Test]
    public async Task StopAsync_TendrlAgentFromConfiguration_FinalReportArrivesWithEntityTagsAndWait()
    {
        await using var agent = TendrlAgentServer.Start();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMetricsReporting(Config(
            ("Reporters:TendrlAgent:SocketPath", agent.SocketPath),
            ("Reporters:TendrlAgent:Entity", "web-1"),
            ("Reporters:TendrlAgent:MessageTags:0", "metrics"),
            ("Reporters:TendrlAgent:MessageTags:1", "shop"),
            ("Reporters:TendrlAgent:WaitForResponse", "true"),
            ("Reporters:TendrlAgent:Interval", "01:00:00"),
            ("Reporters:TendrlAgent:Tags:service", "checkout")));
        using var host = builder.Build();
        await host.StartAsync();
        host.Services.GetRequiredService<MetricsRegistry>().Counter("orders").Inc(4);

        await host.StopAsync();

        var message = await OrdersMessageAsync(agent);
        Assert.That(message.GetProperty("dest").GetString(), Is.EqualTo("web-1"));
        var context = message.GetProperty("context");
        Assert.That(context.GetProperty("wait").GetBoolean(), Is.True);
        Assert.That(context.GetProperty("tags").EnumerateArray().Select(t => t.GetString()), Is.EqualTo(new[] { "metrics", "shop" }));
        var data = message.GetProperty("data");
        Assert.That(data.GetProperty("value").GetDouble(), Is.EqualTo(4));
        Assert.That(data.GetProperty("tags").GetProperty("service").GetString(), Is.EqualTo("checkout"));
        Assert.That(agent.AnswerCount, Is.EqualTo(agent.Messages.Count), "every message was answered");
    }

    [Test]
    public async Task StopAsync_AddTendrlAgentInCode_FinalReportArrives()
    {
        await using var agent = TendrlAgentServer.Start();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMetricsReporting(b => b.AddTendrlAgent(o =>
        {
            o.SocketPath = agent.SocketPath;
            o.Interval = TimeSpan.FromHours(1);
        }));
        using var host = builder.Build();
        await host.StartAsync();
        host.Services.GetRequiredService<MetricsRegistry>().Counter("orders").Inc(2);

        await host.StopAsync();

        var message = await OrdersMessageAsync(agent);
        Assert.That(message.GetProperty("data").GetProperty("value").GetDouble(), Is.EqualTo(2));
        Assert.That(message.TryGetProperty("context", out _), Is.False, "no message tags and no wait: no context");
        Assert.That(message.TryGetProperty("dest", out _), Is.False, "no entity: no dest");
    }

    [Test]
    public async Task StartAsync_ElevenMessageTagsInConfiguration_FailsNamingTheSectionAndTheLimit()
    {
        var values = new List<(string, string)> { ("Reporters:TendrlAgent:SocketPath", "/tmp/agent.sock") };
        values.AddRange(Enumerable.Range(0, 11).Select(i => ($"Reporters:TendrlAgent:MessageTags:{i}", "t" + i)));
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMetricsReporting(Config([.. values]));
        using var host = builder.Build();

        var ex = Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.That(ex!.Message, Does.Contain("Metrics:Reporters:TendrlAgent: MessageTags has 11 tags; the Tendrl agent rejects messages with more than 10"));
        await host.StopAsync();
    }

    [Test]
    public async Task StartAsync_WaitForResponseNotABoolean_FailsWithTheKey()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMetricsReporting(Config(("Reporters:TendrlAgent:WaitForResponse", "yes")));
        using var host = builder.Build();

        var ex = Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.That(ex!.Message, Does.Contain("Metrics:Reporters:TendrlAgent:WaitForResponse: 'yes' is not a valid boolean (use true or false)"));
        await host.StopAsync();
    }

    [Test]
    public async Task StartAsync_MisspelledSetting_FailsListingTheKnownSettings()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMetricsReporting(Config(("Reporters:TendrlAgent:Socket", "/tmp/agent.sock")));
        using var host = builder.Build();

        var ex = Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.That(ex!.Message, Does.Contain("Metrics:Reporters:TendrlAgent:Socket: unknown setting 'Socket' for the TendrlAgent reporter (known settings:")
            .And.Contain("MessageTags").And.Contain("SocketPath").And.Contain("WaitForResponse"));
        await host.StopAsync();
    }

    [Test]
    public async Task StartAsync_NamedInstanceWithType_BuildsATendrlReporterOfThatName()
    {
        await using var agent = TendrlAgentServer.Start();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMetricsReporting(Config(
            ("Reporters:local:Type", "TendrlAgent"),
            ("Reporters:local:SocketPath", agent.SocketPath)));
        using var host = builder.Build();

        await host.StartAsync();

        var reporter = host.Services.GetRequiredService<Metrics.Reporters.DependencyInjection.ReporterSet>().GetReporters().Single().Reporter;
        Assert.That(reporter, Is.TypeOf<TendrlReporter>());
        Assert.That(reporter!.Name, Is.EqualTo("local"));
        await host.StopAsync();
    }

    private static async Task<JsonElement> OrdersMessageAsync(TendrlAgentServer agent)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var message in agent.Messages)
            {
                if (message.GetProperty("data").GetProperty("metric").GetString() == "orders.count")
                {
                    return message;
                }
            }

            await Task.Delay(10);
        }

        Assert.Fail("The agent received no orders.count message.");
        return default;
    }
}
