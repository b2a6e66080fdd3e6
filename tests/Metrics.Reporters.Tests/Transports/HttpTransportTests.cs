using System.Text;
using Metrics.Reporters.Transports;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Transports;

public class HttpTransportTests
{
    [TestCase(true, "gzip")]
    [TestCase(false, "deflate")]
    public async Task PostAsync_Compressed_ServerReadsTheOriginalBodyAndHeaders(bool gzip, string header)
    {
        var encoding = gzip ? HttpContentEncoding.Gzip : HttpContentEncoding.Deflate;
        using var server = HttpTestServer.Start();
        using var transport = new HttpTransport();
        var body = Encoding.UTF8.GetBytes("[{\"metric\":\"a\",\"value\":1.5}]");

        var response = await transport.PostAsync(
            new Uri(server.BaseAddress, "api/put?details"), body, "application/json", encoding,
            new Dictionary<string, string> { ["Authorization"] = "Bearer t0k" }, CancellationToken.None);

        Assert.That(response.StatusCode, Is.EqualTo(204));
        var request = server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Path, Is.EqualTo("/api/put"));
            Assert.That(request.Query, Is.EqualTo("details"));
            Assert.That(request.Header("Content-Encoding"), Is.EqualTo(header));
            Assert.That(request.Header("Authorization"), Is.EqualTo("Bearer t0k"));
            Assert.That(request.Body, Is.EqualTo("[{\"metric\":\"a\",\"value\":1.5}]"));
        });
    }

    [TestCase(301)]
    [TestCase(302)]
    [TestCase(307)]
    public async Task PostAsync_ServerRedirects_ReturnsTheRedirectWithoutFollowingIt(int status)
    {
        using var server = HttpTestServer.Start();
        server.Handler = request => request.Path == "/api/put"
            ? new TestResponse(status, "", new Dictionary<string, string> { ["Location"] = "/elsewhere" })
            : new TestResponse(204);
        using var transport = new HttpTransport();

        var response = await transport.PostAsync(
            new Uri(server.BaseAddress, "api/put"), Encoding.UTF8.GetBytes("[]"), "application/json", HttpContentEncoding.None,
            new Dictionary<string, string> { ["Authorization"] = "Bearer t0k" }, CancellationToken.None);

        Assert.That(response.StatusCode, Is.EqualTo(status), "the backend must see the redirect, not the answer to a request without the points");
        Assert.That(server.Requests.Select(r => r.Method + " " + r.Path), Is.EqualTo(new[] { "POST /api/put" }));
    }

    [Test]
    public async Task PostAsync_ServerError_ReturnsStatusBodyAndRetryAfter()
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(new TestResponse(503, "busy", new Dictionary<string, string> { ["Retry-After"] = "7" }));
        using var transport = new HttpTransport();

        var response = await transport.PostAsync(server.BaseAddress, new byte[] { 1 }, "application/octet-stream", HttpContentEncoding.None, null, CancellationToken.None);

        Assert.That(response, Is.EqualTo(new HttpTransportResponse(503, "busy", TimeSpan.FromSeconds(7))));
        Assert.That(response.IsSuccess, Is.False);
    }

    [TestCase(0, 64 * 1024)]
    [TestCase(1_000_000, 300_000)]
    [TestCase(100_000, 100_000)]
    public async Task PostAsync_LongAnswer_KeepsUpToMaxBodyChars(int maxBodyChars, int kept)
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(new TestResponse(400, new string('x', 300_000)));
        using var transport = maxBodyChars == 0 ? new HttpTransport() : new HttpTransport(maxBodyChars: maxBodyChars);

        var response = await transport.PostAsync(new Uri(server.BaseAddress, "api/put"), "[]"u8.ToArray(), "application/json", HttpContentEncoding.None, null, CancellationToken.None);

        Assert.That(response.Body, Has.Length.EqualTo(kept));
    }

    [Test]
    public async Task PostAsync_ServerStallsAfterTheHeaders_TimesOutAtTheRequestTimeout()
    {
        // Answers the headers and two of the hundred body bytes it announces, then says nothing more.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var serve = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var buffer = new byte[65536];
            _ = await stream.ReadAsync(buffer);
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nab"u8.ToArray());
            await Task.Delay(TimeSpan.FromSeconds(20));
        });
        using var transport = new HttpTransport(TimeSpan.FromSeconds(1));
        var started = System.Diagnostics.Stopwatch.StartNew();

        var ex = Assert.CatchAsync<TaskCanceledException>(() => transport.PostAsync(
            new Uri($"http://127.0.0.1:{port}/"), new byte[] { 1 }, "text/plain", HttpContentEncoding.None, null, CancellationToken.None));

        Assert.That(ex!.InnerException, Is.InstanceOf<TimeoutException>());
        Assert.That(started.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "bounded by the 1 s timeout, not by the stalled server");
        listener.Stop();
        _ = serve;
    }

    [Test]
    public void PostAsync_NothingListening_ThrowsHttpRequestException()
    {
        using var transport = new HttpTransport();
        var uri = new Uri($"http://127.0.0.1:{HttpTestServer.FreePort()}/");

        Assert.ThrowsAsync<HttpRequestException>(() =>
            transport.PostAsync(uri, new byte[] { 1 }, "text/plain", HttpContentEncoding.None, null, CancellationToken.None));
    }

    [Test]
    public async Task PostAsync_ServerRefusesThenAccepts_FailsWithHttpRequestExceptionThenSucceeds()
    {
        using var server = HttpTestServer.Start();
        using var transport = new HttpTransport();
        server.RefuseConnections();

        Assert.ThrowsAsync<HttpRequestException>(() =>
            transport.PostAsync(server.BaseAddress, new byte[] { 1 }, "text/plain", HttpContentEncoding.None, null, CancellationToken.None));

        server.AcceptConnections();
        var response = await transport.PostAsync(server.BaseAddress, "x"u8.ToArray(), "text/plain", HttpContentEncoding.None, null, CancellationToken.None);

        Assert.That(response.StatusCode, Is.EqualTo(204));
        Assert.That(server.Requests.Select(r => r.Body), Is.EqualTo(new[] { "x" }), "only the request made while accepting arrived");
    }

    [Test]
    public void PostAsync_ServerStallsPastTimeout_ThrowsTaskCanceled()
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(TestResponse.Stall(TimeSpan.FromSeconds(3)));
        using var transport = new HttpTransport(timeout: TimeSpan.FromMilliseconds(300));

        Assert.ThrowsAsync<TaskCanceledException>(() =>
            transport.PostAsync(server.BaseAddress, new byte[] { 1 }, "text/plain", HttpContentEncoding.None, null, CancellationToken.None));
    }

    [Test]
    public void PostAsync_ServerDropsConnectionMidResponse_ThrowsInsteadOfReturningAStatus()
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(TestResponse.Abort());
        using var transport = new HttpTransport();

        var ex = Assert.CatchAsync(() =>
            transport.PostAsync(server.BaseAddress, new byte[] { 1 }, "text/plain", HttpContentEncoding.None, null, CancellationToken.None));
        Assert.That(ex, Is.InstanceOf<HttpRequestException>().Or.InstanceOf<IOException>());
    }
}
