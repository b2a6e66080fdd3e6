using System.Net.Sockets;
using Metrics.Reporters.Apptuit;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Apptuit;

[TestFixture]
public sealed class ApptuitClientTests
{
    private const string Token = "secret-token-5f3a";
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private ApptuitTestServer _server = null!;
    private List<TimeSpan> _delays = null!;

    [SetUp]
    public void SetUp()
    {
        _server = new ApptuitTestServer(Token);
        _delays = new List<TimeSpan>();
    }

    [TearDown]
    public void TearDown() => _server.Dispose();

    private ApptuitClient Client(Action<ApptuitClientOptions>? configure = null, Dictionary<string, string>? env = null, Uri? endpoint = null)
    {
        var options = new ApptuitClientOptions { Token = Token, ApiEndpoint = endpoint ?? _server.Endpoint };
        configure?.Invoke(options);
        env ??= new Dictionary<string, string>();
        return new ApptuitClient(
            options,
            transport: null,
            queryHandler: null,
            new ApptuitEnvironment(k => env.TryGetValue(k, out var v) ? v : null),
            (d, _) =>
            {
                lock (_delays)
                {
                    _delays.Add(d);
                }

                return Task.CompletedTask;
            },
            new Random(42));
    }

    private static DataPoint Point(string metric, double value = 1, int second = 0) =>
        new(metric, new Tags(("host", "a")), Now.AddSeconds(second), value);

    [Test]
    public void CallsAfterDispose_ThrowObjectDisposedExceptionNamingTheClient()
    {
        var client = Client();
        client.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(() => client.SendAsync([new DataPoint("m", new Tags(("k", "v")), Now, 1)]), Throws.TypeOf<ObjectDisposedException>().With.Message.Contain("ApptuitClient"));
            Assert.That(() => client.SendTimeSeriesAsync([]), Throws.TypeOf<ObjectDisposedException>().With.Message.Contain("ApptuitClient"));
            Assert.That(() => client.QueryAsync("fetch m", Now), Throws.TypeOf<ObjectDisposedException>().With.Message.Contain("ApptuitClient"));
        });
    }

    [Test]
    public async Task SendAsync_ValidPoints_PostsDeflatedJsonWithBearerToken()
    {
        using var client = Client();

        await client.SendAsync([new DataPoint("proc.cpu.percent", new Tags(("host", "a"), ("ip", "127.0.0.1")), Now, 42)]);

        var request = _server.PutRequests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo("POST"));
            Assert.That(request.Query, Is.EqualTo("details"));
            Assert.That(request.Header("Authorization"), Is.EqualTo("Bearer " + Token));
            Assert.That(request.Header("Content-Encoding"), Is.EqualTo("deflate"));
            Assert.That(request.Header("Content-Type"), Is.EqualTo("application/json"));
            Assert.That(request.Body, Is.EqualTo(
                """[{"metric":"proc_cpu_percent","timestamp":1767225600,"value":42.0,"tags":{"host":"a","ip":"127.0.0.1"}}]"""));
        });
    }

    [Test]
    public async Task SendAsync_UseGzip_SendsGzipBody()
    {
        using var client = Client(o => o.UseGzip = true);
        await client.SendAsync([Point("m")]);
        Assert.Multiple(() =>
        {
            Assert.That(_server.PutRequests.Single().Header("Content-Encoding"), Is.EqualTo("gzip"));
            Assert.That(_server.Points.Single().Metric, Is.EqualTo("m"));
        });
    }

    [Test]
    public async Task SendAsync_MoreThanBatchSize_SplitsIntoSeveralRequests()
    {
        using var client = Client(o => o.BatchSize = 3);
        await client.SendAsync(Enumerable.Range(0, 7).Select(i => Point("m", i, i)));
        Assert.Multiple(() =>
        {
            Assert.That(_server.PutRequests, Has.Count.EqualTo(3));
            Assert.That(_server.Points.Select(p => p.Value), Is.EquivalentTo(new[] { 0.0, 1, 2, 3, 4, 5, 6 }));
        });
    }

    [Test]
    public async Task SendAsync_GlobalTagsFromEnvironment_AreUnderPointTags()
    {
        using var client = Client(env: new() { ["APPTUIT_TAGS"] = "host:env-host, dc:blr" });
        await client.SendAsync([Point("m")]);
        Assert.That(_server.Points.Single().Tags, Is.EqualTo(new Dictionary<string, string> { ["host"] = "a", ["dc"] = "blr" }));
    }

    [Test]
    public void SendAsync_400WithDetails_ThrowsWithCountsAndEachError()
    {
        _server.Reject = p => p.Metric == "bad" ? "Invalid value" : null;
        using var client = Client(o => o.SanitizeMode = ApptuitSanitizeMode.None);

        var ex = Assert.ThrowsAsync<ApptuitSendException>(() => client.SendAsync([Point("good"), Point("bad", 7), Point("good", 2)], retryCount: 3));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.StatusCode, Is.EqualTo(400));
            Assert.That(ex.Succeeded, Is.EqualTo(2));
            Assert.That(ex.Failed, Is.EqualTo(1));
            Assert.That(ex.Errors.Single().Error, Is.EqualTo("Invalid value"));
            Assert.That(ex.Message, Is.EqualTo(
                "1 points failed with status: 400\n" +
                "Invalid value error occurred in the datapoint {\"metric\":\"bad\",\"timestamp\":1767225600,\"value\":7.0,\"tags\":{\"host\":\"a\"}}"));
            Assert.That(_server.PutRequests, Has.Count.EqualTo(1), "400 is never retried");
            Assert.That(_server.Points.Select(p => p.Metric), Is.EqualTo(new[] { "good", "good" }));
        });
    }

    [Test]
    public void SendAsync_400WithDetailsLongerThan64KCharacters_CountsStoredAndFailedPointsFromThem()
    {
        // Each failed point is echoed with its error: 600 of them make an answer of about 100,000 characters.
        _server.Reject = p => p.Value >= 400 ? "Unable to parse value, the tag set is not allowed here" : null;
        using var client = Client();
        var points = Enumerable.Range(0, 1000).Select(i => Point("requests.count", i)).ToArray();

        var ex = Assert.ThrowsAsync<ApptuitSendException>(() => client.SendAsync(points));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.StatusCode, Is.EqualTo(400));
            Assert.That(ex.Succeeded, Is.EqualTo(400), "the points the server stored");
            Assert.That(ex.Failed, Is.EqualTo(600));
            Assert.That(ex.Errors, Has.Count.EqualTo(600));
            Assert.That(ex.Errors[^1].Datapoint, Does.Contain("\"value\":999.0"));
            Assert.That(_server.Points, Has.Count.EqualTo(400));
        });
    }

    [Test]
    public void SendAsync_400WhoseCountsAccountForNoPoint_ThrowsCountingEveryPointFailed()
    {
        _server.ScriptFault(new TestResponse(400, """{"success":0,"failed":0,"errors":[]}"""));
        using var client = Client();

        var ex = Assert.ThrowsAsync<ApptuitSendException>(() => client.SendAsync([Point("a"), Point("b"), Point("c")]));

        Assert.Multiple(() =>
        {
            Assert.That(ex, Is.InstanceOf<ApptuitException>());
            Assert.That(ex!.StatusCode, Is.EqualTo(400));
            Assert.That(ex.Succeeded, Is.Zero);
            Assert.That(ex.Failed, Is.EqualTo(3));
            Assert.That(ex.Message, Does.Contain("3 points failed").And.Contain("the answer (success 0, failed 0) did not account for 3 of the 3 points sent"));
        });
    }

    [Test]
    public void ApiEndpointAndToString_EndpointWithTenantPath_KeepThePathButNotUserInfoOrQuery()
    {
        using var client = Client(endpoint: new Uri("https://user:pw-9d1@apptuit.example/tenant-a/?key=q-77"));

        Assert.Multiple(() =>
        {
            Assert.That(client.ApiEndpoint, Is.EqualTo(new Uri("https://apptuit.example/tenant-a/")));
            Assert.That(client.ToString(), Is.EqualTo("ApptuitClient(https://apptuit.example/tenant-a/)"));
        });
    }

    [Test]
    public async Task SendAndQuery_EndpointWithAQuery_KeepItAfterTheApiPaths()
    {
        using var client = Client(endpoint: new Uri(_server.Endpoint, "?gateway-key=k1"));

        await client.SendAsync([Point("m")]);
        await client.QueryAsync("fetch('m')", Now);

        var put = _server.PutRequests.Single();
        var query = _server.Requests.Single(r => r.Path == "/api/query");
        Assert.Multiple(() =>
        {
            Assert.That(_server.Points.Select(p => p.Metric), Is.EqualTo(new[] { "m" }), "stored through /api/put");
            Assert.That(put.Query, Does.Contain("details").And.Contain("gateway-key=k1"));
            Assert.That(query.Query, Does.Contain("gateway-key=k1").And.Contain("start="));
        });
    }

    [TestCase(301)]
    [TestCase(308)]
    public void SendAsync_EndpointRedirects_FailsNamingTheRedirectNotAnInvalidToken(int status)
    {
        var moved = new Uri(_server.Endpoint, "moved/api/put?details");
        _server.ScriptFault(new TestResponse(status, string.Empty, new Dictionary<string, string> { ["Location"] = moved.ToString() }));
        using var client = Client();

        var ex = Assert.ThrowsAsync<ApptuitSendException>(() => client.SendAsync([Point("m")], retryCount: 2));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.StatusCode, Is.EqualTo(status));
            Assert.That(ex.Errors.Single().Error, Does.Contain($"answered {status}, a redirect to {moved.GetLeftPart(UriPartial.Path)}").And.Contain("set ApiEndpoint"));
            Assert.That(ex.Message, Does.Not.Contain("token is invalid"));
            Assert.That(_server.Requests, Has.Count.EqualTo(1), "the redirect is neither followed without the token nor retried");
        });
    }

    [Test]
    public void QueryAsync_EndpointRedirects_FailsNamingTheRedirectNotAnInvalidToken()
    {
        var moved = new Uri(_server.Endpoint, "moved/api/query");
        _server.ScriptFault(new TestResponse(302, string.Empty, new Dictionary<string, string> { ["Location"] = moved.ToString() }));
        using var client = Client();

        var ex = Assert.ThrowsAsync<ApptuitException>(() => client.QueryAsync("fetch('m')", Now, retryCount: 2));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.StatusCode, Is.EqualTo(302));
            Assert.That(ex.Message, Does.Contain("a redirect to " + moved).And.Not.Contain("token is invalid"));
            Assert.That(_server.Requests, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public async Task SendAsync_413_SplitsBatchAndRetriesHalves()
    {
        _server.MaxPointsPerRequest = 2;
        using var client = Client();

        await client.SendAsync(Enumerable.Range(0, 5).Select(i => Point("m", i, i)));

        Assert.Multiple(() =>
        {
            Assert.That(_server.Points.Select(p => p.Value), Is.EquivalentTo(new[] { 0.0, 1, 2, 3, 4 }));
            // 5 (413) -> 2 ok, 3 (413) -> 1 ok, 2 ok
            Assert.That(_server.PutRequests, Has.Count.EqualTo(5));
            Assert.That(_delays, Is.Empty);
        });
    }

    [Test]
    public void SendAsync_413ForSinglePoint_GivesUpWithStatus()
    {
        _server.MaxPointsPerRequest = 0;
        using var client = Client();
        var ex = Assert.ThrowsAsync<ApptuitSendException>(() => client.SendAsync([Point("m"), Point("n")]));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.StatusCode, Is.EqualTo(413));
            Assert.That(ex.Failed, Is.EqualTo(2));
            Assert.That(ex.Succeeded, Is.Zero);
            Assert.That(ex.Message, Does.StartWith("2 points failed with status: 413\n").And.Contain("payload too large"));
        });
    }

    [Test]
    public void SendAsync_401_FailsEverythingWithoutRetryAndNeverShowsToken()
    {
        using var client = Client(o =>
        {
            o.Token = "wrong-token-77";
            o.BatchSize = 2;
        });

        var ex = Assert.ThrowsAsync<ApptuitSendException>(() => client.SendAsync(Enumerable.Range(0, 5).Select(i => Point("m", i)), retryCount: 3));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.StatusCode, Is.EqualTo(401));
            Assert.That(ex.Failed, Is.EqualTo(5));
            Assert.That(ex.Succeeded, Is.Zero);
            Assert.That(ex.Message, Does.Contain("token is invalid"));
            Assert.That(ex.ToString(), Does.Not.Contain("wrong-token-77"));
            Assert.That(client.ToString(), Does.Not.Contain("wrong-token-77"));
            Assert.That(_server.PutRequests, Has.Count.EqualTo(1), "the remaining batches are not sent with a bad token");
            Assert.That(_delays, Is.Empty);
        });
    }

    [Test]
    public async Task SendAsync_500ThenSuccess_RetriesWithFullJitterBackoff()
    {
        _server.Script(500, 503);
        using var client = Client();

        await client.SendAsync([Point("m")], retryCount: 2);

        Assert.Multiple(() =>
        {
            Assert.That(_server.PutRequests, Has.Count.EqualTo(3));
            Assert.That(_server.Points, Has.Count.EqualTo(1));
            Assert.That(_delays, Has.Count.EqualTo(2));
            Assert.That(_delays[0], Is.GreaterThanOrEqualTo(TimeSpan.Zero).And.LessThan(TimeSpan.FromSeconds(4)));
            Assert.That(_delays[1], Is.GreaterThanOrEqualTo(TimeSpan.Zero).And.LessThan(TimeSpan.FromSeconds(8)));
        });
    }

    [Test]
    public void SendAsync_500RetriesExhausted_ThrowsServerError()
    {
        _server.Script(500, 500, 500);
        using var client = Client();
        var ex = Assert.ThrowsAsync<ApptuitSendException>(() => client.SendAsync([Point("m")], retryCount: 2));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.StatusCode, Is.EqualTo(500));
            Assert.That(ex.Failed, Is.EqualTo(1));
            Assert.That(ex.Message, Does.Contain("server error 500"));
            Assert.That(_server.PutRequests, Has.Count.EqualTo(3));
        });
    }

    [Test]
    public void SendAsync_NoRetryCount_500IsNotRetried()
    {
        _server.Script(500);
        using var client = Client();
        Assert.ThrowsAsync<ApptuitSendException>(() => client.SendAsync([Point("m")]));
        Assert.That(_server.PutRequests, Has.Count.EqualTo(1));
    }

    [Test]
    public void SendAsync_403_IsNeverRetried()
    {
        _server.Script(403);
        using var client = Client();
        var ex = Assert.ThrowsAsync<ApptuitSendException>(() => client.SendAsync([Point("m")], retryCount: 3));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.StatusCode, Is.EqualTo(403));
            Assert.That(_server.PutRequests, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public void SendAsync_ConnectionRefused_RetriedThenThrowsWithCause()
    {
        var deadPort = HttpTestServer.FreePort();
        using var client = Client(endpoint: new Uri($"http://127.0.0.1:{deadPort}"));

        var ex = Assert.ThrowsAsync<ApptuitSendException>(() => client.SendAsync([Point("m")], retryCount: 2));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.StatusCode, Is.Null);
            Assert.That(ex.Failed, Is.EqualTo(1));
            Assert.That(ex.InnerException, Is.InstanceOf<HttpRequestException>());
            Assert.That(ex.Message, Does.StartWith("1 points failed\n").And.Contain("could not reach"));
            Assert.That(_delays, Has.Count.EqualTo(2));
        });
    }

    [Test]
    public async Task SendAsync_ConnectionDroppedThenOk_RetriedAndStored()
    {
        _server.ScriptFault(TestResponse.Abort());
        using var client = Client();

        await client.SendAsync([Point("m", 5)], retryCount: 1);

        Assert.Multiple(() =>
        {
            Assert.That(_server.PutRequests, Has.Count.EqualTo(2));
            Assert.That(_server.Points.Single().Value, Is.EqualTo(5));
            Assert.That(_delays, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public void SendAsync_ServerTooSlow_TimesOutRetriesThenThrows()
    {
        _server.ScriptFault(TestResponse.Stall(TimeSpan.FromSeconds(1)));
        _server.ScriptFault(TestResponse.Stall(TimeSpan.FromSeconds(1)));
        using var client = Client(o => o.Timeout = TimeSpan.FromMilliseconds(100));

        var ex = Assert.ThrowsAsync<ApptuitSendException>(() => client.SendAsync([Point("m")], retryCount: 1));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.StatusCode, Is.Null);
            Assert.That(ex.Failed, Is.EqualTo(1));
            Assert.That(ex.Message, Does.StartWith("1 points failed\n").And.Contain("timed out"));
            Assert.That(_delays, Has.Count.EqualTo(1), "a timeout is retried like a connection error");
        });
    }

    [Test]
    public void SendAsync_PointWithoutTags_ThrowsBeforeSendingAnything()
    {
        using var client = Client();
        var ex = Assert.Throws<ArgumentException>(() => client.SendAsync([Point("ok"), new DataPoint("lonely", Tags.Empty, Now, 1)]));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Contain("'lonely' has no tags"));
            Assert.That(_server.Requests, Is.Empty);
        });
    }

    [Test]
    public void SendAsync_NotFiniteValue_ThrowsBeforeSending() =>
        Assert.That(() => Client().SendAsync([Point("m", double.NaN)]), Throws.ArgumentException.With.Message.Contain("finite"));

    [Test]
    public void SendAsync_DeltaCounterPoint_ThrowsBeforeSending()
    {
        using var client = Client();
        Assert.Multiple(() =>
        {
            Assert.That(() => client.SendAsync([Point("ok"), Point("delta") with { Kind = PointKind.DeltaCounter }]),
                Throws.ArgumentException.With.Message.Contain("'delta' is a DeltaCounter point"));
            Assert.That(_server.Requests, Is.Empty);
        });
    }

    [TestCase("ftp://api.apptuit.ai")]
    [TestCase("/relative/path")]
    public void Constructor_EndpointNotHttp_ThrowsNamingIt(string endpoint)
    {
        var uri = new Uri(endpoint, UriKind.RelativeOrAbsolute);
        Assert.That(() => Client(o => o.ApiEndpoint = uri), Throws.ArgumentException.With.Message.Contain("ApiEndpoint '" + uri + "'").And.Message.Contain("http or https"));
    }

    [Test]
    public async Task SendTimeSeriesAsync_ManyPoints_SendsEveryPointWithSeriesNameAndTags()
    {
        using var client = Client(o => o.BatchSize = 4);
        var series = new TimeSeries("node.load_avg.1m", new Tags(("host", "h1")));
        for (var i = 0; i < 10; i++)
        {
            series.AddPoint(Now.AddMinutes(i), i * 0.5);
        }

        await client.SendTimeSeriesAsync([series, new TimeSeries("empty", new Tags(("host", "h1")))]);

        Assert.Multiple(() =>
        {
            Assert.That(_server.PutRequests, Has.Count.EqualTo(3));
            Assert.That(_server.Points, Has.Count.EqualTo(10));
            Assert.That(_server.Points.Select(p => p.Metric).Distinct(), Is.EqualTo(new[] { "node_load_avg_1m" }));
            Assert.That(_server.Points.Select(p => p.Timestamp), Is.EquivalentTo(Enumerable.Range(0, 10).Select(i => Now.AddMinutes(i).ToUnixTimeSeconds())));
        });
    }

    [Test]
    public void SendTimeSeriesAsync_SeriesWithoutTags_ThrowsClearError() =>
        Assert.That(() => Client().SendTimeSeriesAsync([new TimeSeries("m").AddPoint(1, 1)]),
            Throws.ArgumentException.With.Message.Contain("no tags"));

    [Test]
    public async Task QueryAsync_AfterSend_ReturnsSeriesWithPoints()
    {
        using var client = Client();
        await client.SendAsync([Point("cpu", 1, 0), Point("cpu", 2, 60), new DataPoint("cpu", new Tags(("host", "b")), Now, 5)]);

        var result = await client.QueryAsync("fetch('cpu')", Now.AddHours(-1), Now.AddHours(1));

        var request = _server.Requests.Last();
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo("GET"));
            Assert.That(request.Path, Is.EqualTo("/api/query"));
            Assert.That(request.Query, Is.EqualTo($"start={Now.AddHours(-1).ToUnixTimeSeconds()}&end={Now.AddHours(1).ToUnixTimeSeconds()}&q=fetch%28%27cpu%27%29"));
            Assert.That(request.Header("Authorization"), Is.EqualTo("Bearer " + Token));
            Assert.That(result.Outputs, Has.Count.EqualTo(1));
            var a = result["cpu"].Series.Single(s => s.Tags["host"] == "a");
            Assert.That(a.Name, Is.EqualTo("cpu"));
            Assert.That(a.Timestamps, Is.EqualTo(new[] { Now.ToUnixTimeSeconds(), Now.ToUnixTimeSeconds() + 60 }));
            Assert.That(a.Values, Is.EqualTo(new[] { 1.0, 2.0 }));
            Assert.That(result[0].Series, Has.Count.EqualTo(2));
        });
    }

    [Test]
    public async Task QueryAsync_ServerErrorThenOk_Retries()
    {
        _server.Script(502);
        using var client = Client();
        var result = await client.QueryAsync("fetch('none')", Now, retryCount: 1);
        Assert.Multiple(() =>
        {
            Assert.That(result["none"].Series, Is.Empty);
            Assert.That(_delays, Has.Count.EqualTo(1));
            Assert.That(_server.Requests.Last().Query, Does.Not.Contain("end="));
        });
    }

    [Test]
    public void QueryAsync_InvalidToken_ThrowsWithoutToken()
    {
        using var client = Client(o => o.Token = "not-the-token-123");
        var ex = Assert.ThrowsAsync<ApptuitException>(() => client.QueryAsync("fetch('x')", Now, retryCount: 2));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.StatusCode, Is.EqualTo(401));
            Assert.That(ex.Message, Does.Contain("token is invalid").And.Not.Contain("not-the-token-123"));
            Assert.That(_delays, Is.Empty);
        });
    }

    [Test]
    public void QueryAsync_EndBeforeStart_ThrowsClearError() =>
        Assert.That(() => Client().QueryAsync("fetch('x')", Now, Now.AddSeconds(-1)), Throws.ArgumentException.With.Message.Contain("before its start"));

    [Test]
    public void Constructor_NoTokenAnywhere_ThrowsNamingOptionAndVariable()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Client(o => o.Token = null));
        Assert.That(ex!.Message, Does.Contain("APPTUIT_API_TOKEN"));
    }

    [Test]
    public async Task Constructor_TokenFromEnvironment_IsUsed()
    {
        using var client = Client(o => o.Token = null, new() { ["APPTUIT_API_TOKEN"] = Token });
        await client.SendAsync([Point("m")]);
        Assert.That(_server.Points, Has.Count.EqualTo(1));
    }

    [Test]
    public void ToString_OptionsAndClient_NeverShowToken()
    {
        var options = new ApptuitClientOptions { Token = Token };
        using var client = Client();
        Assert.Multiple(() =>
        {
            Assert.That(options.ToString(), Does.Not.Contain(Token).And.Contain("***"));
            Assert.That(client.ToString(), Does.Not.Contain(Token).And.Contain("127.0.0.1"));
        });
    }

    [Test]
    public void Backoff_IsFullJitterCappedAtThirtySeconds()
    {
        using var client = Client();
        var delays = Enumerable.Range(0, 200).Select(_ => client.Backoff(10)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(delays.Min(), Is.GreaterThanOrEqualTo(TimeSpan.Zero));
            Assert.That(delays.Max(), Is.LessThan(TimeSpan.FromSeconds(30)));
            Assert.That(delays.Max(), Is.GreaterThan(TimeSpan.FromSeconds(15)), "jitter spreads over the whole range");
            Assert.That(Enumerable.Range(0, 200).Max(_ => client.Backoff(1)), Is.LessThan(TimeSpan.FromSeconds(4)));
        });
    }

    [Test]
    public async Task SendAsync_ConcurrentCallersOnOneClient_EveryPointArrivesOnce()
    {
        using var client = Client(o => o.BatchSize = 10);
        const int threads = 8, perThread = 50;

        await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(() =>
            client.SendAsync(Enumerable.Range(0, perThread).Select(i => new DataPoint("m", new Tags(("host", "t" + t)), Now, i))))));

        Assert.Multiple(() =>
        {
            Assert.That(_server.Points, Has.Count.EqualTo(threads * perThread));
            Assert.That(_server.Points.GroupBy(p => p.Tags["host"]).Select(g => g.Sum(p => p.Value)), Has.All.EqualTo(Enumerable.Range(0, perThread).Sum()));
        });
    }

    [Test]
    public void ApptuitSendException_Message_ListsCountStatusAndOneLinePerError()
    {
        var ex = new ApptuitSendException(400, 3, 2, [new ApptuitPointError("{\"metric\":\"a\"}", "bad value"), new ApptuitPointError("{\"metric\":\"b\"}", "bad tag")]);
        Assert.That(ex.Message, Is.EqualTo(
            "2 points failed with status: 400\n" +
            "bad value error occurred in the datapoint {\"metric\":\"a\"}\n" +
            "bad tag error occurred in the datapoint {\"metric\":\"b\"}"));
    }
}
