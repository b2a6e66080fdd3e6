using Metrics.Reporters.Wavefront;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Wavefront;

public class WavefrontDirectClientTests
{
    private const string Token = "s3cret-token-value";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static readonly Guid TraceId = Guid.Parse("7b3bf470-9456-11e8-9eb6-529269fb1459");
    private static readonly Guid SpanId = Guid.Parse("0313bafe-9457-11e8-9eb6-529269fb1459");

    private static WavefrontDirectClient Client(HttpTestServer server, Action<WavefrontDirectClientOptions>? configure = null)
    {
        var options = new WavefrontDirectClientOptions
        {
            Server = server.BaseAddress, Token = Token, DefaultSource = "app-1", TimeProvider = new ManualTimeProvider(),
        };
        configure?.Invoke(options);
        return new WavefrontDirectClient(options);
    }

    [Test]
    public async Task FlushAsync_Metric_PostsGzipWithBearerTokenToReportWavefront()
    {
        using var server = HttpTestServer.Start();
        await using var client = Client(server);
        client.SendMetric("shop.checkout", 7, 1700000000, "web-1", new Dictionary<string, string> { ["env"] = "prod" });
        client.SendMetric("shop.refund", 1, 1700000000, "web-1");

        await client.FlushAsync();

        var request = (await server.WaitForRequestsAsync(1, Deadline)).Single();
        Assert.That(request.Method, Is.EqualTo("POST"));
        Assert.That(request.Path, Is.EqualTo("/report"));
        Assert.That(request.Query, Is.EqualTo("f=wavefront"));
        Assert.That(request.Header("Authorization"), Is.EqualTo("Bearer " + Token));
        Assert.That(request.Header("Content-Encoding"), Is.EqualTo("gzip"));
        Assert.That(request.Header("Content-Type"), Is.EqualTo("application/octet-stream"));
        Assert.That(request.RawBody.Take(2), Is.EqualTo(new byte[] { 0x1f, 0x8b }), "gzip magic");
        Assert.That(request.Body, Is.EqualTo(
            "\"shop.checkout\" 7.0 1700000000 source=\"web-1\" \"env\"=\"prod\"\n\"shop.refund\" 1.0 1700000000 source=\"web-1\"\n"));
    }

    [Test]
    public async Task FlushAsync_EachDataKind_PostsItsFormat()
    {
        using var server = HttpTestServer.Start();
        await using var client = Client(server);
        client.SendDeltaCounter("orders", 1);
        client.SendDistribution("latency", [(30.0, 20)], [HistogramGranularity.Minute, HistogramGranularity.Day]);
        client.SendSpan("op", 1, 2, "s", TraceId, SpanId, spanLogs: [new SpanLog(5, [new("k", "v")])]);

        await client.FlushAsync();

        var requests = (await server.WaitForRequestsAsync(4, Deadline)).ToDictionary(r => r.Query, r => r.Body);
        Assert.That(requests.Keys, Is.EquivalentTo(new[] { "f=wavefront", "f=histogram", "f=trace", "f=spanLogs" }));
        Assert.That(requests["f=wavefront"], Is.EqualTo("\"\u2206orders\" 1.0 source=\"app-1\"\n"));
        Assert.That(requests["f=histogram"], Is.EqualTo("!M #20 30.0 \"latency\" source=\"app-1\"\n!D #20 30.0 \"latency\" source=\"app-1\"\n"));
        Assert.That(requests["f=trace"], Does.EndWith("\"_spanLogs\"=\"true\" 1 2\n"));
        Assert.That(requests["f=spanLogs"], Does.StartWith("{\"traceId\": \"7b3bf470-9456-11e8-9eb6-529269fb1459\""));
    }

    [TestCase(401)]
    [TestCase(403)]
    public async Task FlushAsync_Unauthorized_DropsTheBatchAndCountsIt(int status)
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(new TestResponse(status, "{\"message\":\"bad token\"}"));
        await using var client = Client(server);
        client.SendMetric("a", 1);
        client.SendMetric("b", 1);

        await client.FlushAsync();
        await client.FlushAsync();

        Assert.That(server.Requests, Has.Count.EqualTo(1), "a refused batch is not resent");
        Assert.That(client.FailureCount, Is.EqualTo(1));
        Assert.That(client.Sender.MetricsOf(WavefrontDataKind.Metric).Dropped.Count, Is.EqualTo(2));
        Assert.That(client.Sender.QueueSize(WavefrontDataKind.Metric), Is.Zero);
    }

    [Test]
    public async Task FlushAsync_ServerError_KeepsTheBatchAndResendsIt()
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(new TestResponse(503, "busy"));
        await using var client = Client(server);
        client.SendMetric("a", 1);

        await client.FlushAsync();
        Assert.That(client.FailureCount, Is.EqualTo(1));
        Assert.That(client.Sender.QueueSize(WavefrontDataKind.Metric), Is.EqualTo(1));

        await client.FlushAsync();
        var requests = await server.WaitForRequestsAsync(2, Deadline);
        Assert.That(requests.Select(r => r.Body), Is.EqualTo(new[] { "\"a\" 1.0 source=\"app-1\"\n", "\"a\" 1.0 source=\"app-1\"\n" }));
        Assert.That(client.Sender.QueueSize(WavefrontDataKind.Metric), Is.Zero);
        Assert.That(client.FailureCount, Is.EqualTo(1));
    }

    [TestCase(429)]
    [TestCase(503)]
    public async Task FlushTimer_ServerAnswersRetryAfter_WaitsThatLongBeforeSendingAgain(int status)
    {
        using var server = HttpTestServer.Start();
        var retryAfter = new Dictionary<string, string> { ["Retry-After"] = "30" };
        server.Enqueue(new TestResponse(status, "slow down", retryAfter));
        var time = new ManualTimeProvider();
        await using var client = Client(server, o =>
        {
            o.TimeProvider = time;
            o.FlushInterval = TimeSpan.FromSeconds(1);
        });
        client.SendMetric("a", 1);
        client.SendDistribution("latency", [(30.0, 2)], [HistogramGranularity.Minute]);

        time.Advance(TimeSpan.FromSeconds(1));
        await server.WaitForRequestsAsync(1, Deadline);
        await client.Sender.IdleAsync();

        // Every tick within the 30 s the server asked for sends nothing: not the kept batch, nor the other queues.
        for (var i = 0; i < 29; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await client.Sender.IdleAsync();
            Assert.That(server.Requests, Has.Count.EqualTo(1), $"request sent {i + 1} s after Retry-After: 30");
        }

        time.Advance(TimeSpan.FromSeconds(1));
        var requests = await server.WaitForRequestsAsync(3, Deadline);
        await client.Sender.IdleAsync();
        Assert.That(requests.Select(r => (r.Query, r.Body)), Is.EqualTo(new[]
        {
            ("f=wavefront", "\"a\" 1.0 source=\"app-1\"\n"),
            ("f=wavefront", "\"a\" 1.0 source=\"app-1\"\n"),
            ("f=histogram", "!M #2 30.0 \"latency\" source=\"app-1\"\n"),
        }));
        Assert.That(client.FailureCount, Is.EqualTo(1));
        Assert.That(client.Sender.QueueSize(WavefrontDataKind.Metric), Is.Zero);
    }

    [TestCase(301)]
    [TestCase(302)]
    [TestCase(307)]
    public async Task FlushAsync_ServerRedirects_FailsSayingSoInsteadOfFollowing(int status)
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(new TestResponse(status, "", new Dictionary<string, string> { ["Location"] = server.BaseAddress + "elsewhere" }));
        await using var client = Client(server);
        client.SendMetric("a", 1);

        await client.FlushAsync();

        // Followed, a 301 or 302 turns the POST into a GET without the lines (and a redirect drops the token), and
        // the server's answer to that GET would stand for the batch.
        Assert.That(server.Requests.Select(r => $"{r.Method} {r.Path}"), Is.EqualTo(new[] { "POST /report" }), "the redirect is not followed");
        Assert.That(client.FailureCount, Is.EqualTo(1));
        Assert.That(client.Sender.MetricsOf(WavefrontDataKind.Metric).Dropped.Count, Is.EqualTo(1));
        Assert.That(client.Sender.QueueSize(WavefrontDataKind.Metric), Is.Zero);
    }

    [Test]
    public async Task SendAsync_ServerWithPathAndQuery_PostsUnderThePathWithTheQuery()
    {
        // A gateway in front of Wavefront, at a path of its own and wanting a key in the query.
        using var server = HttpTestServer.Start();
        var gateway = new Uri(server.BaseAddress, "wf?key=abc");
        var sink = new WavefrontDirectSink(new WavefrontDirectClientOptions { Server = gateway, Token = Token });
        await using var _ = sink;

        var status = await sink.SendAsync(WavefrontDataKind.Metric, "\"a\" 1.0 source=\"s\"\n"u8.ToArray(), CancellationToken.None);

        Assert.That(status.Ok, Is.True, status.Error);
        var request = (await server.WaitForRequestsAsync(1, Deadline)).Single();
        Assert.That(request.Path, Is.EqualTo("/wf/report"));
        Assert.That(request.Query, Does.Contain("f=wavefront").And.Contain("key=abc"));
        Assert.That(status.Error ?? sink.ToString(), Does.Not.Contain("abc"));
    }

    [Test]
    public async Task SendAsync_ServerRedirects_ErrorNamesTheRedirectAndTheServerOption()
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(new TestResponse(301, "", new Dictionary<string, string> { ["Location"] = "https://elsewhere.example/report" }));
        var sink = new WavefrontDirectSink(new WavefrontDirectClientOptions { Server = server.BaseAddress, Token = Token });
        await using var _ = sink;

        var status = await sink.SendAsync(WavefrontDataKind.Metric, "\"a\" 1.0 source=\"s\"\n"u8.ToArray(), CancellationToken.None);

        Assert.That(status.Ok, Is.False);
        Assert.That(status.Permanent, Is.True);
        Assert.That(status.Error, Does.Contain("HTTP 301").And.Contain("redirect").And.Contain("Server"));
    }

    [Test]
    public async Task FlushAsync_WhileRetryAfterRuns_SendsAnyway()
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(new TestResponse(429, "slow down", new Dictionary<string, string> { ["Retry-After"] = "30" }));
        await using var client = Client(server);
        client.SendMetric("a", 1);

        await client.FlushAsync();
        await client.FlushAsync();

        var requests = await server.WaitForRequestsAsync(2, Deadline);
        Assert.That(requests.Select(r => r.Body), Is.EqualTo(new[] { "\"a\" 1.0 source=\"app-1\"\n", "\"a\" 1.0 source=\"app-1\"\n" }));
        Assert.That(client.Sender.QueueSize(WavefrontDataKind.Metric), Is.Zero);
    }

    [Test]
    public async Task FlushAsync_PayloadTooLarge_SplitsTheBatchAndDeliversEveryLine()
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(new TestResponse(413, "too large"));
        server.Enqueue(new TestResponse(413, "too large"));
        await using var client = Client(server);
        for (var i = 0; i < 4; i++)
        {
            client.SendMetric("m" + i, i);
        }

        await client.FlushAsync();

        var requests = await server.WaitForRequestsAsync(5, Deadline);
        Assert.That(requests.Select(r => r.Body.Count(c => c == '\n')), Is.EqualTo(new[] { 4, 2, 1, 1, 2 }));
        Assert.That(requests.Skip(2).SelectMany(r => r.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries)), Is.EqualTo(new[]
        {
            "\"m0\" 0.0 source=\"app-1\"", "\"m1\" 1.0 source=\"app-1\"", "\"m2\" 2.0 source=\"app-1\"", "\"m3\" 3.0 source=\"app-1\"",
        }));
        Assert.That(client.FailureCount, Is.Zero);
        Assert.That(client.Sender.QueueSize(WavefrontDataKind.Metric), Is.Zero);
    }

    [Test]
    public async Task FlushAsync_SingleLineTooLarge_IsDroppedAndCounted()
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(new TestResponse(413, "too large"));
        await using var client = Client(server);
        client.SendMetric("m", 1);

        await client.FlushAsync();

        Assert.That(client.FailureCount, Is.EqualTo(1));
        Assert.That(client.Sender.MetricsOf(WavefrontDataKind.Metric).Dropped.Count, Is.EqualTo(1));
        Assert.That(client.Sender.QueueSize(WavefrontDataKind.Metric), Is.Zero);
    }

    [Test]
    public async Task FlushAsync_ServerUnreachable_CountsFailureAndKeepsTheBatch()
    {
        var port = HttpTestServer.FreePort();
        var options = new WavefrontDirectClientOptions { Server = new Uri($"http://127.0.0.1:{port}/"), Token = Token, TimeProvider = new ManualTimeProvider() };
        await using var client = new WavefrontDirectClient(options);
        client.SendMetric("a", 1, source: "s");

        await client.FlushAsync();

        Assert.That(client.FailureCount, Is.EqualTo(1));
        Assert.That(client.Sender.MetricsOf(WavefrontDataKind.Metric).ReportErrors.Count, Is.EqualTo(1));
        Assert.That(client.Sender.QueueSize(WavefrontDataKind.Metric), Is.EqualTo(1));
    }

    [Test]
    public async Task FlushAsync_BatchSize_SplitsIntoRequests()
    {
        using var server = HttpTestServer.Start();
        await using var client = Client(server, o => o.BatchSize = 2);
        for (var i = 0; i < 5; i++)
        {
            client.SendMetric("m" + i, i);
        }

        await client.FlushAsync();

        var requests = await server.WaitForRequestsAsync(3, Deadline);
        Assert.That(requests.Select(r => r.Body.Count(c => c == '\n')), Is.EqualTo(new[] { 2, 2, 1 }));
    }

    [Test]
    public async Task SendMetricsNowAsync_ClientDisposedWhileLinesAreRead_ReturnsFalseAndCountsLinesDropped()
    {
        using var server = HttpTestServer.Start();
        var client = Client(server);
        IEnumerable<string> LinesDisposingTheClient()
        {
            // The call has passed the disposed check; the client closes before the lines are posted.
            client.DisposeAsync().AsTask().GetAwaiter().GetResult();
            yield return "\"a\" 1.0 source=\"s\"";
        }

        var sent = await client.SendMetricsNowAsync(LinesDisposingTheClient()).WaitAsync(Deadline);

        Assert.That(sent, Is.False);
        Assert.That(client.Sender.MetricsOf(WavefrontDataKind.Metric).Dropped.Count, Is.EqualTo(1));
    }

    [Test]
    public async Task SendSpansNowAsync_FormattedLines_ArePostedAtOnce()
    {
        using var server = HttpTestServer.Start();
        await using var client = Client(server);

        Assert.That(await client.SendSpansNowAsync(["\"op\" source=\"s\" traceId=7b3bf470-9456-11e8-9eb6-529269fb1459 spanId=0313bafe-9457-11e8-9eb6-529269fb1459 1 2"]), Is.True);

        var request = (await server.WaitForRequestsAsync(1, Deadline)).Single();
        Assert.That(request.Query, Is.EqualTo("f=trace"));
    }

    [Test]
    public async Task NoToken_SendsNoAuthorizationHeader()
    {
        using var server = HttpTestServer.Start();
        await using var client = Client(server, o => o.Token = null);
        client.SendMetric("a", 1);

        await client.FlushAsync();

        Assert.That((await server.WaitForRequestsAsync(1, Deadline)).Single().Header("Authorization"), Is.Null);
    }

    [Test]
    public void Options_ToString_HidesTheToken() =>
        Assert.That(new WavefrontDirectClientOptions { Server = new Uri("https://example.wavefront.com"), Token = Token }.ToString(), Does.Not.Contain(Token).And.Contain("***"));

    [Test]
    public async Task Unauthorized_FailureMessage_DoesNotContainTheToken()
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(new TestResponse(401));
        var sink = new WavefrontDirectSink(new WavefrontDirectClientOptions { Server = server.BaseAddress, Token = Token });
        await using var _ = sink;

        var status = await sink.SendAsync(WavefrontDataKind.Metric, "\"a\" 1.0 source=\"s\"\n"u8.ToArray(), CancellationToken.None);

        Assert.That(status.Permanent, Is.True);
        Assert.That(status.Error, Does.Contain("401").And.Contain("Token").And.Not.Contain(Token));
    }

    [TestCase(401)]
    [TestCase(503)]
    public async Task ServerEchoesTheToken_FailureMessageHasItScrubbed(int code)
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(new TestResponse(code, "invalid token Bearer " + Token));
        var sink = new WavefrontDirectSink(new WavefrontDirectClientOptions { Server = server.BaseAddress, Token = Token });
        await using var _ = sink;

        var status = await sink.SendAsync(WavefrontDataKind.Metric, "\"a\" 1.0 source=\"s\"\n"u8.ToArray(), CancellationToken.None);

        Assert.That(status.Error, Does.Contain("invalid token Bearer ***").And.Not.Contain(Token));
    }

    [Test]
    public async Task TokenWithATrailingLineBreak_IsSentWithoutIt()
    {
        using var server = HttpTestServer.Start();
        await using var client = Client(server, o => o.Token = Token + "\n");
        client.SendMetric("m", 1, 1700000000, "web-1");

        await client.FlushAsync();

        Assert.That((await server.WaitForRequestsAsync(1, Deadline)).Single().Header("Authorization"), Is.EqualTo("Bearer " + Token));
    }

    [TestCase("abc\r\nX-Evil: 1")]
    [TestCase("tok en")]
    [TestCase("tök")]
    public void TokenWithACharacterNoHeaderTakes_ThrowsAtConstructionWithoutShowingIt(string token)
    {
        var ex = Assert.Throws<ArgumentException>(() => new WavefrontDirectClient(new WavefrontDirectClientOptions { Server = new Uri("https://example.wavefront.com"), Token = token }));

        Assert.That(ex!.Message, Does.Contain("The Wavefront API token (the Token option) has a character that cannot go in an HTTP header").And.Not.Contain(token));
    }

    [Test]
    public void Options_ToString_HidesCredentialsInTheServerAddress()
    {
        var server = new Uri("https://user:hunter2@example.wavefront.com/wf/?t=query-secret");

        Assert.That(new WavefrontDirectClientOptions { Server = server }.ToString(), Does.Contain("https://example.wavefront.com/wf/").And.Not.Contain("hunter2").And.Not.Contain("query-secret"));
        Assert.That(new WavefrontReporterOptions { Server = server }.ToString(), Does.Contain("https://example.wavefront.com/wf/").And.Not.Contain("hunter2").And.Not.Contain("query-secret"));
    }

    [Test]
    public async Task ServerError_FailureMessage_DoesNotContainUserInfo()
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(new TestResponse(503));
        var address = new UriBuilder(server.BaseAddress) { UserName = "user", Password = "hunter2" }.Uri;
        var sink = new WavefrontDirectSink(new WavefrontDirectClientOptions { Server = address, Token = Token });
        await using var _ = sink;

        var status = await sink.SendAsync(WavefrontDataKind.Metric, "\"a\" 1.0 source=\"s\"\n"u8.ToArray(), CancellationToken.None);

        Assert.That(status.Error, Does.Contain("503").And.Contain($"127.0.0.1:{server.BaseAddress.Port}").And.Not.Contain("hunter2"));
    }

    [TestCase(408, false)]
    [TestCase(429, false)]
    [TestCase(500, false)]
    [TestCase(503, false)]
    [TestCase(400, true)]
    [TestCase(404, true)]
    [TestCase(401, true)]
    [TestCase(403, true)]
    public async Task SendAsync_Status_IsTransientOrPermanentAsDocumented(int code, bool permanent)
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(new TestResponse(code, "why", new Dictionary<string, string> { ["Retry-After"] = "7" }));
        var sink = new WavefrontDirectSink(new WavefrontDirectClientOptions { Server = server.BaseAddress, Token = Token });
        await using var _ = sink;

        var status = await sink.SendAsync(WavefrontDataKind.Distribution, "!M #1 1.0 \"h\" source=\"s\"\n"u8.ToArray(), CancellationToken.None);

        Assert.That((status.Ok, status.Permanent, status.StatusCode), Is.EqualTo((false, permanent, (int?)code)));
        Assert.That(status.Error, Does.Contain(code.ToString(System.Globalization.CultureInfo.InvariantCulture)).And.Contain("distributions").And.Contain("why"));
        Assert.That(status.RetryAfter, Is.EqualTo(permanent ? null : TimeSpan.FromSeconds(7)));
    }

    [TestCase("ftp://example.com")]
    [TestCase(null)]
    public void Constructor_BadServer_ThrowsNamingServer(string? server) =>
        Assert.That(() => new WavefrontDirectClient(new WavefrontDirectClientOptions { Server = server is null ? null : new Uri(server), Token = Token }), Throws.ArgumentException.With.Message.Contains("Server"));

    [Test]
    public void Options_Defaults_MatchTheReferenceSdk()
    {
        var options = new WavefrontDirectClientOptions();

        Assert.That(options.MaxQueueSize, Is.EqualTo(50_000));
        Assert.That(options.BatchSize, Is.EqualTo(10_000));
        Assert.That(options.FlushInterval, Is.EqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(new WavefrontProxyClientOptions().FlushInterval, Is.EqualTo(TimeSpan.FromSeconds(5)));
    }
}
