using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.OpenTsdb;

public class OpenTsdbReporterTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeSeconds(1479496100);

    private static (MetricsRegistry Registry, ManualTimeProvider Time) NewRegistry()
    {
        var time = new ManualTimeProvider(Start);
        return (new MetricsRegistry(new MetricsOptions { TimeProvider = time }), time);
    }

    private static OpenTsdbReporterOptions Options(Uri endpoint, ConcurrentQueue<ReportFailure>? failures = null) => new()
    {
        Endpoint = endpoint,
        HostTag = "web01",
        Retry = new RetryOptions { MaxRetries = 0 },
        ErrorHandler = failures == null ? null : failures.Enqueue,
        Filter = s => !s.Name.StartsWith("metrics.", StringComparison.Ordinal),
    };

    [Test]
    public void Options_Defaults_AreDocumentedValues()
    {
        var options = new OpenTsdbReporterOptions();

        Assert.That(options.BatchSize, Is.EqualTo(50));
        Assert.That(options.MaxTags, Is.EqualTo(8));
        Assert.That(options.HostTag, Is.EqualTo(Environment.MachineName));
        Assert.That(options.InvalidCharacters, Is.EqualTo(OpenTsdbInvalidCharacters.Replace));
        Assert.That(options.ConnectTimeout, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(options.RequestTimeout, Is.EqualTo(TimeSpan.FromSeconds(30)));
        Assert.That(options.Gzip, Is.True);
        Assert.That(options.Endpoint, Is.Null);
    }

    [TestCase(null, "Endpoint is required")]
    [TestCase("ftp://127.0.0.1:4242", "scheme 'ftp'")]
    public void Constructor_BadEndpoint_ThrowsClearMessage(string? endpoint, string message)
    {
        var registry = new MetricsRegistry();

        var ex = Assert.Throws<ArgumentException>(() => new OpenTsdbReporter(registry, new OpenTsdbReporterOptions { Endpoint = endpoint == null ? null : new Uri(endpoint) }));

        Assert.That(ex!.Message, Does.Contain(message));
    }

    [Test]
    public void Constructor_MaxTagsZero_ThrowsNamingOption()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new OpenTsdbReporter(new MetricsRegistry(), new OpenTsdbReporterOptions { Endpoint = new Uri("tcp://127.0.0.1:4242"), MaxTags = 0 }));

        Assert.That(ex!.Message, Does.Contain("MaxTags"));
    }

    [Test]
    public async Task ReportNowAsync_Telnet_WritesPutLinesWithHostAndReporterTags()
    {
        var (registry, _) = NewRegistry();
        registry.Counter("orders", new Tags(("region", "eu"))).Inc(3);
        registry.Gauge("queue.depth", () => 2.5);
        await using var server = await TcpLineServer.StartAsync();
        var options = Options(new Uri($"tcp://127.0.0.1:{server.Port}"));
        options.Prefix = "app.";
        options.Tags = new Tags(("env", "prod"));
        await using var reporter = new OpenTsdbReporter(registry, options);

        await reporter.ReportNowAsync().WaitAsync(Wait);

        var lines = await server.WaitForLinesAsync(2, Wait);
        Assert.That(lines, Is.EquivalentTo(new[]
        {
            "put app.orders.count 1479496100 3 env=prod host=web01 region=eu",
            "put app.queue.depth.value 1479496100 2.5 env=prod host=web01",
        }));
    }

    [Test]
    public async Task ReportNowAsync_PointWithTooManyTags_FailsAloneThroughErrorHandler()
    {
        var (registry, _) = NewRegistry();
        var tags = new Tags(Enumerable.Range(0, 8).Select(i => new KeyValuePair<string, string>("k" + i, "v")));
        registry.Counter("wide", tags).Inc();
        registry.Counter("narrow").Inc();
        var transport = new FakeLineTransport();
        var failures = new ConcurrentQueue<ReportFailure>();
        await using var reporter = new OpenTsdbReporter(registry, Options(new Uri("tcp://127.0.0.1:4242"), failures), transport);

        await reporter.ReportNowAsync().WaitAsync(Wait);

        Assert.That(transport.Lines, Is.EqualTo(new[] { "put narrow.count 1479496100 1 host=web01" }));
        var failure = failures.Single();
        Assert.That(failure.Failed, Is.EqualTo(1));
        Assert.That(failure.Errors.Single(), Does.Contain("wide.count").And.Contain("9 tags").And.Contain("MaxTags = 8"));
    }

    [Test]
    public async Task ReportNowAsync_NameTooLongForALine_FailsAloneThroughErrorHandler()
    {
        var (registry, _) = NewRegistry();
        registry.Counter(new string('n', 1100)).Inc();
        registry.Counter("ok").Inc();
        var transport = new FakeLineTransport();
        var failures = new ConcurrentQueue<ReportFailure>();
        await using var reporter = new OpenTsdbReporter(registry, Options(new Uri("tcp://127.0.0.1:4242"), failures), transport);

        await reporter.ReportNowAsync().WaitAsync(Wait);

        Assert.That(transport.Lines, Has.Count.EqualTo(1));
        Assert.That(failures.Single().Errors.Single(), Does.Contain("1024"));
    }

    [Test]
    public async Task ReportNowAsync_RejectModeInvalidName_FailsThatPointOnly()
    {
        var (registry, _) = NewRegistry();
        registry.Counter("cpu:user").Inc();
        registry.Counter("cpu.system").Inc();
        var transport = new FakeLineTransport();
        var failures = new ConcurrentQueue<ReportFailure>();
        var options = Options(new Uri("tcp://127.0.0.1:4242"), failures);
        options.InvalidCharacters = OpenTsdbInvalidCharacters.Reject;
        await using var reporter = new OpenTsdbReporter(registry, options, transport);

        await reporter.ReportNowAsync().WaitAsync(Wait);

        Assert.That(transport.Lines, Is.EqualTo(new[] { "put cpu.system.count 1479496100 1 host=web01" }));
        Assert.That(failures.Single().Errors.Single(), Does.Contain("'cpu:user.count'").And.Contain("':'"));
    }

    [Test]
    public async Task ServerErrorLine_ReachesErrorHandlerWithReporterName()
    {
        var (registry, _) = NewRegistry();
        registry.Counter("c").Inc();
        await using var server = await TcpLineServer.StartAsync();
        server.Reply = _ => "put: invalid value: c.count";
        var failures = new BlockingCollection<ReportFailure>();
        var options = Options(new Uri($"tcp://127.0.0.1:{server.Port}"));
        options.ErrorHandler = failures.Add;
        options.Name = "tsdb-main";
        await using var reporter = new OpenTsdbReporter(registry, options);

        await reporter.ReportNowAsync().WaitAsync(Wait);

        Assert.That(failures.TryTake(out var failure, Wait), Is.True);
        Assert.That(failure!.Reporter, Is.EqualTo("tsdb-main"));
        Assert.That(failure.Errors.Single(), Does.Contain("put: invalid value: c.count"));

        // Counted like any rejected point: self-metrics and status (so the health check sees it), not only the handler.
        var reporterTag = new Tags(("reporter", "tsdb-main"));
        Assert.That(registry.Counter("metrics.reporter.points.failed", reporterTag).Count, Is.EqualTo(1));
        Assert.That(registry.Counter("metrics.reporter.points.dropped", reporterTag).Count, Is.EqualTo(1));
        Assert.That(reporter.Status.LastFailure, Is.Not.Null);
        Assert.That(reporter.Status.ConsecutiveFailures, Is.EqualTo(1));
    }

    [Test]
    public async Task ServerErrorLines_FivePointsRejectedInOneSend_CountOneFailedSend()
    {
        var (registry, time) = NewRegistry();
        for (var i = 0; i < 5; i++)
        {
            registry.Counter("c" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        }

        await using var server = await TcpLineServer.StartAsync();
        server.Reply = line => "put: invalid value: " + line;
        var failures = new BlockingCollection<ReportFailure>();
        var options = Options(new Uri($"tcp://127.0.0.1:{server.Port}"));
        options.ErrorHandler = failures.Add;
        options.Name = "tsdb-count";
        await using var reporter = new OpenTsdbReporter(registry, options);

        await reporter.ReportNowAsync().WaitAsync(Wait);
        for (var i = 0; i < 5; i++)
        {
            Assert.That(failures.TryTake(out _, Wait), Is.True, "error line " + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        // One send had five points rejected: the health check must not say five sends failed.
        Assert.That(reporter.Status.ConsecutiveFailures, Is.EqualTo(1));
        var registryPoints = registry.Counter("metrics.reporter.points.failed", new Tags(("reporter", "tsdb-count"))).Count;
        Assert.That(registryPoints, Is.EqualTo(5));
        var (_, reason) = Metrics.Reporters.DependencyInjection.ReporterHealthCheck.Evaluate(reporter.Status with { Running = true }, time.GetUtcNow(), null, time.GetUtcNow(), TimeSpan.FromMinutes(5));
        Assert.That(reason, Does.StartWith("1 failed send(s)"));
    }

    // Waits until the reporter has read the server's error lines (the first with the handler, the others queued for it).
    private static async Task AllLinesReadAsync(OpenTsdbReporter reporter, int lines)
    {
        var failures = (Metrics.Reporters.Engine.ServerFailures)reporter.Engine.DrainLateFailures!.Target!;
        var deadline = DateTime.UtcNow + Wait;
        while (failures.Undelivered < lines && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.That(failures.Undelivered, Is.EqualTo(lines), "error lines read and waiting for the handler");
    }

    [Test]
    public async Task StopAsync_SlowHandlerWithErrorLinesQueued_ReturnsOnlyOnceEveryLineReachedIt()
    {
        var (registry, _) = NewRegistry();
        for (var i = 0; i < 3; i++)
        {
            registry.Counter("c" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        }

        await using var server = await TcpLineServer.StartAsync();
        server.Reply = line => "put: invalid value: " + line;
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var handled = 0;
        var options = Options(new Uri($"tcp://127.0.0.1:{server.Port}"));
        options.ErrorHandler = _ =>
        {
            entered.Set();
            release.Wait(Wait);
            Interlocked.Increment(ref handled);
        };
        var reporter = new OpenTsdbReporter(registry, options);
        await reporter.ReportNowAsync().WaitAsync(Wait);
        Assert.That(entered.Wait(Wait), Is.True, "the handler got the first line");
        await AllLinesReadAsync(reporter, 3);

        var stop = reporter.StopAsync();
        var handledAtStop = stop.ContinueWith(_ => Volatile.Read(ref handled), TaskScheduler.Default);

        // The handler is let go once the stop has returned (it must not, while lines wait for the handler) or waits for it.
        var failures = (Metrics.Reporters.Engine.ServerFailures)reporter.Engine.DrainLateFailures!.Target!;
        var deadline = DateTime.UtcNow + Wait;
        while (!stop.IsCompleted && !failures.StopWaiting && DateTime.UtcNow < deadline)
        {
            await Task.WhenAny(stop, Task.Delay(10));
        }

        Assert.That(stop.IsCompleted, Is.False, "StopAsync returned while error lines were still waiting for the handler");
        release.Set();
        await stop.WaitAsync(Wait);

        Assert.That(await handledAtStop.WaitAsync(Wait), Is.EqualTo(3), "every error line reached the handler before StopAsync returned");
        await reporter.DisposeAsync();
        Assert.That(Volatile.Read(ref handled), Is.EqualTo(3));
    }

    [Test]
    public async Task StopAsync_HandlerStillBusyAtStopTimeout_ReturnsAndCountsTheLinesLeft()
    {
        var (registry, time) = NewRegistry();
        for (var i = 0; i < 3; i++)
        {
            registry.Counter("c" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        }

        await using var server = await TcpLineServer.StartAsync();
        server.Reply = line => "put: invalid value: " + line;
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var handled = 0;
        var log = new Metrics.Reporters.Tests.Offline.RecordingLogger();
        var options = Options(new Uri($"tcp://127.0.0.1:{server.Port}"));
        options.Name = "tsdb-slow";
        options.LoggerFactory = log;
        options.StopTimeout = TimeSpan.FromSeconds(5);
        options.ErrorHandler = _ =>
        {
            entered.Set();
            release.Wait(Wait);
            Interlocked.Increment(ref handled);
        };
        var reporter = new OpenTsdbReporter(registry, options);
        try
        {
            await reporter.ReportNowAsync().WaitAsync(Wait);
            Assert.That(entered.Wait(Wait), Is.True, "the handler got the first line");

            // All three lines were read (the first is with the handler, two wait for it) before the stop begins.
            var reporterTag = new Tags(("reporter", "tsdb-slow"));
            await AllLinesReadAsync(reporter, 3);

            // The stop arms its StopTimeout on its own thread: the clock goes on until it has passed.
            var stop = reporter.StopAsync();
            var deadline = DateTime.UtcNow + Wait;
            while (!stop.IsCompleted && DateTime.UtcNow < deadline)
            {
                time.Advance(TimeSpan.FromSeconds(6));
                await Task.WhenAny(stop, Task.Delay(10));
            }

            await stop.WaitAsync(Wait);

            var warnings = log.Entries.Where(e => e.Message.Contains("were not handed to the error handler", StringComparison.Ordinal)).ToList();
            Assert.That(warnings, Has.Count.EqualTo(1));
            Assert.That(warnings[0].Message, Does.Contain("2 OpenTSDB error line(s)"));
            Assert.That(Volatile.Read(ref handled), Is.Zero, "the handler is still busy with the first line");
            Assert.That(registry.Counter("metrics.reporter.points.failed", reporterTag).Count, Is.EqualTo(3), "the lines left are counted all the same");
        }
        finally
        {
            release.Set();
            await reporter.DisposeAsync();
        }

        var done = DateTime.UtcNow + Wait;
        while (Volatile.Read(ref handled) == 0 && DateTime.UtcNow < done)
        {
            await Task.Delay(10);
        }

        Assert.That(Volatile.Read(ref handled), Is.EqualTo(1), "the lines left never reach the handler after the stop");
    }

    [Test]
    [NonParallelizable]
    public async Task ServerErrorLine_NoHandlerNoLogger_GoesToStandardError()
    {
        var (registry, _) = NewRegistry();
        registry.Counter("c").Inc();
        await using var server = await TcpLineServer.StartAsync();
        server.Reply = _ => "put: invalid value: c.count";
        var options = Options(new Uri($"tcp://127.0.0.1:{server.Port}"));
        options.ErrorHandler = null;
        options.LoggerFactory = null;
        options.Name = "tsdb-stderr";
        var original = System.Console.Error;
        var captured = new StringWriter();
        System.Console.SetError(TextWriter.Synchronized(captured));
        try
        {
            await using var reporter = new OpenTsdbReporter(registry, options);
            await reporter.ReportNowAsync().WaitAsync(Wait);
            var deadline = DateTime.UtcNow + Wait;
            while (!captured.ToString().Contains("put: invalid value: c.count", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }
        }
        finally
        {
            System.Console.SetError(original);
        }

        Assert.That(captured.ToString(), Does.Contain("tsdb-stderr: 1 of 1 points failed: OpenTSDB answered: put: invalid value: c.count"));
    }

    [Test]
    public async Task ReportNowAsync_Telnet_ConnectionDroppedBetweenReports_ReconnectsAndSends()
    {
        var (registry, time) = NewRegistry();
        var counter = registry.Counter("c");
        await using var server = await TcpLineServer.StartAsync();
        await using var reporter = new OpenTsdbReporter(registry, Options(new Uri($"tcp://127.0.0.1:{server.Port}")));
        counter.Inc();
        await reporter.ReportNowAsync().WaitAsync(Wait);
        await server.WaitForLinesAsync(1, Wait);

        server.DropConnections();
        counter.Inc();
        time.Advance(TimeSpan.FromSeconds(10));
        await reporter.ReportNowAsync().WaitAsync(Wait);

        var lines = await server.WaitForLinesAsync(2, Wait);
        Assert.That(lines[1], Is.EqualTo("put c.count 1479496110 2 host=web01"));
        Assert.That(server.ConnectionCount, Is.EqualTo(2));
    }

    [Test]
    public async Task ReportNowAsync_Http_PostsBatchesOf50()
    {
        var (registry, _) = NewRegistry();
        for (var i = 0; i < 120; i++)
        {
            registry.Counter($"c{i:D3}").Inc(i);
        }

        using var server = HttpTestServer.Start();
        await using var reporter = new OpenTsdbReporter(registry, Options(server.BaseAddress));

        await reporter.ReportNowAsync().WaitAsync(Wait);

        var sizes = server.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetArrayLength()).ToArray();
        Assert.That(sizes, Is.EqualTo(new[] { 50, 50, 20 }));
        Assert.That(server.Requests.All(r => r.Path == "/api/put" && r.Query == "details" && r.Header("Content-Encoding") == "gzip"), Is.True);
    }

    [Test]
    public async Task ReportNowAsync_Http400WithDetails_ReportsOnlyFailedPointsAndResendsNothing()
    {
        var (registry, _) = NewRegistry();
        registry.Counter("good").Inc();
        registry.Counter("bad").Inc();
        using var server = HttpTestServer.Start();
        server.Handler = _ => TestResponse.Json(400,
            "{\"success\":1,\"failed\":1,\"errors\":[{\"datapoint\":{\"metric\":\"bad.count\",\"timestamp\":1479496100,\"value\":1,\"tags\":{\"host\":\"web01\"}},\"error\":\"Unable to find tag key\"}]}");
        var failures = new ConcurrentQueue<ReportFailure>();
        var options = Options(server.BaseAddress, failures);
        options.Retry = new RetryOptions { MaxRetries = 3, BaseDelay = TimeSpan.FromMilliseconds(1), UseJitter = false };
        await using var reporter = new OpenTsdbReporter(registry, options);

        await reporter.ReportNowAsync().WaitAsync(Wait);

        Assert.That(server.Requests, Has.Count.EqualTo(1), "a partial failure is not retried");
        var failure = failures.Single();
        Assert.That(failure.StatusCode, Is.EqualTo(400));
        Assert.That(failure.Succeeded, Is.EqualTo(1));
        Assert.That(failure.Failed, Is.EqualTo(1));
        Assert.That(failure.Errors.Single(), Does.Contain("Unable to find tag key: bad.count"));
    }

    [Test]
    public async Task ReportNowAsync_HttpMalformedAnswer_FailsWithBodyExcerpt()
    {
        var (registry, _) = NewRegistry();
        registry.Counter("c").Inc();
        using var server = HttpTestServer.Start();
        server.Handler = _ => new TestResponse(200, "<html><body>proxy login</body></html>");
        var failures = new ConcurrentQueue<ReportFailure>();
        await using var reporter = new OpenTsdbReporter(registry, Options(server.BaseAddress, failures));

        await reporter.ReportNowAsync().WaitAsync(Wait);

        Assert.That(failures.Single().Errors.Single(), Does.Contain("<html><body>proxy login"));
    }

    [Test]
    public async Task ReportNowAsync_Telnet_SeveralReports_UseOnePersistentConnection()
    {
        var (registry, time) = NewRegistry();
        var counter = registry.Counter("c");
        await using var server = await TcpLineServer.StartAsync();
        await using var reporter = new OpenTsdbReporter(registry, Options(new Uri($"tcp://127.0.0.1:{server.Port}")));

        for (var i = 0; i < 3; i++)
        {
            counter.Inc();
            await reporter.ReportNowAsync().WaitAsync(Wait);
            time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.That(await server.WaitForLinesAsync(3, Wait), Is.EqualTo(new[]
        {
            "put c.count 1479496100 1 host=web01",
            "put c.count 1479496110 2 host=web01",
            "put c.count 1479496120 3 host=web01",
        }));
        Assert.That(server.ConnectionCount, Is.EqualTo(1), "one connection kept open across reports");
    }

    [Test]
    public async Task ReportNowAsync_TelnetWriteFails_SameLinesAreResentOnRetry()
    {
        var (registry, time) = NewRegistry();
        registry.Counter("orders").Inc(3);
        registry.Gauge("depth", () => 1.5);
        var transport = new FakeLineTransport(time);
        var failedOnce = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        transport.BeforeWrite = () =>
        {
            if (failedOnce.TrySetResult())
            {
                throw new IOException("Connection reset by peer");
            }

            return ValueTask.CompletedTask;
        };
        var failures = new ConcurrentQueue<ReportFailure>();
        var options = Options(new Uri("tcp://127.0.0.1:4242"), failures);
        options.Retry = new RetryOptions { MaxRetries = 2, BaseDelay = TimeSpan.FromSeconds(1), UseJitter = false };
        await using var reporter = new OpenTsdbReporter(registry, options, transport);

        var report = reporter.ReportNowAsync();
        // The report is taken (and its lines formatted) before the first write: only then may the clock move.
        await failedOnce.Task.WaitAsync(Wait);
        var deadline = DateTime.UtcNow + Wait;
        while (!report.IsCompleted && DateTime.UtcNow < deadline)
        {
            // The retry waits on the registry's manual clock: move it until the report is done.
            time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Yield();
        }

        await report.WaitAsync(Wait);
        var attempts = transport.Attempts;
        Assert.That(attempts, Has.Count.EqualTo(2), "the failed write and its retry");
        Assert.That(attempts[1], Is.EqualTo(attempts[0]), "the lines that were being written are written again");
        Assert.That(transport.Lines, Is.EquivalentTo(new[]
        {
            "put orders.count 1479496100 3 host=web01",
            "put depth.value 1479496100 1.5 host=web01",
        }));
        Assert.That(failures, Is.Empty, "a retried send that succeeds is not a failure");
        Assert.That(reporter.Status.Dropped, Is.Zero);
    }

    [Test]
    public async Task ReportNowAsync_Http_SeveralRequests_ReuseOneKeepAliveConnection()
    {
        var (registry, time) = NewRegistry();
        for (var i = 0; i < 120; i++)
        {
            registry.Counter($"c{i:D3}").Inc();
        }

        var port = HttpTestServer.FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var clientPorts = new ConcurrentQueue<int>();
        var points = 0;
        var serving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                clientPorts.Enqueue(context.Request.RemoteEndPoint.Port);
                using (var body = new System.IO.Compression.GZipStream(context.Request.InputStream, System.IO.Compression.CompressionMode.Decompress))
                using (var json = await JsonDocument.ParseAsync(body))
                {
                    Interlocked.Add(ref points, json.RootElement.GetArrayLength());
                }

                context.Response.StatusCode = 204;
                context.Response.Close();
            }
        });
        await using var reporter = new OpenTsdbReporter(registry, Options(new Uri($"http://127.0.0.1:{port}/")));

        await reporter.ReportNowAsync().WaitAsync(Wait);
        time.Advance(TimeSpan.FromSeconds(10));
        await reporter.ReportNowAsync().WaitAsync(Wait);
        listener.Stop();
        await serving.WaitAsync(Wait);

        Assert.That(Volatile.Read(ref points), Is.EqualTo(240));
        Assert.That(clientPorts, Has.Count.EqualTo(6), "two reports of 120 points in batches of 50");
        Assert.That(clientPorts.Distinct().Count(), Is.EqualTo(1), "every request went over the same kept-alive connection");
    }
}
