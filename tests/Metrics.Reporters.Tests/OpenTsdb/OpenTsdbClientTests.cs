using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Metrics.Reporters.Transports;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.OpenTsdb;

public class OpenTsdbClientTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1479496100);

    private static OpenTsdbClientOptions Options(Action<OpenTsdbClientOptions>? configure = null)
    {
        var options = new OpenTsdbClientOptions { Endpoint = new Uri("tcp://127.0.0.1:4242"), HostTag = "web-1" };
        configure?.Invoke(options);
        return options;
    }

    // The sender runs on other threads: moving a manual clock once can race with the sender arming its next timer,
    // so tests move it in small steps until what they wait for happened (bounded by a real-time deadline).
    private static async Task AdvanceUntilAsync(ManualTimeProvider time, Func<bool> done, TimeSpan step)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("The condition did not come true within " + Wait);
            }

            time.Advance(step);
            await Task.Delay(2);
        }
    }

    private static OpenTsdbClient Client(FakeLineTransport transport, TimeProvider? time = null, Action<OpenTsdbClientOptions>? configure = null) =>
        new(Options(configure), transport, null, time ?? TimeProvider.System);

    [Test]
    public async Task Send_OverTcp_WritesPutLinesWithHostTag()
    {
        await using var server = await TcpLineServer.StartAsync();
        await using var client = new OpenTsdbClient(new OpenTsdbClientOptions { Endpoint = new Uri($"tcp://127.0.0.1:{server.Port}"), HostTag = "web-1" });

        client.Send("sys.cpu", 42.5, new Tags(("core", "0")), timestamp: At);
        client.Send("sys.procs", 42, timestamp: At);
        var flushed = await client.FlushAsync(Wait);

        Assert.That(flushed, Is.True);
        Assert.That(await server.WaitForLinesAsync(2, Wait), Is.EqualTo(new[]
        {
            "put sys.cpu 1479496100 42.5 core=0 host=web-1",
            "put sys.procs 1479496100 42 host=web-1",
        }));
        Assert.That(client.Sent, Is.EqualTo(2));
        Assert.That(client.Pending, Is.Zero);
    }

    [Test]
    public async Task Send_NoTimestamp_UsesClockNowInSeconds()
    {
        var time = new ManualTimeProvider(At.AddMilliseconds(900));
        var transport = new FakeLineTransport(time);
        await using var client = Client(transport, time);

        client.Send("m", 1);
        await transport.WaitForLinesAsync(1, Wait);

        Assert.That(transport.Lines.Single(), Is.EqualTo("put m 1479496100 1 host=web-1"));
    }

    [Test]
    public async Task Send_HostTagEmptyAndPointTagged_SendsOnlyPointTags()
    {
        var transport = new FakeLineTransport();
        await using var client = Client(transport, configure: o => o.HostTag = "");

        client.Send("m", 1, new Tags(("dc", "x")), At);
        await transport.WaitForLinesAsync(1, Wait);

        Assert.That(transport.Lines.Single(), Is.EqualTo("put m 1479496100 1 dc=x"));
    }

    [Test]
    public async Task Send_InvalidPoint_ThrowsAtOnceWithReason()
    {
        var transport = new FakeLineTransport();
        await using var client = Client(transport, configure: o =>
        {
            o.HostTag = "";
            o.InvalidCharacters = OpenTsdbInvalidCharacters.Reject;
        });

        var noTags = Assert.Throws<ArgumentException>(() => client.Send("m", 1));
        var badChar = Assert.Throws<ArgumentException>(() => client.Send("m s", 1, new Tags(("k", "v"))));

        Assert.That(noTags!.Message, Does.Contain("at least one"));
        Assert.That(badChar!.Message, Does.Contain("'m s'"));
        Assert.That(client.Pending, Is.Zero);
    }

    [Test]
    public async Task Send_NonFiniteValue_IsSkippedAndCounted()
    {
        var transport = new FakeLineTransport();
        await using var client = Client(transport);

        client.Send("m", double.NaN, timestamp: At);
        client.Send("m", double.PositiveInfinity, timestamp: At);
        client.Send("m", 3, timestamp: At);
        Assert.That(await client.FlushAsync(Wait), Is.True);

        Assert.That(client.Skipped, Is.EqualTo(2));
        Assert.That(transport.Lines, Is.EqualTo(new[] { "put m 1479496100 3 host=web-1" }));
    }

    [Test]
    public async Task Send_QueueFull_DropsOldestAndCountsThem()
    {
        var transport = new FakeLineTransport();
        var holding = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        transport.BeforeWrite = async () =>
        {
            holding.TrySetResult();
            await release.Task;
        };
        var failures = new ConcurrentQueue<ReportFailure>();
        await using var client = Client(transport, configure: o =>
        {
            o.MaxQueueSize = 3;
            o.ErrorHandler = failures.Enqueue;
        });
        client.Send("m", 0, timestamp: At);
        await holding.Task.WaitAsync(Wait);

        for (var i = 1; i <= 5; i++)
        {
            client.Send("m", i, timestamp: At);
        }

        Assert.That(client.Dropped, Is.EqualTo(2));
        release.SetResult();
        Assert.That(await client.FlushAsync(Wait), Is.True);
        Assert.That(transport.Lines.Select(l => l.Split(' ')[3]), Is.EqualTo(new[] { "0", "3", "4", "5" }));
        Assert.That(client.Sent, Is.EqualTo(4));
        var failure = failures.Single();
        Assert.That(failure.Failed, Is.EqualTo(2));
        Assert.That(failure.Errors.Single(), Does.Contain("2 point(s) dropped").And.Contain("MaxQueueSize = 3"));
    }

    [Test]
    public async Task Send_ManyThreads_EveryPointSentExactlyOnce()
    {
        const int threads = 4, perThread = 5_000;
        var transport = new FakeLineTransport();
        await using var client = Client(transport, configure: o => o.BatchSize = 200);

        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var tags = new Tags(("t", t.ToString()));
            for (var i = 0; i < perThread; i++)
            {
                client.Send("m", i, tags, At);
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        Assert.That(await client.FlushAsync(Wait), Is.True);
        Assert.That(client.Sent, Is.EqualTo(threads * perThread));
        Assert.That(client.Dropped, Is.Zero);
        Assert.That(transport.Lines.Distinct().Count(), Is.EqualTo(threads * perThread));
    }

    [Test]
    public async Task Send_ManyThreadsSmallQueue_SentPlusDroppedIsExact()
    {
        const int threads = 4, perThread = 5_000;
        var transport = new FakeLineTransport();
        await using var client = Client(transport, configure: o => o.MaxQueueSize = 100);

        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            for (var i = 0; i < perThread; i++)
            {
                client.Send("m", i, null, At);
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        Assert.That(await client.FlushAsync(Wait), Is.True);
        Assert.That(client.Sent + client.Dropped, Is.EqualTo(threads * perThread));
        Assert.That(transport.LineCount, Is.EqualTo(client.Sent));
    }

    [Test]
    public async Task Send_RateLimited_WritesAtMostThatManyPointsPerSecond()
    {
        var time = new ManualTimeProvider(At);
        var transport = new FakeLineTransport(time);
        await using var client = Client(transport, time, o => o.MaxPointsPerSecond = 10);
        for (var i = 0; i < 25; i++)
        {
            client.Send("m", i, timestamp: At);
        }

        await transport.WaitForLinesAsync(10, Wait);
        var atStart = transport.LineCount;
        await AdvanceUntilAsync(time, () => transport.LineCount == 25, TimeSpan.FromMilliseconds(50));

        Assert.That(atStart, Is.EqualTo(10), "a burst of at most one second's worth");
        var written = 0;
        foreach (var (at, lines) in transport.Writes)
        {
            written += lines.Length;
            Assert.That(written, Is.LessThanOrEqualTo(10 + (10 * (at - At).TotalSeconds) + 1e-9), $"{written} points by {at - At}");
        }

        Assert.That(time.GetUtcNow() - At, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1.5)), "25 points at 10 per second take at least 1.5 s after the burst");
    }

    [Test]
    public async Task FlushAsync_ServerDown_ReturnsFalseAtDeadlineThenTrueOnceBack()
    {
        var time = new ManualTimeProvider(At);
        await using var server = await TcpLineServer.StartAsync();
        server.RefuseConnections();
        var failures = new ConcurrentQueue<ReportFailure>();
        var firstFailure = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = new OpenTsdbClient(
            new OpenTsdbClientOptions
            {
                Endpoint = new Uri($"tcp://127.0.0.1:{server.Port}"),
                HostTag = "h",
                ErrorHandler = f =>
                {
                    failures.Enqueue(f);
                    firstFailure.TrySetResult();
                },
            },
            new TcpLineTransport("127.0.0.1", server.Port, time),
            null,
            time);
        client.Send("m", 1, timestamp: At);

        var flush = client.FlushAsync(TimeSpan.FromSeconds(5));
        // The sender runs on its own thread: let it fail against the refusing server before the clock moves on.
        await firstFailure.Task.WaitAsync(Wait);
        Assert.That(flush.IsCompleted, Is.False);
        time.Advance(TimeSpan.FromSeconds(5));
        var first = await flush.WaitAsync(Wait);

        server.AcceptConnections();
        var second = client.FlushAsync(TimeSpan.FromSeconds(600));
        await AdvanceUntilAsync(time, () => second.IsCompleted, TimeSpan.FromSeconds(1));

        Assert.That(first, Is.False, "the deadline passed while the server was down");
        Assert.That(await second, Is.True);
        Assert.That(await server.WaitForLinesAsync(1, Wait), Is.EqualTo(new[] { "put m 1479496100 1 host=h" }));
        Assert.That(failures.First().Errors[0], Does.Contain("Cannot connect"));
        Assert.That(failures.First().Errors[^1], Does.Contain("Resending in 1 s"));
    }

    [Test]
    public async Task Send_ServerRefusesConnection_FailureSaysOnceWhenItResends()
    {
        var time = new ManualTimeProvider(At);
        await using var server = await TcpLineServer.StartAsync();
        server.RefuseConnections();
        var failures = new ConcurrentQueue<ReportFailure>();
        var secondFailure = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = new OpenTsdbClient(
            new OpenTsdbClientOptions
            {
                Endpoint = new Uri($"tcp://127.0.0.1:{server.Port}"),
                HostTag = "h",
                ErrorHandler = f =>
                {
                    failures.Enqueue(f);
                    if (failures.Count == 2)
                    {
                        secondFailure.TrySetResult();
                    }
                },
            },
            new TcpLineTransport("127.0.0.1", server.Port, time),
            null,
            time);
        client.Send("m", 1, timestamp: At);

        var flush = client.FlushAsync(TimeSpan.FromSeconds(600));
        await AdvanceUntilAsync(time, () => secondFailure.Task.IsCompleted, TimeSpan.FromSeconds(1));

        var texts = failures.Take(2).Select(f => f.ToString()).ToArray();
        server.AcceptConnections();
        await AdvanceUntilAsync(time, () => flush.IsCompleted, TimeSpan.FromSeconds(1));

        Assert.That(await flush, Is.True);
        Assert.That(texts[0], Does.Contain("Cannot connect to 127.0.0.1:" + server.Port).And.EndWith("; Resending in 1 s."));
        Assert.That(texts[1], Does.Contain("Cannot connect to 127.0.0.1:" + server.Port).And.EndWith("; Resending in 2 s."));
        Assert.That(texts, Has.All.Not.Contain("retrying"), "the wait is said once, by the client that waits");
    }

    [Test]
    public async Task Send_WriteFailsOnce_ResendsSameBatchAfterBackoff()
    {
        var time = new ManualTimeProvider(At);
        var transport = new FakeLineTransport(time);
        var failNext = 1;
        transport.BeforeWrite = () => Interlocked.Exchange(ref failNext, 0) == 1
            ? throw new IOException("connection reset")
            : ValueTask.CompletedTask;
        var failures = new ConcurrentQueue<ReportFailure>();
        await using var client = Client(transport, time, o => o.ErrorHandler = failures.Enqueue);
        client.Send("m", 1, timestamp: At);
        client.Send("m", 2, timestamp: At);

        var flush = client.FlushAsync(TimeSpan.FromSeconds(100));
        await AdvanceUntilAsync(time, () => flush.IsCompleted, TimeSpan.FromMilliseconds(100));
        Assert.That(await flush, Is.True);

        Assert.That(transport.Lines, Has.Count.EqualTo(2));
        Assert.That(failures.Single().Errors[0], Does.Contain("connection reset"));
        Assert.That(failures.Single().Failed, Is.EqualTo(2));
    }

    [Test]
    public async Task Send_ErrorHandlerThrows_SenderGoesOnAndServerErrorLinesStillCount()
    {
        var time = new ManualTimeProvider(At);
        var transport = new FakeLineTransport(time);
        var failNext = 1;
        transport.BeforeWrite = () => Interlocked.Exchange(ref failNext, 0) == 1
            ? throw new IOException("connection reset")
            : ValueTask.CompletedTask;
        var calls = 0;
        await using var client = Client(transport, time, o => o.ErrorHandler = _ =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("handler bug");
        });
        client.Send("m", 1, timestamp: At);

        var flush = client.FlushAsync(TimeSpan.FromSeconds(100));
        await AdvanceUntilAsync(time, () => flush.IsCompleted, TimeSpan.FromMilliseconds(100));
        Assert.That(await flush, Is.True, "the batch is resent after the handler threw");
        transport.LineReceived!("put: invalid value: m");
        client.Send("m", 2, timestamp: At);
        Assert.That(await client.FlushAsync(Wait), Is.True, "later points are still sent");

        Assert.That(transport.Lines, Is.EqualTo(new[] { "put m 1479496100 1 host=web-1", "put m 1479496100 2 host=web-1" }));
        Assert.That(client.Failed, Is.EqualTo(1));
        var deadline = DateTime.UtcNow + Wait;
        while (Volatile.Read(ref calls) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }

        Assert.That(Volatile.Read(ref calls), Is.EqualTo(2), "the failed write and the server's error line");
    }

    [Test]
    public async Task Send_ServerErrorLine_ReachesErrorHandler()
    {
        await using var server = await TcpLineServer.StartAsync();
        server.Reply = _ => "put: illegal argument: not enough arguments (need least 4, got 1)";
        var failures = new BlockingCollection<ReportFailure>();
        await using var client = new OpenTsdbClient(new OpenTsdbClientOptions { Endpoint = new Uri($"tcp://127.0.0.1:{server.Port}"), ErrorHandler = failures.Add });

        client.Send("m", 1);

        Assert.That(failures.TryTake(out var failure, Wait), Is.True);
        Assert.That(failure!.Errors.Single(), Does.Contain("not enough arguments"));
        Assert.That(failure.Failed, Is.EqualTo(1));
        Assert.That(client.Failed, Is.EqualTo(1), "a point the server rejected is counted as failed");
    }

    [TestCase(120, 120)]
    [TestCase(86_400, 300)]
    public async Task Send_OverHttpRetryAfter_WaitsWhatTheServerAsksUpToFiveMinutesAndSaysSo(int retryAfterSeconds, int expectedWait)
    {
        var time = new ManualTimeProvider(At);
        using var server = HttpTestServer.Start();
        var answered = 0;
        server.Handler = _ => Interlocked.Increment(ref answered) == 1
            ? new TestResponse(429, "slow down", new Dictionary<string, string> { ["Retry-After"] = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            : new TestResponse(204);
        var failures = new ConcurrentQueue<ReportFailure>();
        var client = new OpenTsdbClient(
            new OpenTsdbClientOptions { Endpoint = server.BaseAddress, HostTag = "h", ErrorHandler = failures.Enqueue },
            null,
            null,
            time);
        try
        {
            client.Send("a", 1, timestamp: At);

            var flush = client.FlushAsync(TimeSpan.FromDays(2));
            await AdvanceUntilAsync(time, () => !failures.IsEmpty, TimeSpan.Zero);
            var failedAt = time.GetUtcNow();
            await AdvanceUntilAsync(time, () => flush.IsCompleted, TimeSpan.FromSeconds(10));

            Assert.That(await flush, Is.True);
            Assert.That(client.Sent, Is.EqualTo(1));
            Assert.That(failures.Single().Errors[^1], Is.EqualTo($"Resending in {expectedWait} s."));
            Assert.That(time.GetUtcNow() - failedAt, Is.InRange(TimeSpan.FromSeconds(expectedWait), TimeSpan.FromSeconds(expectedWait + 10)));
        }
        finally
        {
            // Disposal waits for a batch still held back on the manual clock: move it past DisposeTimeout.
            var disposed = client.DisposeAsync().AsTask();
            await AdvanceUntilAsync(time, () => disposed.IsCompleted, TimeSpan.FromSeconds(1));
        }
    }

    [Test]
    public async Task Send_OverHttpServerRedirects_PointsAreFailedAndTheErrorSaysToFixTheEndpoint()
    {
        using var server = HttpTestServer.Start();
        server.Handler = request => request.Path == "/api/put"
            ? new TestResponse(301, "", new Dictionary<string, string> { ["Location"] = "/moved/api/put" })
            : new TestResponse(204);
        var failures = new ConcurrentQueue<ReportFailure>();
        await using var client = new OpenTsdbClient(new OpenTsdbClientOptions { Endpoint = server.BaseAddress, HostTag = "h", ErrorHandler = failures.Enqueue });

        client.Send("a", 1, timestamp: At);
        Assert.That(await client.FlushAsync(Wait), Is.True);

        Assert.Multiple(() =>
        {
            Assert.That(client.Sent, Is.Zero, "a redirect is not a delivery");
            Assert.That(client.Failed, Is.EqualTo(1));
            Assert.That(failures.Single().Errors.Single(), Does.Contain("redirect").And.Contain("endpoint"));
            Assert.That(server.Requests, Has.Count.EqualTo(1), "the redirect was not followed");
        });
    }

    [Test]
    public async Task Send_OverHttpDetailsLongerThan64K_CountsEveryStoredAndFailedPoint()
    {
        using var server = HttpTestServer.Start();
        const int Points = 2000;
        var reason = "Unable to parse value to a number " + new string('.', 400);

        // Like OpenTSDB: the point of value 0 is stored, every other one fails and is echoed with its error, so a batch
        // of more than about 150 points gets an answer longer than 64K characters.
        server.Handler = request =>
        {
            using var body = System.Text.Json.JsonDocument.Parse(request.Body);
            var values = body.RootElement.EnumerateArray().Select(p => p.GetProperty("value").GetDouble()).ToList();
            var failed = values.Where(v => v != 0).ToList();
            var errors = string.Join(",", failed.Select(v =>
                "{\"datapoint\":{\"metric\":\"m\",\"timestamp\":1479496100,\"value\":" + v.ToString(System.Globalization.CultureInfo.InvariantCulture) + ",\"tags\":{\"host\":\"h\"}},\"error\":\"" + reason + "\"}"));
            return failed.Count == 0
                ? new TestResponse(204)
                : TestResponse.Json(400, "{\"success\":" + (values.Count - failed.Count) + ",\"failed\":" + failed.Count + ",\"errors\":[" + errors + "]}");
        };
        var failures = new ConcurrentQueue<ReportFailure>();
        await using var client = new OpenTsdbClient(new OpenTsdbClientOptions { Endpoint = server.BaseAddress, HostTag = "h", ErrorHandler = failures.Enqueue, BatchSize = Points, MaxQueueSize = Points });

        for (var i = 0; i < Points; i++)
        {
            client.Send("m", i, timestamp: At);
        }

        Assert.That(await client.FlushAsync(Wait), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(client.Sent, Is.EqualTo(1), "the server stored one point");
            Assert.That(client.Failed, Is.EqualTo(Points - 1));
            Assert.That(failures.Sum(f => f.Failed), Is.EqualTo(Points - 1));
            Assert.That(failures.SelectMany(f => f.Errors), Has.None.Contain("not the /api/put details"), "no answer was cut short");
            Assert.That(failures.SelectMany(f => f.Errors), Has.Some.Contain("Unable to parse value to a number"), "the server's own errors");
        });
    }

    [Test]
    public async Task Send_TelnetServerStopsReading_WriteFailsAfterRequestTimeoutAndIsReported()
    {
        var time = new ManualTimeProvider(At);
        await using var server = await TcpLineServer.StartAsync();
        server.Stall(true);
        var failures = new ConcurrentQueue<ReportFailure>();
        var client = new OpenTsdbClient(
            new OpenTsdbClientOptions
            {
                Endpoint = new Uri($"tcp://127.0.0.1:{server.Port}"),
                HostTag = "h",
                BatchSize = 100_000,
                MaxQueueSize = 300_000,
                RequestTimeout = TimeSpan.FromSeconds(30),
                ErrorHandler = failures.Enqueue,
            },
            null,
            null,
            time);
        try
        {
            // Far more than the socket buffers hold, so a write waits for the server that reads nothing.
            for (var i = 0; i < 300_000; i++)
            {
                client.Send("m.stalled", i, timestamp: At);
            }

            await AdvanceUntilAsync(time, () => !failures.IsEmpty, TimeSpan.FromSeconds(5));

            Assert.That(failures.First().Errors, Has.Some.Contain("did not finish within 00:00:30").And.Some.Contain("not reading"));
        }
        finally
        {
            server.Stall(false);
            var disposed = client.DisposeAsync().AsTask();
            await AdvanceUntilAsync(time, () => disposed.IsCompleted, TimeSpan.FromSeconds(1));
        }
    }

    [Test]
    public async Task Send_OverHttp_PostsJsonAndCountsPartialFailure()
    {
        using var server = HttpTestServer.Start();
        // Like OpenTSDB: the point named "b" fails, the others in the same request are stored.
        server.Handler = request =>
        {
            using var body = System.Text.Json.JsonDocument.Parse(request.Body);
            var count = body.RootElement.GetArrayLength();
            return request.Body.Contains("\"metric\":\"b\"", StringComparison.Ordinal)
                ? TestResponse.Json(400, "{\"success\":" + (count - 1) + ",\"failed\":1,\"errors\":[{\"datapoint\":{\"metric\":\"b\",\"timestamp\":1479496100,\"value\":2,\"tags\":{\"host\":\"h\"}},\"error\":\"bad\"}]}")
                : new TestResponse(204);
        };
        var failures = new ConcurrentQueue<ReportFailure>();
        await using var client = new OpenTsdbClient(new OpenTsdbClientOptions { Endpoint = server.BaseAddress, HostTag = "h", ErrorHandler = failures.Enqueue, BatchSize = 2 });

        client.Send("a", 1, timestamp: At);
        client.Send("b", 2, timestamp: At);
        Assert.That(await client.FlushAsync(Wait), Is.True);

        Assert.That(client.Sent, Is.EqualTo(1));
        Assert.That(client.Failed, Is.EqualTo(1));
        Assert.That(failures.First().Errors.Single(), Does.Contain("bad: b"));
        Assert.That(server.Requests.First().Path, Is.EqualTo("/api/put"));
        Assert.That(server.Requests.First().Body, Does.Contain("{\"metric\":\"a\",\"timestamp\":1479496100,\"value\":1,\"tags\":{\"host\":\"h\"}}"));
    }

    [Test]
    public async Task DisposeAsync_QueuedPoints_AreWrittenFirst()
    {
        await using var server = await TcpLineServer.StartAsync();
        var client = new OpenTsdbClient(new OpenTsdbClientOptions { Endpoint = new Uri($"tcp://127.0.0.1:{server.Port}"), HostTag = "h" });
        for (var i = 0; i < 100; i++)
        {
            client.Send("m", i, timestamp: At);
        }

        await client.DisposeAsync();

        Assert.That(await server.WaitForLinesAsync(100, Wait), Has.Count.EqualTo(100));
        Assert.That(client.Sent, Is.EqualTo(100));
        Assert.Throws<ObjectDisposedException>(() => client.Send("m", 1));
    }

    [Test]
    public async Task Dispose_ServerDown_GivesUpAfterTimeoutAndCountsDropped()
    {
        var transport = new FakeLineTransport();
        transport.BeforeWrite = () => throw new IOException("down");
        var failures = new ConcurrentQueue<ReportFailure>();
        var client = Client(transport, configure: o =>
        {
            o.DisposeTimeout = TimeSpan.FromMilliseconds(100);
            o.ErrorHandler = failures.Enqueue;
        });
        client.Send("m", 1, timestamp: At);
        client.Send("m", 2, timestamp: At);

        client.Dispose();

        Assert.That(client.Dropped, Is.EqualTo(2));
        Assert.That(failures.Last().Errors.Single(), Does.Contain("2 point(s) were still queued"));
        Assert.That(transport.Disposed, Is.True);
        await Task.CompletedTask;
    }

    [Test]
    public void Constructor_CheckConnectivityUnreachable_ThrowsClearError()
    {
        var port = HttpTestServer.FreePort();

        var ex = Assert.Throws<IOException>(() => new OpenTsdbClient(new OpenTsdbClientOptions
        {
            Endpoint = new Uri($"tcp://127.0.0.1:{port}"),
            CheckConnectivity = true,
        }));

        Assert.That(ex!.Message, Does.Contain($"127.0.0.1:{port}").And.Contain("not reachable").And.Contain("CheckConnectivity"));
    }

    [Test]
    public async Task Constructor_CheckConnectivityReachable_Succeeds()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        await using var client = new OpenTsdbClient(new OpenTsdbClientOptions { Endpoint = new Uri($"tcp://127.0.0.1:{port}"), CheckConnectivity = true });

        Assert.That(client.Pending, Is.Zero);
    }

    [TestCase(null, "Endpoint is required")]
    [TestCase("udp://127.0.0.1:4242", "scheme 'udp'")]
    [TestCase("tcp://127.0.0.1:0", "has port 0; a port is between 1 and 65535")]
    public void Constructor_BadEndpoint_ThrowsNamingIt(string? endpoint, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() => new OpenTsdbClient(new OpenTsdbClientOptions { Endpoint = endpoint == null ? null : new Uri(endpoint) }));

        Assert.That(ex!.Message, Does.Contain(message));
    }

    [Test]
    public void Constructor_BadNumbers_ThrowNamingOption()
    {
        Assert.That(() => new OpenTsdbClient(Options(o => o.MaxQueueSize = 0)), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("MaxQueueSize"));
        Assert.That(() => new OpenTsdbClient(Options(o => o.BatchSize = 0)), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("BatchSize"));
        Assert.That(() => new OpenTsdbClient(Options(o => o.MaxPointsPerSecond = -1)), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("MaxPointsPerSecond"));
        Assert.That(() => new OpenTsdbClient(Options(o => o.MaxTags = 0)), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("MaxTags"));
        Assert.That(() => new OpenTsdbClient(Options(o => o.ConnectTimeout = TimeSpan.Zero)), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("ConnectTimeout"));
    }

    [Test]
    public void Constructor_HostTagWithInvalidCharactersUnderReject_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => new OpenTsdbClient(Options(o =>
        {
            o.HostTag = "my host";
            o.InvalidCharacters = OpenTsdbInvalidCharacters.Reject;
        })));

        Assert.That(ex!.Message, Does.Contain("HostTag 'my host'"));
    }

    [Test]
    public async Task Constructor_HostTagWithInvalidCharactersUnderReplace_IsSanitized()
    {
        var transport = new FakeLineTransport();
        await using var client = Client(transport, configure: o => o.HostTag = "my host");

        client.Send("m", 1, timestamp: At);
        await transport.WaitForLinesAsync(1, Wait);

        Assert.That(transport.Lines.Single(), Is.EqualTo("put m 1479496100 1 host=my_host"));
    }

    [Test]
    public void Options_Defaults_AreDocumentedValues()
    {
        var options = new OpenTsdbClientOptions();

        Assert.That(options.Endpoint, Is.Null);
        Assert.That(options.HostTag, Is.EqualTo(Environment.MachineName));
        Assert.That(options.MaxTags, Is.EqualTo(8));
        Assert.That(options.InvalidCharacters, Is.EqualTo(OpenTsdbInvalidCharacters.Replace));
        Assert.That(options.MaxQueueSize, Is.EqualTo(100_000));
        Assert.That(options.MaxPointsPerSecond, Is.Zero, "no rate limit");
        Assert.That(options.BatchSize, Is.EqualTo(50));
        Assert.That(options.CheckConnectivity, Is.False);
        Assert.That(options.ConnectTimeout, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(options.RequestTimeout, Is.EqualTo(TimeSpan.FromSeconds(30)));
        Assert.That(options.Gzip, Is.True);
        Assert.That(options.DisposeTimeout, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(options.ErrorHandler, Is.Null);
    }

    [Test]
    public async Task Send_DefaultHostTag_IsTheMachineName()
    {
        var transport = new FakeLineTransport();
        await using var client = new OpenTsdbClient(new OpenTsdbClientOptions { Endpoint = new Uri("tcp://127.0.0.1:4242") }, transport, null, TimeProvider.System);

        client.Send("m", 1, timestamp: At);
        await transport.WaitForLinesAsync(1, Wait);

        Assert.That(transport.Lines.Single(), Is.EqualTo("put m 1479496100 1 host=" + Metrics.Reporters.OpenTsdb.OpenTsdbFormat.Sanitize(Environment.MachineName)));
    }
}
