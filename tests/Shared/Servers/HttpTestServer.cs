using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Metrics.Testing;

/// <summary>A request the <see cref="HttpTestServer"/> received, with its body decompressed.</summary>
internal sealed record RecordedRequest(
    string Method,
    string Path,
    string Query,
    IReadOnlyDictionary<string, string> Headers,
    string Body,
    byte[] RawBody)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>What the <see cref="HttpTestServer"/> answers.</summary>
internal sealed record TestResponse(int Status, string Body = "", IReadOnlyDictionary<string, string>? Headers = null)
{
    /// <summary>Wait this long before answering (204).</summary>
    public TimeSpan StallFor { get; init; }

    /// <summary>Close the connection mid-response (headers and part of the promised body, then the connection drops).</summary>
    public bool AbortConnection { get; init; }

    public static TestResponse Stall(TimeSpan duration, int status = 204) => new(status) { StallFor = duration };

    public static TestResponse Abort() => new(0) { AbortConnection = true };

    public static TestResponse Json(int status, string json) =>
        new(status, json, new Dictionary<string, string> { ["Content-Type"] = "application/json" });
}

/// <summary>
/// An HTTP server on 127.0.0.1 that records requests (bodies decompressed from gzip or zlib) and answers from a
/// script: queued responses in order, then <see cref="Handler"/>, then 204.
/// </summary>
internal sealed class HttpTestServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentQueue<TestResponse> _script = new();

    private HttpTestServer(int port)
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseAddress.ToString());
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public Uri BaseAddress { get; }

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    /// <summary>Answers requests when no scripted response is queued.</summary>
    public Func<RecordedRequest, TestResponse>? Handler { get; set; }

    public static HttpTestServer Start()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new HttpTestServer(FreePort());
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }
    }

    /// <summary>Stops listening: connections to <see cref="BaseAddress"/> are refused until <see cref="AcceptConnections"/>.</summary>
    public void RefuseConnections()
    {
        lock (_listener)
        {
            if (_listener.IsListening)
            {
                _listener.Stop();
            }
        }
    }

    /// <summary>Listens again on the same address after <see cref="RefuseConnections"/>.</summary>
    public void AcceptConnections()
    {
        lock (_listener)
        {
            if (!_listener.IsListening)
            {
                _listener.Start();
                _ = Task.Run(LoopAsync);
            }
        }
    }

    public void Enqueue(params TestResponse[] responses)
    {
        foreach (var r in responses)
        {
            _script.Enqueue(r);
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> requests arrived; fails the test on timeout.</summary>
    public async Task<IReadOnlyList<RecordedRequest>> WaitForRequestsAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_requests.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Expected {count} requests within {timeout}, got {_requests.Count}.");
            }

            await Task.Delay(10);
        }

        return Requests;
    }

    public void Dispose()
    {
        try
        {
            _listener.Stop();
            _listener.Close();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    internal static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static byte[] Decompress(byte[] raw, string? encoding)
    {
        if (string.IsNullOrEmpty(encoding))
        {
            return raw;
        }

        using var input = new MemoryStream(raw);
        using Stream z = encoding.Trim().ToLowerInvariant() switch
        {
            "gzip" => new GZipStream(input, CompressionMode.Decompress),
            "deflate" => new ZLibStream(input, CompressionMode.Decompress),
            _ => throw new InvalidDataException("Unknown Content-Encoding " + encoding),
        };
        using var output = new MemoryStream();
        z.CopyTo(output);
        return output.ToArray();
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            var req = context.Request;
            using var ms = new MemoryStream();
            await req.InputStream.CopyToAsync(ms);
            var raw = ms.ToArray();
            var headers = req.Headers.AllKeys.Where(k => k != null).ToDictionary(k => k!, k => req.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            string body;
            try
            {
                body = Encoding.UTF8.GetString(Decompress(raw, req.Headers["Content-Encoding"]));
            }
            catch (InvalidDataException ex)
            {
                body = "<undecodable body: " + ex.Message + ">";
            }

            var recorded = new RecordedRequest(req.HttpMethod, req.Url!.AbsolutePath, req.Url.Query.TrimStart('?'), headers, body, raw);
            _requests.Enqueue(recorded);

            var response = _script.TryDequeue(out var scripted) ? scripted : Handler?.Invoke(recorded) ?? new TestResponse(204);
            if (response.StallFor > TimeSpan.Zero)
            {
                await Task.Delay(response.StallFor);
            }

            if (response.AbortConnection)
            {
                // Promise a body, send part of it, then drop the connection: the client sees the response end early.
                context.Response.StatusCode = 200;
                context.Response.ContentLength64 = 1024;
                await context.Response.OutputStream.WriteAsync(new byte[16]);
                await context.Response.OutputStream.FlushAsync();
                context.Response.Abort();
                return;
            }

            context.Response.StatusCode = response.Status;
            if (response.Headers != null)
            {
                foreach (var (k, v) in response.Headers)
                {
                    if (k.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                    {
                        context.Response.ContentType = v;
                    }
                    else
                    {
                        context.Response.Headers[k] = v;
                    }
                }
            }

            var bytes = Encoding.UTF8.GetBytes(response.Body);
            context.Response.ContentLength64 = bytes.Length;
            if (bytes.Length > 0)
            {
                await context.Response.OutputStream.WriteAsync(bytes);
            }

            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or IOException)
        {
        }
    }
}
