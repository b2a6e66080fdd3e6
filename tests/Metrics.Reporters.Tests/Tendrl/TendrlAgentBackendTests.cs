using System.Net.Sockets;
using System.Text.Json;
using Metrics.Reporters.Engine;
using Metrics.Reporters.Tendrl;
using Metrics.Reporters.Transports;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Tendrl;

/// <summary><see cref="TendrlAgentBackend"/> against the in-test agent, batch by batch.</summary>
public class TendrlAgentBackendTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task SendAsync_MoreAnsweredPointsOfFailedBatchesThanRemembered_OldestForgottenNewestStillNotSentTwice()
    {
        await using var agent = TendrlAgentServer.Start();
        var time = new ManualTimeProvider(Now);
        var transport = new JsonStreamTransport(new UnixDomainSocketEndPoint(agent.SocketPath), "the agent", time, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), everyMessageAnswered: true);
        await using var backend = new TendrlAgentBackend(transport, new TendrlFormat(null, [], wait: true), _ => { }, time, keepSettled: TimeSpan.FromHours(1), maxSettled: 3);
        var first = Batch("a");
        var second = Batch("b");

        agent.CloseAfter(2);
        Assert.That((await backend.SendAsync(first, CancellationToken.None).AsTask().WaitAsync(Limit)).Outcome, Is.EqualTo(SendOutcome.Transient));
        agent.CloseAfter(2);
        Assert.That((await backend.SendAsync(second, CancellationToken.None).AsTask().WaitAsync(Limit)).Outcome, Is.EqualTo(SendOutcome.Transient));
        Assert.That(backend.Settled, Is.EqualTo(3), "four answered, at most three remembered");
        agent.Clear();

        var retried = await backend.SendAsync(second, CancellationToken.None).AsTask().WaitAsync(Limit);

        Assert.That(retried.Outcome, Is.EqualTo(SendOutcome.Success));
        Assert.That(agent.Messages.Select(Metric), Is.EqualTo(new[] { "b2", "b3", "b4" }), "the newest batch's answered points are not sent again");
        agent.Clear();
        Assert.That((await backend.SendAsync(first, CancellationToken.None).AsTask().WaitAsync(Limit)).Outcome, Is.EqualTo(SendOutcome.Success));
        Assert.That(agent.Messages.Select(Metric), Is.EqualTo(new[] { "a0", "a2", "a3", "a4" }), "of the oldest batch, the point forgotten (a0) is sent again, a1 is not");
    }

    [Test]
    public async Task SendAsync_AfterAHugeBatch_ItsBufferIsLetGo()
    {
        await using var agent = TendrlAgentServer.Start();
        var time = new ManualTimeProvider(Now);
        var transport = new JsonStreamTransport(new UnixDomainSocketEndPoint(agent.SocketPath), "the agent", time, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), everyMessageAnswered: false);
        await using var backend = new TendrlAgentBackend(transport, new TendrlFormat(null, [], wait: false), _ => { }, time, keepSettled: null);
        var huge = Enumerable.Range(0, 100).Select(i => new DataPoint(new string('m', 64 * 1024) + i, Tags.Empty, Now, i)).ToArray();

        var result = await backend.SendAsync(huge, CancellationToken.None).AsTask().WaitAsync(Limit);
        await agent.WaitForMessagesAsync(100, Limit);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Success));
        Assert.That(backend.BufferCapacity, Is.LessThanOrEqualTo(4 << 20), "the 6.4 MB the batch needed is not held until the next send");
        var small = await backend.SendAsync(Batch("s"), CancellationToken.None).AsTask().WaitAsync(Limit);
        Assert.That(small.Outcome, Is.EqualTo(SendOutcome.Success));
        var messages = await agent.WaitForMessagesAsync(105, Limit);
        Assert.That(messages.Skip(100).Select(Metric), Is.EqualTo(new[] { "s0", "s1", "s2", "s3", "s4" }), "the next batch is written whole into the new buffer");
    }

    private static DataPoint[] Batch(string prefix) =>
        Enumerable.Range(0, 5).Select(i => new DataPoint(prefix + i, Tags.Empty, Now, i)).ToArray();

    private static string? Metric(JsonElement message) => message.GetProperty("data").GetProperty("metric").GetString();
}
