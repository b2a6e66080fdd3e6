using System.Text;
using Metrics.Reporters.Transports;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Transports;

public class TcpLineTransportTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static ReadOnlyMemory<byte> Bytes(string s) => Encoding.UTF8.GetBytes(s);

    [Test]
    public async Task WriteAsync_ToListeningServer_DeliversLinesOnOneConnection()
    {
        await using var server = await TcpLineServer.StartAsync();
        await using var transport = new TcpLineTransport("127.0.0.1", server.Port);

        await transport.WriteAsync(Bytes("a 1\nb 2\n"), CancellationToken.None);
        await transport.WriteAsync(Bytes("c 3\n"), CancellationToken.None);

        var lines = await server.WaitForLinesAsync(3, Wait);
        Assert.That(lines, Is.EqualTo(new[] { "a 1", "b 2", "c 3" }));
        Assert.That(server.ConnectionCount, Is.EqualTo(1));
    }

    [Test]
    public async Task LineReceived_ServerAnswers_ReportsTheServersLines()
    {
        await using var server = await TcpLineServer.StartAsync();
        server.Reply = line => line.StartsWith("bad", StringComparison.Ordinal) ? "put: illegal argument: " + line : null;
        await using var transport = new TcpLineTransport("127.0.0.1", server.Port);
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        transport.LineReceived = l => received.TrySetResult(l);

        await transport.WriteAsync(Bytes("good 1\nbad 2\n"), CancellationToken.None);

        Assert.That(await received.Task.WaitAsync(Wait), Is.EqualTo("put: illegal argument: bad 2"));
    }

    [Test]
    public async Task LineReceived_ServerLineWithoutEndForMegabytes_IsCutAndTheNextLineArrivesWhole()
    {
        await using var server = await TcpLineServer.StartAsync();
        var flood = new string('x', 4_000_000);
        server.Reply = line => line == "flood 1" ? flood + "\r\nput: illegal argument: after" : null;
        await using var transport = new TcpLineTransport("127.0.0.1", server.Port);
        var received = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        transport.LineReceived = l =>
        {
            received.Enqueue(l);
            if (received.Count == 2)
            {
                second.TrySetResult();
            }
        };

        await transport.WriteAsync(Bytes("flood 1\n"), CancellationToken.None);
        await second.Task.WaitAsync(Wait);

        var lines = received.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(lines[0], Does.StartWith(new string('x', TcpLineTransport.MaxLineLength) + " (cut: "));
            Assert.That(lines[0], Has.Length.LessThan(TcpLineTransport.MaxLineLength + 100));
            Assert.That(lines[1], Is.EqualTo("put: illegal argument: after"));
        });
    }

    [Test]
    public async Task WriteAsync_ServerStopsReading_FailsAfterWriteTimeoutAndTheNextWriteUsesAFreshConnection()
    {
        var time = new ManualTimeProvider();
        await using var server = await TcpLineServer.StartAsync();
        await using var transport = new TcpLineTransport("127.0.0.1", server.Port, time, writeTimeout: TimeSpan.FromSeconds(30));
        await transport.WriteAsync(Bytes("first 1\n"), CancellationToken.None);
        await server.WaitForLinesAsync(1, Wait);
        server.Stall(true);

        // Far more than the socket buffers hold: the write waits for a server that reads nothing.
        var big = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("stalled 1 1479496100 1 host=h\n", 2_000_000)));
        var write = transport.WriteAsync(big, CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromSeconds(30));

        var error = Assert.ThrowsAsync<IOException>(() => write.WaitAsync(Wait));
        Assert.That(error!.Message, Does.Contain("did not finish within 00:00:30").And.Contain("not reading"));
        server.Stall(false);
        await transport.WriteAsync(Bytes("after 1\n"), CancellationToken.None);

        // The server still reads what the dropped connection had buffered; the new line arrives on the new one.
        var deadline = DateTime.UtcNow + Wait;
        while (!server.Lines.Contains("after 1") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.That(server.Lines, Does.Contain("after 1"));
        Assert.That(transport.Connects, Is.EqualTo(2));
    }

    [Test]
    public async Task WriteAsync_AfterServerDroppedConnection_ReconnectsAndDeliversTheLine()
    {
        await using var server = await TcpLineServer.StartAsync();
        await using var transport = new TcpLineTransport("127.0.0.1", server.Port);
        await transport.WriteAsync(Bytes("first 1\n"), CancellationToken.None);
        await server.WaitForLinesAsync(1, Wait);

        server.DropConnections();
        var deadline = DateTime.UtcNow + Wait;
        while (transport.IsConnected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        await transport.WriteAsync(Bytes("second 2\n"), CancellationToken.None);

        var lines = await server.WaitForLinesAsync(2, Wait);
        Assert.That(lines, Is.EqualTo(new[] { "first 1", "second 2" }));
        Assert.That(transport.Connects, Is.EqualTo(2));
    }

    [Test]
    public async Task WriteAsync_ServerDown_FailsFastAndBacksOffOnTheClock()
    {
        var port = HttpTestServer.FreePort();
        var time = new ManualTimeProvider();
        await using var transport = new TcpLineTransport("127.0.0.1", port, time);

        var first = Assert.ThrowsAsync<IOException>(async () => await transport.WriteAsync(Bytes("x 1\n"), CancellationToken.None));
        Assert.That(first!.Message, Does.Contain("Cannot connect to 127.0.0.1:" + port).And.Not.Contain("retrying"), "the caller that retries says when");

        var second = Assert.ThrowsAsync<IOException>(async () => await transport.WriteAsync(Bytes("x 1\n"), CancellationToken.None));
        Assert.That(second!.Message, Does.Contain("next attempt is due"));

        await using var server = await TcpLineServer.StartAsync(port);
        time.Advance(TimeSpan.FromSeconds(1));
        await transport.WriteAsync(Bytes("x 1\n"), CancellationToken.None);
        Assert.That(await server.WaitForLinesAsync(1, Wait), Is.EqualTo(new[] { "x 1" }));
    }

    [Test]
    public async Task WriteAsync_CancelledWhileServerStalls_NextLineArrivesWholeOnAFreshConnection()
    {
        await using var server = await TcpLineServer.StartAsync();
        await using var transport = new TcpLineTransport("127.0.0.1", server.Port);
        await transport.WriteAsync(Bytes("first 1\n"), CancellationToken.None);
        await server.WaitForLinesAsync(1, Wait);

        // The server stops reading, so a write far larger than the socket buffers blocks part-way through a line.
        server.Stall(true);
        var line = new string('x', 1000) + " 1\n";
        var big = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(line, 16 * 1024)));
        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            Assert.CatchAsync<OperationCanceledException>(async () => await transport.WriteAsync(big, cancel.Token));
        }

        server.Stall(false);
        await transport.WriteAsync(Bytes("after 2\n"), CancellationToken.None);

        var deadline = DateTime.UtcNow + Wait;
        while (!server.Lines.Contains("after 2") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        // A bool, not the line list: on failure the list holds megabytes of the stalled write.
        Assert.That(server.Lines.Contains("after 2"), Is.True, "the line arrives whole, not glued to the half line the cancelled write left behind");
        Assert.That(transport.Connects, Is.EqualTo(2));
    }

    [Test]
    public async Task DisposeAsync_Twice_IsIdempotentAndLaterWritesThrowObjectDisposed()
    {
        await using var server = await TcpLineServer.StartAsync();
        var transport = new TcpLineTransport("127.0.0.1", server.Port);
        await transport.WriteAsync(Bytes("a 1\n"), CancellationToken.None);

        await transport.DisposeAsync();
        await transport.DisposeAsync();

        Assert.That(transport.IsConnected, Is.False);
        Assert.ThrowsAsync<ObjectDisposedException>(async () => await transport.WriteAsync(Bytes("b 2\n"), CancellationToken.None));
    }

    [Test]
    public void BackoffFor_ConsecutiveFailures_DoublesFromOneSecondCappedAtThirty()
    {
        var delays = Enumerable.Range(1, 8).Select(n => TcpLineTransport.BackoffFor(n).TotalSeconds);
        Assert.That(delays, Is.EqualTo(new double[] { 1, 2, 4, 8, 16, 30, 30, 30 }));
    }
}
