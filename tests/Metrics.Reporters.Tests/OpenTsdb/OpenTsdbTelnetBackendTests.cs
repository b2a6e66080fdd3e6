using System.Collections.Concurrent;
using Metrics.Reporters.Engine;
using Metrics.Reporters.OpenTsdb;
using Metrics.Reporters.Transports;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.OpenTsdb;

public class OpenTsdbTelnetBackendTests
{
    private const long Ts = 1479496100;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly OpenTsdbFormat Format = new("web01", 8, OpenTsdbInvalidCharacters.Replace);

    private static DataPoint Point(int i) => new("sys.procs", new Tags(("n", i.ToString())), Ts, 42);

    [Test]
    public async Task SendAsync_Batch_WritesOnePutLinePerPoint()
    {
        await using var server = await TcpLineServer.StartAsync();
        await using var backend = new OpenTsdbTelnetBackend(new TcpLineTransport("127.0.0.1", server.Port), Format, _ => { });

        var result = await backend.SendAsync([Point(1), Point(2)], CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Success));
        Assert.That(result.Succeeded, Is.EqualTo(2));
        var lines = await server.WaitForLinesAsync(2, Wait);
        Assert.That(lines, Is.EqualTo(new[] { "put sys.procs 1479496100 42 host=web01 n=1", "put sys.procs 1479496100 42 host=web01 n=2" }));
    }

    [Test]
    public async Task SendAsync_ServerAnswersError_ErrorLineReachesCallback()
    {
        await using var server = await TcpLineServer.StartAsync();
        server.Reply = line => line.Contains("bad", StringComparison.Ordinal) ? "put: invalid value: bad" : null;
        var errors = new BlockingCollection<string>();
        await using var backend = new OpenTsdbTelnetBackend(new TcpLineTransport("127.0.0.1", server.Port), Format, errors.Add);

        await backend.SendAsync([Point(1), new DataPoint("bad", new Tags(("k", "v")), Ts, 1)], CancellationToken.None);

        Assert.That(errors.TryTake(out var error, Wait), Is.True, "the server's error line is read in the background");
        Assert.That(error, Is.EqualTo("put: invalid value: bad"));
    }

    [Test]
    public async Task SendAsync_ConnectionDropped_ReconnectsAndWritesNextBatch()
    {
        await using var server = await TcpLineServer.StartAsync();
        await using var backend = new OpenTsdbTelnetBackend(new TcpLineTransport("127.0.0.1", server.Port), Format, _ => { });
        await backend.SendAsync([Point(1)], CancellationToken.None);
        await server.WaitForLinesAsync(1, Wait);

        server.DropConnections();
        var result = await backend.SendAsync([Point(2)], CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Success));
        var lines = await server.WaitForLinesAsync(2, Wait);
        Assert.That(lines[1], Does.EndWith("n=2"));
        Assert.That(server.ConnectionCount, Is.EqualTo(2));
    }

    [Test]
    public async Task SendAsync_ServerDown_IsTransientWithReason()
    {
        await using var server = await TcpLineServer.StartAsync();
        server.RefuseConnections();
        await using var backend = new OpenTsdbTelnetBackend(new TcpLineTransport("127.0.0.1", server.Port), Format, _ => { });

        var result = await backend.SendAsync([Point(1), Point(2)], CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Transient));
        Assert.That(result.Failed, Is.EqualTo(2));
        Assert.That(result.Errors.Single(), Does.Contain("2 put line(s)").And.Contain("127.0.0.1"));
    }

    [Test]
    public async Task SendAsync_ServerBackAfterBackoff_WritesAgain()
    {
        var time = new ManualTimeProvider();
        await using var server = await TcpLineServer.StartAsync();
        server.RefuseConnections();
        await using var backend = new OpenTsdbTelnetBackend(new TcpLineTransport("127.0.0.1", server.Port, time), Format, _ => { });
        var first = await backend.SendAsync([Point(1)], CancellationToken.None);

        server.AcceptConnections();
        var tooEarly = await backend.SendAsync([Point(1)], CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));
        var second = await backend.SendAsync([Point(1)], CancellationToken.None);

        Assert.That(first.Outcome, Is.EqualTo(SendOutcome.Transient));
        Assert.That(tooEarly.Outcome, Is.EqualTo(SendOutcome.Transient), "no attempt before the 1 s backoff is over");
        Assert.That(second.Outcome, Is.EqualTo(SendOutcome.Success));
        Assert.That(await server.WaitForLinesAsync(1, Wait), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task SendAsync_InvalidPointInBatch_WritesTheRestAndReportsIt()
    {
        await using var server = await TcpLineServer.StartAsync();
        var format = new OpenTsdbFormat(null, 8, OpenTsdbInvalidCharacters.Replace);
        await using var backend = new OpenTsdbTelnetBackend(new TcpLineTransport("127.0.0.1", server.Port), format, _ => { });

        var result = await backend.SendAsync([new DataPoint("m", Tags.Empty, Ts, 1), new DataPoint("m", new Tags(("k", "v")), Ts, 2)], CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.PartialFailure));
        Assert.That(result.Succeeded, Is.EqualTo(1));
        Assert.That(result.Errors.Single(), Does.Contain("no tags"));
        Assert.That(await server.WaitForLinesAsync(1, Wait), Is.EqualTo(new[] { "put m 1479496100 2 k=v" }));
    }

    [Test]
    public void Validate_LineOverLimit_ExplainsLimit()
    {
        var backend = new OpenTsdbTelnetBackend(new TcpLineTransport("127.0.0.1", 1), Format, _ => { });

        var reason = backend.Validate(new DataPoint(new string('x', 1100), new Tags(("k", "v")), Ts, 1));

        Assert.That(reason, Does.Contain("1024"));
        Assert.That(backend.Validate(Point(1)), Is.Null);
    }
}
