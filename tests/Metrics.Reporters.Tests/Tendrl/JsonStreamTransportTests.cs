using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Metrics.Reporters.Transports;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Tendrl;

/// <summary>The agent's answer stream read with <see cref="Utf8JsonReader"/>, and the Unix socket connection to the in-test agent.</summary>
public class JsonStreamTransportTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Test]
    public void TryReadAnswer_ObjectsBackToBack_ReadsOneAtATime()
    {
        var data = Encoding.UTF8.GetBytes("{\"status\":\"error\",\"message\":\"Too many tags\"} {\"id\":\"a1\",\"status\":\"success\"}");

        Assert.That(JsonStreamTransport.TryReadAnswer(data, out var consumed, out var first), Is.True);
        Assert.That(first, Is.EqualTo(new StreamAnswer(true, "Too many tags")));
        Assert.That(JsonStreamTransport.TryReadAnswer(data.AsSpan(consumed), out _, out var second), Is.True);
        Assert.That(second, Is.EqualTo(new StreamAnswer(false, null)));
    }

    [Test]
    public void TryReadAnswer_ObjectSplitAnywhere_WaitsForTheRestThenReadsIt()
    {
        var data = Encoding.UTF8.GetBytes("{\"id\":{\"n\":[1,2]},\"message\":\"caf\u00e9\",\"status\":\"error\"}");

        for (var cut = 0; cut < data.Length; cut++)
        {
            Assert.That(JsonStreamTransport.TryReadAnswer(data.AsSpan(0, cut), out _, out _), Is.False, $"cut at {cut}");
        }

        Assert.That(JsonStreamTransport.TryReadAnswer(data, out var consumed, out var answer), Is.True);
        Assert.That(consumed, Is.EqualTo(data.Length));
        Assert.That(answer, Is.EqualTo(new StreamAnswer(true, "caf\u00e9")));
    }

    [Test]
    public void TryReadAnswer_LongMessage_CutAndSaysSo()
    {
        var data = Encoding.UTF8.GetBytes("{\"status\":\"error\",\"message\":\"" + new string('x', 5000) + "\"}");

        JsonStreamTransport.TryReadAnswer(data, out _, out var answer);

        Assert.That(answer.Message, Does.StartWith(new string('x', 4096) + " (cut: the message was longer than 4096 characters)"));
    }

    [TestCase("[1]")]
    [TestCase("\"ok\"")]
    [TestCase("nope")]
    public void TryReadAnswer_NotAnObject_Throws(string text)
    {
        Assert.Throws(Is.InstanceOf<JsonException>(), () => JsonStreamTransport.TryReadAnswer(Encoding.UTF8.GetBytes(text), out _, out _));
    }

    [Test]
    public async Task SendAsync_MessageWithElevenTags_AgentAnswersWithAnError()
    {
        await using var agent = TendrlAgentServer.Start();
        await using var transport = Transport(agent, answered: true);
        var tags = string.Join(",", Enumerable.Range(0, 11).Select(i => $"\"t{i}\""));
        var answers = new List<StreamAnswer>();

        await transport.SendAsync(Encoding.UTF8.GetBytes($"{{\"msg_type\":\"publish\",\"data\":{{}},\"context\":{{\"wait\":true,\"tags\":[{tags}]}}}}"), 1, answers, CancellationToken.None);

        Assert.That(answers.Single().IsError, Is.True);
        Assert.That(answers.Single().Message, Does.Contain("Too many tags"));
    }

    [Test]
    public async Task SendAsync_ErrorWithoutWaiting_GoesToUnsolicited()
    {
        await using var agent = TendrlAgentServer.Start();
        agent.Refuse = _ => "Invalid data";
        await using var transport = Transport(agent, answered: false);
        var errors = new List<StreamAnswer>();
        transport.Unsolicited = a =>
        {
            lock (errors)
            {
                errors.Add(a);
            }
        };

        await transport.SendAsync(Encoding.UTF8.GetBytes("{\"msg_type\":\"publish\",\"data\":{}}"), 0, [], CancellationToken.None);

        var deadline = DateTime.UtcNow + Limit;
        while (errors.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.That(errors, Is.EqualTo(new[] { new StreamAnswer(true, "Invalid data") }));
    }

    [Test]
    public async Task SendAsync_NotJson_AgentClosesTheConnectionAndTheNextSendReconnects()
    {
        await using var agent = TendrlAgentServer.Start();
        await using var transport = Transport(agent, answered: false);
        await transport.SendAsync(Encoding.UTF8.GetBytes("{\"msg_type\":]"), 0, [], CancellationToken.None);

        var deadline = DateTime.UtcNow + Limit;
        while (transport.IsConnected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.That(transport.IsConnected, Is.False, "the agent closed the connection on the decode error");
        await transport.SendAsync(Encoding.UTF8.GetBytes("{\"msg_type\":\"publish\",\"data\":{}}"), 0, [], CancellationToken.None);
        Assert.That(transport.Connects, Is.EqualTo(2));
        Assert.That(await agent.WaitForMessagesAsync(1, Limit), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task SendAsync_NoAgentListening_FailsWithAnIOExceptionNamingTheSocket()
    {
        await using var agent = TendrlAgentServer.Start();
        agent.RefuseConnections();
        await using var transport = Transport(agent, answered: false);

        var ex = Assert.ThrowsAsync<IOException>(async () => await transport.SendAsync(new byte[] { (byte)'{', (byte)'}' }, 0, [], CancellationToken.None));

        Assert.That(ex!.Message, Does.StartWith("Cannot connect to the agent at " + agent.SocketPath));
        Assert.That(ex.InnerException, Is.InstanceOf<SocketException>());
    }

    [Test]
    public async Task SendAsync_WithWaitFromEightThreads_EverySendGetsItsOwnAnswers()
    {
        const int Threads = 8;
        const int Sends = 50;
        await using var agent = TendrlAgentServer.Start();
        agent.Refuse = m => m.GetProperty("data").GetProperty("metric").GetString()!.EndsWith('x') ? "refused " + m.GetProperty("data").GetProperty("metric").GetString() : null;
        await using var transport = Transport(agent, answered: true);
        var mismatches = 0;
        var answered = 0;

        var workers = Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(
            () =>
            {
                for (var n = 0; n < Sends; n++)
                {
                    // Three messages; the one refused moves with n, and its error names it.
                    var names = Enumerable.Range(0, 3).Select(k => $"t{t}.n{n}.k{k}" + (k == n % 3 ? "x" : string.Empty)).ToArray();
                    var data = Encoding.UTF8.GetBytes(string.Concat(names.Select(name => $"{{\"msg_type\":\"publish\",\"data\":{{\"metric\":\"{name}\"}},\"context\":{{\"wait\":true}}}}")));
                    var answers = new List<StreamAnswer>();
                    transport.SendAsync(data, 3, answers, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                    for (var k = 0; k < 3; k++)
                    {
                        var expected = k == n % 3 ? new StreamAnswer(true, "refused " + names[k]) : new StreamAnswer(false, null);
                        if (answers[k] != expected)
                        {
                            Interlocked.Increment(ref mismatches);
                        }
                    }

                    Interlocked.Add(ref answered, answers.Count);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.That(answered, Is.EqualTo(Threads * Sends * 3));
        Assert.That(mismatches, Is.Zero, "no send took another's answers");
        Assert.That(agent.Messages, Has.Count.EqualTo(Threads * Sends * 3));
        Assert.That(transport.Connects, Is.EqualTo(1));
    }

    [TestCase(true, 0)]
    [TestCase(false, 1)]
    public async Task SendAsync_AnswersAskedNotAsTheTransportWasMade_ThrowsWithoutWriting(bool answered, int expectedAnswers)
    {
        await using var agent = TendrlAgentServer.Start();
        await using var transport = Transport(agent, answered);

        Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await transport.SendAsync(Encoding.UTF8.GetBytes("{\"msg_type\":\"publish\",\"data\":{}}"), expectedAnswers, [], CancellationToken.None));

        Assert.That(transport.Connects, Is.Zero, "nothing written: a late error to an unanswered message would be taken for an answer");
    }

    private static JsonStreamTransport Transport(TendrlAgentServer agent, bool answered) =>
        new(new UnixDomainSocketEndPoint(agent.SocketPath), "the agent at " + agent.SocketPath, new ManualTimeProvider(), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), answered);
}
