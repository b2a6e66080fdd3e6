using System.Text.Json;
using Metrics.Reporters.Engine;
using Metrics.Reporters.OpenTsdb;
using Metrics.Reporters.Transports;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.OpenTsdb;

public class OpenTsdbHttpBackendTests
{
    private const long Ts = 1479496100;

    private const string PartialBody =
        "{\"success\":1,\"failed\":1,\"errors\":[{\"datapoint\":{\"metric\":\"sys.cpu.bad\",\"timestamp\":1479496100,\"value\":7,"
        + "\"tags\":{\"host\":\"web01\"}},\"error\":\"Unable to find tag key\"}]}";

    private static readonly OpenTsdbFormat Format = new("web01", 8, OpenTsdbInvalidCharacters.Replace);

    private static DataPoint[] Points(int n) =>
        Enumerable.Range(0, n).Select(i => new DataPoint("sys.cpu." + i, new Tags(("core", "0")), Ts, i + 0.5)).ToArray();

    private static OpenTsdbHttpBackend Backend(HttpTestServer server, bool gzip = true) =>
        new(new HttpTransport(TimeSpan.FromSeconds(5)), server.BaseAddress, Format, gzip);

    [Test]
    public async Task SendAsync_Batch_PostsGzipJsonToApiPutWithDetails()
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(TestResponse.Json(200, "{\"success\":2,\"failed\":0,\"errors\":[]}"));
        await using var backend = Backend(server);

        var result = await backend.SendAsync(Points(2), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Success));
        Assert.That(result.Succeeded, Is.EqualTo(2));
        var request = server.Requests.Single();
        Assert.That(request.Method, Is.EqualTo("POST"));
        Assert.That(request.Path, Is.EqualTo("/api/put"));
        Assert.That(request.Query, Is.EqualTo("details"));
        Assert.That(request.Header("Content-Encoding"), Is.EqualTo("gzip"));
        Assert.That(request.Header("Content-Type"), Does.StartWith("application/json"));
        using var doc = JsonDocument.Parse(request.Body);
        Assert.That(doc.RootElement.GetArrayLength(), Is.EqualTo(2));
        Assert.That(doc.RootElement[1].GetProperty("metric").GetString(), Is.EqualTo("sys.cpu.1"));
        Assert.That(doc.RootElement[1].GetProperty("value").GetDouble(), Is.EqualTo(1.5));
        Assert.That(doc.RootElement[1].GetProperty("timestamp").GetInt64(), Is.EqualTo(Ts));
        Assert.That(doc.RootElement[1].GetProperty("tags").GetProperty("host").GetString(), Is.EqualTo("web01"));
    }

    [Test]
    public async Task SendAsync_GzipOff_PostsPlainJson()
    {
        using var server = HttpTestServer.Start();
        await using var backend = Backend(server, gzip: false);

        var result = await backend.SendAsync(Points(1), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Success));
        Assert.That(server.Requests.Single().Header("Content-Encoding"), Is.Null);
        Assert.That(server.Requests.Single().Body, Does.StartWith("[{\"metric\":\"sys.cpu.0\""));
    }

    [Test]
    public async Task SendAsync_EndpointWithPath_PostsUnderThatPath()
    {
        using var server = HttpTestServer.Start();
        await using var backend = new OpenTsdbHttpBackend(new HttpTransport(), new Uri(server.BaseAddress, "tsdb/"), Format, gzip: true);

        await backend.SendAsync(Points(1), CancellationToken.None);

        Assert.That(server.Requests.Single().Path, Is.EqualTo("/tsdb/api/put"));
    }

    [Test]
    public async Task SendAsync_EndpointWithQuery_SendsTheQueryBesideDetails()
    {
        using var server = HttpTestServer.Start();
        await using var backend = new OpenTsdbHttpBackend(new HttpTransport(), new Uri(server.BaseAddress, "tsdb/?api_key=k%201"), Format, gzip: true);

        await backend.SendAsync(Points(1), CancellationToken.None);

        var request = server.Requests.Single();
        Assert.That(request.Path, Is.EqualTo("/tsdb/api/put"));
        Assert.That(request.Query, Is.EqualTo("details&api_key=k%201"));
    }

    [Test]
    public async Task SendAsync_400WithDetails_IsPartialFailureNamingOnlyFailedPoint()
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(TestResponse.Json(400, PartialBody));
        await using var backend = Backend(server);

        var result = await backend.SendAsync(Points(2), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.PartialFailure));
        Assert.That(result.Succeeded, Is.EqualTo(1));
        Assert.That(result.Failed, Is.EqualTo(1));
        Assert.That(result.StatusCode, Is.EqualTo(400));
        Assert.That(result.Errors.Single(), Does.Contain("Unable to find tag key").And.Contain("sys.cpu.bad").And.Contain("host=web01"));
        Assert.That(server.Requests, Has.Count.EqualTo(1), "nothing is resent by the backend");
    }

    [Test]
    public async Task SendAsync_ServerError_IsTransient()
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(new TestResponse(503, "overloaded", new Dictionary<string, string> { ["Retry-After"] = "7" }));
        await using var backend = Backend(server);

        var result = await backend.SendAsync(Points(3), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Transient));
        Assert.That(result.Failed, Is.EqualTo(3));
        Assert.That(result.StatusCode, Is.EqualTo(503));
        Assert.That(result.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(7)));
        Assert.That(result.Errors.Single(), Does.Contain("503").And.Contain("overloaded"));
    }

    [Test]
    public async Task SendAsync_ConnectionClosedWithoutAnswer_IsTransient()
    {
        // A server that reads the request and closes the connection without answering.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var accepting = Task.Run(async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                using var client = await listener.AcceptTcpClientAsync();
                var buffer = new byte[4096];
                _ = await client.GetStream().ReadAsync(buffer);
                client.Client.LingerState = new System.Net.Sockets.LingerOption(true, 0);
            }
        });
        await using var backend = new OpenTsdbHttpBackend(new HttpTransport(TimeSpan.FromSeconds(5)), new Uri($"http://127.0.0.1:{port}/"), Format, gzip: true);

        var result = await backend.SendAsync(Points(2), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Transient));
        Assert.That(result.Failed, Is.EqualTo(2));
        Assert.That(result.Exception, Is.Not.Null);
        listener.Stop();
    }

    [Test]
    public async Task SendAsync_NothingListening_IsTransient()
    {
        var port = HttpTestServer.FreePort();
        await using var backend = new OpenTsdbHttpBackend(new HttpTransport(), new Uri($"http://127.0.0.1:{port}/"), Format, gzip: true);

        var result = await backend.SendAsync(Points(2), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Transient));
        Assert.That(result.Errors.Single(), Does.Contain("/api/put"));
    }

    [Test]
    public async Task SendAsync_Timeout_IsTransient()
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(TestResponse.Stall(TimeSpan.FromSeconds(5)));
        await using var backend = new OpenTsdbHttpBackend(new HttpTransport(TimeSpan.FromMilliseconds(200)), server.BaseAddress, Format, gzip: true);

        var result = await backend.SendAsync(Points(1), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Transient));
        Assert.That(result.Errors.Single(), Does.Contain("timed out"));
    }

    [Test]
    public async Task SendAsync_InvalidPointInBatch_SendsTheRestAndCountsIt()
    {
        using var server = HttpTestServer.Start();
        await using var backend = new OpenTsdbHttpBackend(new HttpTransport(), server.BaseAddress, new OpenTsdbFormat("h", 8, OpenTsdbInvalidCharacters.Reject), gzip: true);
        var points = new[] { Points(1)[0], new DataPoint("bad name", new Tags(("k", "v")), Ts, 1) };

        var result = await backend.SendAsync(points, CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.PartialFailure));
        Assert.That(result.Succeeded, Is.EqualTo(1));
        Assert.That(result.Failed, Is.EqualTo(1));
        Assert.That(result.Errors.Single(), Does.Contain("bad name"));
        Assert.That(server.Requests.Single().Body, Does.Not.Contain("bad"));
    }

    [Test]
    public void Validate_LongNameOverHttp_IsAcceptedButTooManyTagsIsNot()
    {
        using var server = HttpTestServer.Start();
        var backend = Backend(server);

        Assert.That(backend.Validate(new DataPoint(new string('a', 2000), new Tags(("k", "v")), Ts, 1)), Is.Null);
        var tags = new Tags(Enumerable.Range(0, 9).Select(i => new KeyValuePair<string, string>("k" + i, "v")));
        Assert.That(backend.Validate(new DataPoint("m", tags, Ts, 1)), Does.Contain("MaxTags = 8"));
    }

    [TestCase(204, "", "Success")]
    [TestCase(200, "", "Success")]
    [TestCase(200, "{\"success\":3,\"failed\":0,\"errors\":[]}", "Success")]
    [TestCase(400, PartialBody, "PartialFailure")]
    [TestCase(400, "{\"error\":{\"code\":400,\"message\":\"Unable to parse the given JSON\"}}", "Permanent")]
    [TestCase(401, "no", "Permanent")]
    [TestCase(404, "<html>not found</html>", "Permanent")]
    [TestCase(408, "", "Transient")]
    [TestCase(413, "", "TooLarge")]
    [TestCase(429, "", "Transient")]
    [TestCase(500, "", "Transient")]
    [TestCase(502, "<html>bad gateway</html>", "Transient")]
    public void Classify_Status_MapsToOutcome(int status, string body, string expected)
    {
        var result = OpenTsdbHttpBackend.Classify(new HttpTransportResponse(status, body), 3);

        Assert.That(result.Outcome.ToString(), Is.EqualTo(expected));
        // The details body speaks for the two points it counts; otherwise all 3 points sent are accounted for.
        Assert.That(result.Succeeded + result.Failed, Is.EqualTo(body == PartialBody ? 2 : 3), "every point is accounted for");
    }

    [Test]
    public void Classify_400WithErrorEnvelope_ShowsServerMessage()
    {
        var result = OpenTsdbHttpBackend.Classify(new HttpTransportResponse(400, "{\"error\":{\"code\":400,\"message\":\"Unable to parse the given JSON\"}}"), 3);

        Assert.That(result.Errors.Single(), Does.Contain("Unable to parse the given JSON"));
        Assert.That(result.Failed, Is.EqualTo(3));
    }

    [Test]
    public void Classify_MalformedBodyOn200_FailsWithBodyExcerptInsteadOfThrowing()
    {
        var body = "<html>" + new string('x', 5000) + "</html>";

        var result = OpenTsdbHttpBackend.Classify(new HttpTransportResponse(200, body), 3);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Permanent));
        Assert.That(result.Errors.Single(), Does.Contain("'<html>xxx").And.Contain("..."));
        Assert.That(result.Errors.Single().Length, Is.LessThan(400));
    }

    [Test]
    public void Classify_TruncatedDetailsOn400_FailsWholeBatchWithExcerpt()
    {
        var result = OpenTsdbHttpBackend.Classify(new HttpTransportResponse(400, "{\"success\":1,\"failed\":"), 3);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Permanent));
        Assert.That(result.Failed, Is.EqualTo(3));
        Assert.That(result.Errors.Single(), Does.Contain("{\"success\":1,\"failed\":"));
    }

    [TestCase(400)]
    [TestCase(200)]
    public void Classify_AllFailedWithDetails_IsPermanentWithEveryError(int status)
    {
        var body = "{\"success\":0,\"failed\":2,\"errors\":[{\"datapoint\":{\"metric\":\"a\"},\"error\":\"e1\"},{\"datapoint\":{\"metric\":\"b\"},\"error\":\"e2\"}]}";

        var result = OpenTsdbHttpBackend.Classify(new HttpTransportResponse(status, body), 2);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Permanent));
        Assert.That(result.Succeeded, Is.Zero);
        Assert.That(result.Failed, Is.EqualTo(2));
        Assert.That(result.Errors, Has.Count.EqualTo(2));
        Assert.That(result.Errors[1], Does.StartWith("e2: b"));
    }

    [Test]
    public void Classify_200WithSomeFailedInDetails_IsPartialFailure()
    {
        var result = OpenTsdbHttpBackend.Classify(new HttpTransportResponse(200, PartialBody), 2);

        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.PartialFailure));
        Assert.That(result.Succeeded, Is.EqualTo(1));
        Assert.That(result.Failed, Is.EqualTo(1));
        Assert.That(result.Errors.Single(), Does.StartWith("Unable to find tag key: sys.cpu.bad"));
    }

    [Test]
    public void Classify_HugeMultiLineErrorEnvelope_MessageIsClippedToOneLine()
    {
        var message = "java.lang.IllegalArgumentException: bad\n" + string.Concat(Enumerable.Repeat("\tat net.opentsdb.Foo(Foo.java:1)\n", 500));
        var body = JsonSerializer.Serialize(new { error = new { code = 500, message } });

        var result = OpenTsdbHttpBackend.Classify(new HttpTransportResponse(500, body), 3);

        var error = result.Errors.Single();
        Assert.That(error, Does.StartWith("OpenTSDB answered 500: java.lang.IllegalArgumentException: bad"));
        Assert.That(error, Does.EndWith("..."));
        Assert.That(error.Length, Is.LessThan(300));
        Assert.That(error, Does.Not.Contain("\n"));
    }
}
