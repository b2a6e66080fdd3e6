using Metrics.Reporters.Transports;
using Metrics.Reporters.Wavefront;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Wavefront;

public class WavefrontProxyClientTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static readonly Guid TraceId = Guid.Parse("7b3bf470-9456-11e8-9eb6-529269fb1459");
    private static readonly Guid SpanId = Guid.Parse("0313bafe-9457-11e8-9eb6-529269fb1459");

    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, FakeLineTransport> _transports = new();

    private WavefrontProxyClient FakeClient(Action<WavefrontProxyClientOptions>? configure = null, ManualTimeProvider? time = null)
    {
        // One fixture instance runs every test: forget the transports of the previous test.
        _transports.Clear();
        var options = new WavefrontProxyClientOptions { Host = "proxy.test", TimeProvider = time ?? new ManualTimeProvider(), DefaultSource = "app-1" };
        configure?.Invoke(options);
        return new WavefrontProxyClient(options, port => _transports[port] = new FakeLineTransport(port));
    }

    [Test]
    public async Task SendMetric_ThenFlushAsync_ProxyReceivesTheLine()
    {
        await using var server = await TcpLineServer.StartAsync();
        await using var client = new WavefrontProxyClient(new WavefrontProxyClientOptions { Host = "127.0.0.1", MetricsPort = server.Port });

        Assert.That(client.SendMetric("shop.checkout", 7, 1700000000, "web-1", new Dictionary<string, string> { ["env"] = "prod" }), Is.True);
        await client.FlushAsync();

        var lines = await server.WaitForLinesAsync(1, Deadline);
        Assert.That(lines, Is.EqualTo(new[] { "\"shop.checkout\" 7.0 1700000000 source=\"web-1\" \"env\"=\"prod\"" }));
    }

    [Test]
    public async Task ProxyStopsReading_FlushFailsAtWriteTimeoutAndCloseDropsAndCountsTheRest()
    {
        var time = new ManualTimeProvider();

        // A proxy that takes no more bytes: every write waits.
        var stalled = new FakeLineTransport(2878) { Gate = new TaskCompletionSource() };
        var options = new WavefrontProxyClientOptions { Host = "proxy.test", TimeProvider = time, WriteTimeout = TimeSpan.FromSeconds(3), DistributionPort = null, TracingPort = null };
        var client = new WavefrontProxyClient(options, _ => stalled);
        client.SendMetric("a", 1, 1700000000, "web-1");
        client.SendMetric("b", 2, 1700000000, "web-1");

        var flush = client.FlushAsync();
        await EngineWait(() => stalled.Attempts == 1);
        time.Advance(TimeSpan.FromSeconds(2));
        await Task.Delay(20);
        Assert.That(flush.IsCompleted, Is.False, "still within WriteTimeout");
        time.Advance(TimeSpan.FromSeconds(2));
        await flush.WaitAsync(Deadline);
        Assert.That(client.FailureCount, Is.EqualTo(1), "the timed-out write is a failure the caller can see");

        var close = client.DisposeAsync().AsTask();
        await EngineWait(() => stalled.Attempts == 2);
        time.Advance(TimeSpan.FromSeconds(4));
        await close.WaitAsync(Deadline);

        Assert.That(client.FailureCount, Is.EqualTo(2));
        Assert.That(stalled.Lines, Is.Empty);
        Assert.That(stalled.Disposed, Is.True);
    }

    private static async Task EngineWait(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "timed out waiting");
            await Task.Delay(5);
        }
    }

    [Test]
    public async Task Send_EachDataKind_GoesToItsOwnPort()
    {
        await using var metrics = await TcpLineServer.StartAsync();
        await using var distributions = await TcpLineServer.StartAsync();
        await using var tracing = await TcpLineServer.StartAsync();
        await using var client = new WavefrontProxyClient(new WavefrontProxyClientOptions
        {
            Host = "127.0.0.1", MetricsPort = metrics.Port, DistributionPort = distributions.Port, TracingPort = tracing.Port, DefaultSource = "app-1",
        });

        client.SendDeltaCounter("orders", 2);
        client.SendDistribution("latency", [(Mean: 30.0, Count: 20)], new HashSet<HistogramGranularity> { HistogramGranularity.Minute }, 1700000000);
        client.SendSpan("getUser", 1700000000000, 12, "web-1", TraceId, SpanId, spanLogs: [new SpanLog(1700000000000000, [new("event", "error")])]);
        await client.FlushAsync();

        Assert.That(await metrics.WaitForLinesAsync(1, Deadline), Is.EqualTo(new[] { "\"\u2206orders\" 2.0 source=\"app-1\"" }));
        Assert.That(await distributions.WaitForLinesAsync(1, Deadline), Is.EqualTo(new[] { "!M 1700000000 #20 30.0 \"latency\" source=\"app-1\"" }));
        Assert.That(await tracing.WaitForLinesAsync(2, Deadline), Is.EqualTo(new[]
        {
            "\"getUser\" source=\"web-1\" traceId=7b3bf470-9456-11e8-9eb6-529269fb1459 spanId=0313bafe-9457-11e8-9eb6-529269fb1459 \"_spanLogs\"=\"true\" 1700000000000 12",
            "{\"traceId\": \"7b3bf470-9456-11e8-9eb6-529269fb1459\", \"spanId\": \"0313bafe-9457-11e8-9eb6-529269fb1459\", \"logs\": [{\"timestamp\": 1700000000000000, \"fields\": {\"event\": \"error\"}}]}",
        }));

        // One connection per port, kept across flushes: spans and span logs share the tracing connection.
        client.SendMetric("m", 1);
        client.SendSpan("again", 1, 2, "web-1", TraceId, SpanId, spanLogs: [new SpanLog(1, [new("k", "v")])]);
        await client.FlushAsync();
        await metrics.WaitForLinesAsync(2, Deadline);
        await tracing.WaitForLinesAsync(4, Deadline);
        Assert.That(new[] { metrics.ConnectionCount, distributions.ConnectionCount, tracing.ConnectionCount }, Is.EqualTo(new[] { 1, 1, 1 }));
    }

    [Test]
    public async Task SendSpanLogsNowAsync_FormattedLines_GoToTheTracingPort()
    {
        await using var client = FakeClient();
        const string Line = "{\"traceId\": \"7b3bf470-9456-11e8-9eb6-529269fb1459\", \"spanId\": \"0313bafe-9457-11e8-9eb6-529269fb1459\", \"logs\": []}";

        Assert.That(await client.SendSpanLogsNowAsync([Line]), Is.True);

        Assert.That(_transports[30000].Writes, Is.EqualTo(new[] { Line + "\n" }));
    }

    [Test]
    public async Task WavefrontClient_EitherClient_ServesTheSameCalls()
    {
        using var server = HttpTestServer.Start();
        WavefrontClient[] clients =
        [
            FakeClient(),
            new WavefrontDirectClient(new WavefrontDirectClientOptions { Server = server.BaseAddress, DefaultSource = "app-1", TimeProvider = new ManualTimeProvider() }),
        ];
        foreach (var client in clients)
        {
            Assert.That(client.SendMetric("shop.orders", 3), Is.True);
            await client.DisposeAsync();
        }

        Assert.That(_transports[2878].Lines, Is.EqualTo(new[] { "\"shop.orders\" 3.0 source=\"app-1\"" }));
        Assert.That((await server.WaitForRequestsAsync(1, Deadline)).Single().Body, Is.EqualTo("\"shop.orders\" 3.0 source=\"app-1\"\n"));
    }

    [Test]
    public async Task SendMetric_BlankSource_UsesDefaultSource()
    {
        await using var client = FakeClient();
        client.SendMetric("m", 1, source: " ");
        await client.FlushAsync();

        Assert.That(_transports[2878].Lines, Is.EqualTo(new[] { "\"m\" 1.0 source=\"app-1\"" }));
    }

    [Test]
    public async Task SendMetric_QueueFull_ReturnsFalseAndCountsDropped()
    {
        await using var client = FakeClient(o => o.MaxQueueSize = 2);

        Assert.That(client.SendMetric("a", 1), Is.True);
        Assert.That(client.SendMetric("b", 1), Is.True);
        Assert.That(client.SendMetric("c", 1), Is.False);
        Assert.That(client.Sender.MetricsOf(WavefrontDataKind.Metric).Dropped.Count, Is.EqualTo(1));
        Assert.That(client.Sender.MetricsOf(WavefrontDataKind.Metric).Valid.Count, Is.EqualTo(2));

        await client.FlushAsync();
        Assert.That(_transports[2878].Lines, Has.Count.EqualTo(2));
        Assert.That(client.SendMetric("d", 1), Is.True, "room is freed once delivered");
    }

    [Test]
    public async Task SendSpan_SpanLogQueueFull_ReturnsFalseAndSendsNeitherTheSpanNorItsLogs()
    {
        await using var client = FakeClient(o => o.MaxQueueSize = 1);
        var spanB = Guid.Parse("1d7c4b62-6f1e-4a59-9b44-2b8f7d3c9e10");
        client.SendSpan("x", 1, 2, "s", TraceId, SpanId);
        await client.FlushAsync();
        var tracing = _transports[30000];

        // Span A is delivered; its span-log write fails and is kept, so the span-log queue stays full.
        Assert.That(client.SendSpan("a", 1, 2, "s", TraceId, SpanId, spanLogs: [new SpanLog(5, [new("event", "a")])]), Is.True);
        tracing.OnWrite = () => tracing.FailNext = 1;
        await client.FlushAsync();
        tracing.OnWrite = null;

        Assert.That(client.SendSpan("b", 1, 2, "s", TraceId, spanB, spanLogs: [new SpanLog(5, [new("event", "b")])]), Is.False);
        await client.FlushAsync();

        Assert.That(tracing.Lines.Where(l => l.Contains("b\"", StringComparison.Ordinal) || l.Contains(spanB.ToString(), StringComparison.Ordinal)), Is.Empty, "span b was refused, so it is not sent");
        Assert.That(tracing.Lines, Has.Count.EqualTo(3));
        Assert.That(client.Sender.MetricsOf(WavefrontDataKind.Span).Dropped.Count, Is.EqualTo(1));
        Assert.That(client.Sender.MetricsOf(WavefrontDataKind.SpanLog).Dropped.Count, Is.EqualTo(1));
        Assert.That(client.Sender.MetricsOf(WavefrontDataKind.Span).Valid.Count, Is.EqualTo(2));
        Assert.That(client.SendSpan("b", 1, 2, "s", TraceId, spanB, spanLogs: [new SpanLog(5, [new("event", "b")])]), Is.True, "room is freed once delivered");
    }

    [Test]
    public async Task Queues_PerDataKind_AreSeparate()
    {
        await using var client = FakeClient(o => o.MaxQueueSize = 1);

        Assert.That(client.SendMetric("a", 1), Is.True);
        Assert.That(client.SendDistribution("d", [(1.0, 1)], [HistogramGranularity.Hour]), Is.True);
        Assert.That(client.SendSpan("s", 1, 1, null, TraceId, SpanId), Is.True);
        Assert.That(client.SendMetric("b", 1), Is.False);
    }

    [Test]
    public async Task SendMetric_InvalidInput_ThrowsArgumentExceptionAndCountsInvalid()
    {
        await using var client = FakeClient();

        Assert.That(() => client.SendMetric(" ", 1), Throws.ArgumentException.With.Message.Contains("name is blank"));
        Assert.That(() => client.SendMetric("m", 1, tags: new Dictionary<string, string> { ["k"] = "" }), Throws.ArgumentException.With.Message.Contains("blank value"));
        Assert.That(() => client.SendDistribution("d", [], [HistogramGranularity.Minute]), Throws.ArgumentException.With.Message.Contains("no centroids"));
        Assert.That(client.Sender.MetricsOf(WavefrontDataKind.Metric).Invalid.Count, Is.EqualTo(2));
        Assert.That(client.Sender.MetricsOf(WavefrontDataKind.Distribution).Invalid.Count, Is.EqualTo(1));
        Assert.That(client.Sender.QueueSize(WavefrontDataKind.Metric), Is.Zero);
    }

    [Test]
    public async Task FlushAsync_WriteFails_CountsFailureKeepsBatchAndResendsNextFlush()
    {
        await using var client = FakeClient();
        client.SendMetric("a", 1);
        client.SendMetric("b", 2);
        await client.FlushAsync();
        _transports[2878].FailNext = 1;
        client.SendMetric("c", 3);

        await client.FlushAsync();
        Assert.That(client.FailureCount, Is.EqualTo(1));
        Assert.That(client.Sender.MetricsOf(WavefrontDataKind.Metric).ReportErrors.Count, Is.EqualTo(1));
        Assert.That(client.Sender.QueueSize(WavefrontDataKind.Metric), Is.EqualTo(1));

        await client.FlushAsync();
        Assert.That(_transports[2878].Lines, Is.EqualTo(new[] { "\"a\" 1.0 source=\"app-1\"", "\"b\" 2.0 source=\"app-1\"", "\"c\" 3.0 source=\"app-1\"" }));
        Assert.That(client.Sender.QueueSize(WavefrontDataKind.Metric), Is.Zero);
    }

    [Test]
    public async Task FlushAsync_ProxyDroppedConnection_ReconnectsAndResends()
    {
        await using var server = await TcpLineServer.StartAsync();
        await using var client = new WavefrontProxyClient(new WavefrontProxyClientOptions { Host = "127.0.0.1", MetricsPort = server.Port });
        client.SendMetric("a", 1, source: "s");
        await client.FlushAsync();
        await server.WaitForLinesAsync(1, Deadline);

        server.DropConnections();
        client.SendMetric("b", 2, source: "s");
        await client.FlushAsync();
        client.SendMetric("c", 3, source: "s");
        await client.FlushAsync();

        var lines = await server.WaitForLinesAsync(3, Deadline);
        Assert.That(lines, Is.SupersetOf(new[] { "\"a\" 1.0 source=\"s\"", "\"b\" 2.0 source=\"s\"", "\"c\" 3.0 source=\"s\"" }));
        Assert.That(server.ConnectionCount, Is.GreaterThanOrEqualTo(2));
    }

    [Test]
    public async Task FlushAsync_ProxyDown_CountsFailureAndDeliversWhenItIsBack()
    {
        await using var server = await TcpLineServer.StartAsync();
        var port = server.Port;
        server.RefuseConnections();
        var time = new ManualTimeProvider();
        await using var client = new WavefrontProxyClient(new WavefrontProxyClientOptions { Host = "127.0.0.1", MetricsPort = port, TimeProvider = time });
        client.SendMetric("a", 1, source: "s");

        await client.FlushAsync();
        Assert.That(client.FailureCount, Is.EqualTo(1));

        server.AcceptConnections();
        time.Advance(TimeSpan.FromSeconds(5));
        await client.FlushAsync();

        Assert.That(await server.WaitForLinesAsync(1, Deadline), Is.EqualTo(new[] { "\"a\" 1.0 source=\"s\"" }));
    }

    [Test]
    public async Task FlushInterval_Elapses_QueuedItemsAreSent()
    {
        var time = new ManualTimeProvider();
        await using var client = FakeClient(o => o.FlushInterval = TimeSpan.FromSeconds(5), time);
        client.SendMetric("a", 1);

        time.Advance(TimeSpan.FromSeconds(4));
        Assert.That(_transports, Is.Empty, "nothing is sent before the interval");
        time.Advance(TimeSpan.FromSeconds(1));

        await _transports[2878].WaitForWritesAsync(1, Deadline);
        Assert.That(_transports[2878].Lines, Is.EqualTo(new[] { "\"a\" 1.0 source=\"app-1\"" }));
    }

    [Test]
    public async Task FlushInterval_TicksWhileAFlushIsStillRunning_AreSkippedNotPiledUp()
    {
        var time = new ManualTimeProvider();
        await using var client = FakeClient(o => o.FlushInterval = TimeSpan.FromSeconds(1), time);
        client.SendMetric("a", 1);
        await client.FlushAsync();
        var transport = _transports[2878];
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        transport.Gate = gate;
        client.SendMetric("b", 2);

        // The first tick starts a flush that hangs (a slow server); five more ticks pass while it hangs.
        for (var i = 0; i < 6; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.That(transport.Attempts, Is.EqualTo(2));
        transport.FailNext = 100;
        gate.SetResult();
        await client.FlushAsync();

        // One failed timer flush and this flush: the ticks that came during the slow flush did not each try again.
        Assert.That(client.FailureCount, Is.EqualTo(2));
        Assert.That(transport.Attempts, Is.EqualTo(3));
        Assert.That(client.Sender.QueueSize(WavefrontDataKind.Metric), Is.EqualTo(1), "the batch is still kept");
    }

    [Test]
    public async Task FlushAsync_Cancelled_KeepsTheBatchForTheNextFlush()
    {
        await using var client = FakeClient();
        client.SendMetric("a", 1);
        await client.FlushAsync();
        var transport = _transports[2878];
        transport.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.SendMetric("b", 2);
        using var cancel = new CancellationTokenSource();

        var flush = client.FlushAsync(cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThatAsync(() => flush, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(client.Sender.QueueSize(WavefrontDataKind.Metric), Is.EqualTo(1));
        Assert.That(client.FailureCount, Is.Zero, "a cancelled flush is not a failed write");
        transport.Gate = null;
        await client.FlushAsync();
        Assert.That(transport.Lines, Is.EqualTo(new[] { "\"a\" 1.0 source=\"app-1\"", "\"b\" 2.0 source=\"app-1\"" }));
        Assert.That(client.Sender.QueueSize(WavefrontDataKind.Metric), Is.Zero);
    }

    [Test]
    public async Task FlushAsync_TransportThrowsUnexpectedly_KeepsTheBatchAndCountsTheFailure()
    {
        await using var client = FakeClient();
        client.SendMetric("a", 1);
        await client.FlushAsync();
        _transports[2878].ThrowNext = new InvalidOperationException("transport bug");
        client.SendMetric("b", 2);

        await client.FlushAsync();
        Assert.That(client.FailureCount, Is.EqualTo(1));
        Assert.That(client.Sender.QueueSize(WavefrontDataKind.Metric), Is.EqualTo(1));

        await client.FlushAsync();
        Assert.That(_transports[2878].Lines, Is.EqualTo(new[] { "\"a\" 1.0 source=\"app-1\"", "\"b\" 2.0 source=\"app-1\"" }));
        Assert.That(client.Sender.QueueSize(WavefrontDataKind.Metric), Is.Zero);
    }

    [Test]
    public async Task DisposeAsync_WithQueuedItems_FlushesThenCloses()
    {
        var client = FakeClient();
        client.SendMetric("a", 1);

        await client.DisposeAsync();

        Assert.That(_transports[2878].Lines, Has.Count.EqualTo(1));
        Assert.That(_transports[2878].Disposed, Is.True);
        Assert.That(() => client.SendMetric("b", 1), Throws.TypeOf<ObjectDisposedException>());
        Assert.That(() => client.FlushAsync(), Throws.TypeOf<ObjectDisposedException>().With.Property("ObjectName").EqualTo("WavefrontProxyClient"));
    }

    [Test]
    public async Task FlushAsync_MoreItemsThanBatchSize_WritesInBatches()
    {
        await using var client = FakeClient(o => o.BatchSize = 2);
        for (var i = 0; i < 5; i++)
        {
            client.SendMetric("m" + i, i);
        }

        await client.FlushAsync();

        Assert.That(_transports[2878].Writes.Select(w => w.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length), Is.EqualTo(new[] { 2, 2, 1 }));
    }

    [Test]
    public async Task FlushAsync_CallersKeepSendingDuringTheFlush_SendsWhatWasQueuedAndReturns()
    {
        await using var client = FakeClient(o => o.BatchSize = 1);
        client.SendMetric("warm-up", 0);
        await client.FlushAsync();
        var transport = _transports[2878];
        var next = 0;
        transport.OnWrite = () => client.SendMetric("late" + Interlocked.Increment(ref next), 1);
        client.SendMetric("a", 1);
        client.SendMetric("b", 2);

        await client.FlushAsync().WaitAsync(Deadline);

        Assert.That(transport.Lines.Skip(1).Take(2), Is.EqualTo(new[] { "\"a\" 1.0 source=\"app-1\"", "\"b\" 2.0 source=\"app-1\"" }));
        Assert.That(transport.Lines, Has.Count.EqualTo(3), "lines sent during the flush wait for the next one");
        Assert.That(client.Sender.QueueSize(WavefrontDataKind.Metric), Is.EqualTo(2));
        transport.OnWrite = null;
    }

    [Test]
    public async Task SendMetricsNowAsync_FormattedLines_AreWrittenAtOnce()
    {
        await using var client = FakeClient();

        Assert.That(await client.SendMetricsNowAsync(["\"a\" 1.0 source=\"s\"", "\"b\" 2.0 source=\"s\"\n"]), Is.True);

        Assert.That(_transports[2878].Writes, Is.EqualTo(new[] { "\"a\" 1.0 source=\"s\"\n\"b\" 2.0 source=\"s\"\n" }));
    }

    [Test]
    public async Task SendMetricsNowAsync_BlankLine_ThrowsAndSendsNothing()
    {
        await using var client = FakeClient();

        await Assert.ThatAsync(async () => await client.SendMetricsNowAsync(["\"a\" 1.0 source=\"s\"", " "]), Throws.ArgumentException.With.Message.Contains("blank"));
        Assert.That(_transports, Is.Empty);
    }

    [Test]
    public async Task SendMetricsNowAsync_WriteFails_ReturnsFalseAndCountsFailure()
    {
        await using var client = FakeClient();
        await client.SendMetricsNowAsync(["\"a\" 1.0 source=\"s\""]);
        _transports[2878].FailNext = 1;

        Assert.That(await client.SendMetricsNowAsync(["\"b\" 1.0 source=\"s\""]), Is.False);
        Assert.That(client.FailureCount, Is.EqualTo(1));
    }

    [Test]
    public async Task SendMetricsNowAsync_WriteFails_LinesCountedDroppedInSdkMetrics()
    {
        await using var client = FakeClient();
        await client.SendMetricsNowAsync(["\"a\" 1.0 source=\"s\""]);
        _transports[2878].FailNext = 1;

        Assert.That(await client.SendMetricsNowAsync(["\"b\" 1.0 source=\"s\"", "\"c\" 1.0 source=\"s\""]), Is.False);

        var metrics = client.Sender.MetricsOf(WavefrontDataKind.Metric);
        Assert.That(metrics.Dropped.Count, Is.EqualTo(2), "the two lines are not resent: they are lost");
        Assert.That(metrics.ReportErrors.Count, Is.EqualTo(1));
    }

    [Test]
    public async Task SendSpanLogsNowAsync_WriteFails_LinesCountedDroppedInSdkMetrics()
    {
        await using var client = FakeClient();
        await client.SendSpanLogsNowAsync(["{}"]);
        _transports[30000].FailNext = 1;

        Assert.That(await client.SendSpanLogsNowAsync(["{}"]), Is.False);

        Assert.That(client.Registry.Counter("~sdk.dotnet.core.sender.proxy.span_logs.dropped").Count, Is.EqualTo(1));
    }

    [Test]
    public async Task SendMetricsNowAsync_ClientDisposedWhileLinesAreRead_OpensNoConnectionAndCountsLinesDropped()
    {
        var client = FakeClient();
        IEnumerable<string> LinesDisposingTheClient()
        {
            // The call has passed the disposed check; the client closes before the lines reach the proxy.
            client.DisposeAsync().AsTask().GetAwaiter().GetResult();
            yield return "\"a\" 1.0 source=\"s\"";
        }

        var sent = await client.SendMetricsNowAsync(LinesDisposingTheClient()).WaitAsync(Deadline);

        Assert.That(sent, Is.False);
        Assert.That(_transports.Values.Where(t => !t.Disposed).Select(t => t.Port), Is.Empty, "no connection is left open after the client was disposed");
        Assert.That(client.Sender.MetricsOf(WavefrontDataKind.Metric).Dropped.Count, Is.EqualTo(1));
    }

    [Test]
    public async Task DisposeAsync_WhileThreadsFlushAndSend_EveryCallCompletesAndNoConnectionStaysOpen()
    {
        const int rounds = 200;
        const int flushers = 3;
        const int nowSenders = 2;
        for (var round = 0; round < rounds; round++)
        {
            var opened = new System.Collections.Concurrent.ConcurrentQueue<FakeLineTransport>();
            var client = new WavefrontProxyClient(
                new WavefrontProxyClientOptions { Host = "proxy.test", TimeProvider = new ManualTimeProvider(), DefaultSource = "app-1" },
                port =>
                {
                    var transport = new FakeLineTransport(port);
                    opened.Enqueue(transport);
                    return transport;
                });
            var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
            using var start = new Barrier(flushers + nowSenders + 2);
            void Run(Action call) => new Thread(() =>
            {
                start.SignalAndWait();
                try
                {
                    while (true)
                    {
                        call();
                    }
                }
                catch (ObjectDisposedException)
                {
                }
                catch (Exception ex)
                {
                    errors.Enqueue(ex);
                }
            }) { IsBackground = true }.Start();
            var workers = new List<Task>();
            for (var i = 0; i < flushers; i++)
            {
                var done = new TaskCompletionSource();
                workers.Add(done.Task);
                Run(() =>
                {
                    try
                    {
                        client.SendMetric("m", 1);
                        client.FlushAsync().GetAwaiter().GetResult();
                    }
                    catch (ObjectDisposedException)
                    {
                        done.TrySetResult();
                        throw;
                    }
                });
            }

            for (var i = 0; i < nowSenders; i++)
            {
                var done = new TaskCompletionSource();
                workers.Add(done.Task);
                Run(() =>
                {
                    try
                    {
                        client.SendMetricsNowAsync(["\"now\" 1.0 source=\"s\""]).GetAwaiter().GetResult();
                        client.SendSpansNowAsync(["\"op\" source=\"s\" traceId=7b3bf470-9456-11e8-9eb6-529269fb1459 spanId=0313bafe-9457-11e8-9eb6-529269fb1459 1 2"]).GetAwaiter().GetResult();
                    }
                    catch (ObjectDisposedException)
                    {
                        done.TrySetResult();
                        throw;
                    }
                });
            }

            var disposed = Task.Run(async () =>
            {
                start.SignalAndWait();
                await client.DisposeAsync();
            });
            start.SignalAndWait();

            var finished = Task.WhenAll(workers.Append(disposed));
            Assert.That(await Task.WhenAny(finished, Task.Delay(Deadline)), Is.SameAs(finished), $"round {round}: a flush, send or dispose never completed");
            Assert.That(errors, Is.Empty, $"round {round}");
            Assert.That(opened.Where(t => !t.Disposed).Select(t => t.Port), Is.Empty, $"round {round}: a connection was left open after the client was disposed");
        }
    }

    [Test]
    public async Task SendDistribution_NoDistributionPort_ThrowsInvalidOperationNamingTheOption()
    {
        await using var client = FakeClient(o => o.DistributionPort = null);

        Assert.That(() => client.SendDistribution("d", [(1.0, 1)], [HistogramGranularity.Minute]), Throws.InvalidOperationException.With.Message.Contains("DistributionPort"));
    }

    [TestCase("", 2878, "Host")]
    [TestCase("h", 0, "MetricsPort")]
    [TestCase("h", 70000, "MetricsPort")]
    public void Constructor_InvalidOptions_ThrowsNamingTheOption(string host, int port, string option) =>
        Assert.That(() => new WavefrontProxyClient(new WavefrontProxyClientOptions { Host = host, MetricsPort = port }), Throws.ArgumentException.With.Message.Contains(option));

    [Test]
    public void Constructor_QueueSizeZero_Throws() =>
        Assert.That(() => new WavefrontProxyClient(new WavefrontProxyClientOptions { Host = "h", MaxQueueSize = 0 }), Throws.ArgumentException.With.Message.Contains("MaxQueueSize"));

    [Test]
    public async Task SendMetric_FromManyThreads_EveryLineArrivesExactlyOnce()
    {
        const int threads = 4;
        const int perThread = 2_500;
        await using var server = await TcpLineServer.StartAsync();
        await using var client = new WavefrontProxyClient(new WavefrontProxyClientOptions { Host = "127.0.0.1", MetricsPort = server.Port, BatchSize = 1_000 });
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < perThread; i++)
            {
                client.SendMetric("m", i, source: "t" + t);
            }
        })).ToList();
        var flusher = Task.Run(async () =>
        {
            while (workers.Any(w => w.IsAlive))
            {
                await client.FlushAsync();
            }
        });
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        await flusher;
        await client.FlushAsync();

        var lines = await server.WaitForLinesAsync(threads * perThread, Deadline);
        Assert.That(lines, Has.Count.EqualTo(threads * perThread));
        Assert.That(lines.Distinct().Count(), Is.EqualTo(threads * perThread));
        Assert.That(client.Sender.MetricsOf(WavefrontDataKind.Metric).Valid.Count, Is.EqualTo(threads * perThread));
    }

    [Test]
    public async Task DisposeAsync_WhileThreadsSend_EveryQueuedItemIsDeliveredOrCountedDropped()
    {
        const int threads = 4;
        var client = FakeClient(o => o.MaxQueueSize = 1_000_000);
        client.SendMetric("warm-up", 1);
        await client.FlushAsync();
        using var start = new Barrier(threads + 1);
        var accepted = new long[threads];
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            try
            {
                while (true)
                {
                    if (client.SendMetric("m", 1, source: "t" + t))
                    {
                        accepted[t]++;
                    }
                }
            }
            catch (ObjectDisposedException)
            {
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        start.SignalAndWait();
        while (accepted.Sum() < 20_000)
        {
            await Task.Yield();
        }

        await client.DisposeAsync();
        workers.ForEach(w => w.Join());

        var delivered = _transports[2878].Lines.Count - 1;
        var metrics = client.Sender.MetricsOf(WavefrontDataKind.Metric);
        Assert.That(metrics.Valid.Count - 1, Is.EqualTo(accepted.Sum()));
        Assert.That(delivered + metrics.Dropped.Count, Is.EqualTo(accepted.Sum()), "no item a caller was told was queued is lost silently");
    }

    [Test]
    public async Task SdkMetrics_InGivenRegistry_CountValidInvalidDroppedAndQueueSize()
    {
        var registry = new MetricsRegistry();
        await using var client = FakeClient(o =>
        {
            o.Registry = registry;
            o.MaxQueueSize = 1;
        });
        client.SendMetric("a", 1);
        client.SendMetric("b", 1);
        Assert.That(() => client.SendMetric("", 1), Throws.ArgumentException);

        Assert.That(client.Registry, Is.SameAs(registry));
        Assert.That(registry.Counter("~sdk.dotnet.core.sender.proxy.points.valid").Count, Is.EqualTo(1));
        Assert.That(registry.Counter("~sdk.dotnet.core.sender.proxy.points.dropped").Count, Is.EqualTo(1));
        Assert.That(registry.Counter("~sdk.dotnet.core.sender.proxy.points.invalid").Count, Is.EqualTo(1));
        Assert.That(registry.Gauge("~sdk.dotnet.core.sender.proxy.points.queue.size", () => -1).Value, Is.EqualTo(1));
        Assert.That(registry.Counter("~sdk.dotnet.core.sender.proxy.histograms.valid").Count, Is.Zero);
    }

    [Test]
    public async Task SdkMetrics_TwoClientsShareRegistry_QueueSizeCountsBothClientsQueues()
    {
        var registry = new MetricsRegistry();
        await using var first = SharedRegistryClient(registry);
        await using var second = SharedRegistryClient(registry);
        first.SendMetric("a", 1);
        first.SendMetric("b", 1);
        second.SendMetric("c", 1);
        second.SendMetric("d", 1);
        second.SendMetric("e", 1);

        Assert.That(QueueSize(registry), Is.EqualTo(5), "the second client's waiting points show beside the first one's");
        Assert.That(registry.Counter("~sdk.dotnet.core.sender.proxy.points.valid").Count, Is.EqualTo(5));
    }

    [Test]
    public async Task SdkMetrics_FirstOfTwoClientsDisposed_QueueSizeFollowsTheLiveClient()
    {
        var registry = new MetricsRegistry();
        var first = SharedRegistryClient(registry);
        await using var second = SharedRegistryClient(registry);
        first.SendMetric("a", 1);
        second.SendMetric("b", 1);
        second.SendMetric("c", 1);
        await first.DisposeAsync();

        Assert.That(QueueSize(registry), Is.EqualTo(2), "the disposed client no longer counts; the live one does");

        second.SendMetric("d", 1);
        Assert.That(QueueSize(registry), Is.EqualTo(3));
        await second.DisposeAsync();
        Assert.That(QueueSize(registry), Is.Zero);
    }

    [Test]
    public async Task SdkMetrics_ClientDisposed_RegistryKeepsNeitherTheClientNorItsQueues()
    {
        var registry = new MetricsRegistry();
        var (client, queue) = await CreateSendAndDisposeAsync(registry);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.That(client.IsAlive, Is.False, "the registry must not keep a disposed client alive");
        Assert.That(queue.IsAlive, Is.False, "the queue.size gauge must not hold a disposed client's queue");
        Assert.That(QueueSize(registry), Is.Zero);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static async Task<(WeakReference Client, WeakReference Queue)> CreateSendAndDisposeAsync(MetricsRegistry registry)
    {
        var client = SharedRegistryClient(registry);
        client.SendMetric("a", 1);
        var weak = (new WeakReference(client), new WeakReference(client.Sender.QueueOf(WavefrontDataKind.Metric)));
        await client.DisposeAsync();
        return weak;
    }

    private static double QueueSize(MetricsRegistry registry) =>
        registry.Gauge("~sdk.dotnet.core.sender.proxy.points.queue.size", () => -1).Value;

    private static WavefrontProxyClient SharedRegistryClient(MetricsRegistry registry) =>
        new(
            new WavefrontProxyClientOptions { Host = "proxy.test", TimeProvider = new ManualTimeProvider(), DefaultSource = "app-1", Registry = registry },
            port => new FakeLineTransport(port));
}
