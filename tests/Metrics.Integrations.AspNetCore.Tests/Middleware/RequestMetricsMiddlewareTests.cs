using System.Net;
using System.Text;
using Metrics.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Metrics.Integrations.AspNetCore.Tests.Middleware;

public class RequestMetricsMiddlewareTests
{
    private const string Requests = "http.server.requests";

    private static Tags Route(string route, string method, int status) =>
        new(("route", route), ("method", method), ("status", status.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static void MapShop(WebApplication app, ManualTimeProvider clock)
    {
        app.MapGet("/orders/{id}", (int id) => id == 0 ? Results.NotFound() : Results.Ok(new { id }));
        app.MapPost("/orders", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            return Results.Text($"created {body.Length} (Content-Length: {request.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"})");
        });
        app.MapGet("/fail", string () => throw new InvalidOperationException("boom"));
        app.MapGet("/unavailable", () => Results.StatusCode(503));
        app.MapGet("/slow/{ms}", (int ms) =>
        {
            clock.Advance(TimeSpan.FromMilliseconds(ms));
            return "done";
        });
        app.MapGet("/health", () => "ok");
        app.MapGet("/internal/stats", () => "stats");
        app.MapGet("/chunked", async (HttpResponse response) =>
        {
            await response.WriteAsync("hello, ");
            await response.WriteAsync("world");
        });
        app.MapMetrics();
        app.MapMetricsJson();
    }

    [Test]
    public async Task Request_TwoIdsOfOneRoute_OneSeriesTaggedWithTheTemplate()
    {
        await using var app = await TestApp.StartAsync(MapShop);

        await app.Client.GetAsync(new Uri("/orders/1", UriKind.Relative));
        await app.Client.GetAsync(new Uri("/orders/2", UriKind.Relative));

        var series = app.Series(Requests);
        Assert.That(series, Has.Count.EqualTo(1));
        Assert.That(series[0].Tags, Is.EqualTo(Route("/orders/{id}", "GET", 200)));
        Assert.That(series[0].Count, Is.EqualTo(2));
    }

    [Test]
    public async Task Request_NoEndpointMatches_CountedInOneUnmatchedSeries()
    {
        await using var app = await TestApp.StartAsync(MapShop);

        await app.Client.GetAsync(new Uri("/nope/1", UriKind.Relative));
        await app.Client.GetAsync(new Uri("/other/path?x=2", UriKind.Relative));

        var series = app.Series(Requests);
        Assert.That(series.Select(s => (s.Tags, s.Count)), Is.EqualTo(new[] { (Route("unmatched", "GET", 404), 2L) }));
    }

    [Test]
    public async Task Request_UnmatchedRouteOption_NamesTheBucket()
    {
        await using var app = await TestApp.StartAsync(MapShop, o => o.UnmatchedRoute = "(none)");

        await app.Client.GetAsync(new Uri("/nope", UriKind.Relative));

        Assert.That(app.Series(Requests).Single().Tags["route"], Is.EqualTo("(none)"));
    }

    [Test]
    public async Task Request_DifferentStatusCodes_OneSeriesPerStatus()
    {
        await using var app = await TestApp.StartAsync(MapShop);

        await app.Client.GetAsync(new Uri("/orders/1", UriKind.Relative));
        await app.Client.GetAsync(new Uri("/orders/0", UriKind.Relative));
        await app.Client.GetAsync(new Uri("/orders/0", UriKind.Relative));

        var counts = app.Series(Requests).ToDictionary(s => s.Tags["status"], s => s.Count);
        Assert.That(counts, Is.EqualTo(new Dictionary<string, long> { ["200"] = 1, ["404"] = 2 }));
    }

    [Test]
    public async Task Request_SlowEndpoint_TimerRecordsItsDuration()
    {
        await using var app = await TestApp.StartAsync(MapShop);

        await app.Client.GetAsync(new Uri("/slow/250", UriKind.Relative));

        var timer = app.Series(Requests).Single();
        Assert.That(timer.Tags["route"], Is.EqualTo("/slow/{ms}"));
        Assert.That(timer.Histogram!.Max / 1e6, Is.EqualTo(250).Within(1).Percent, "milliseconds");
    }

    [Test]
    public async Task Request_EndpointThrows_CountedAsErrorAndRethrown()
    {
        Exception? seen = null;
        await using var app = await TestApp.StartAsync(MapShop, outer: a => a.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (InvalidOperationException ex)
            {
                seen = ex;
                context.Response.StatusCode = 500;
            }
        }));

        var response = await app.Client.GetAsync(new Uri("/fail", UriKind.Relative));

        Assert.That(seen?.Message, Is.EqualTo("boom"), "the exception reaches the middleware outside");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
        var errors = app.Series("http.server.errors").Single();
        Assert.That(errors.Tags, Is.EqualTo(new Tags(("route", "/fail"), ("method", "GET"), ("error", "exception"))));
        Assert.That(errors.Count, Is.EqualTo(1));
        Assert.That(app.Series(Requests).Single().Tags["status"], Is.EqualTo("500"));
    }

    [Test]
    public async Task Request_ClientGivesUp_Recorded499NotAnErrorAndLeftOutOfApdex()
    {
        // Continuations run elsewhere: this test must not go on (and block below) on the request's own thread.
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await TestApp.StartAsync(
            (a, _) => a.MapGet("/long", async (HttpContext context) =>
            {
                entered.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }),
            o => o.ApdexThreshold = TimeSpan.FromSeconds(1),
            outer: a => a.Use(async (context, next) =>
            {
                try
                {
                    await next(context);
                }
                catch (OperationCanceledException)
                {
                    // What the server does with a request its client abandoned.
                }
            }));
        using var cancel = new CancellationTokenSource();

        var request = app.Client.GetAsync(new Uri("/long", UriKind.Relative), cancel.Token);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cancel.CancelAsync();
        Assert.CatchAsync<OperationCanceledException>(() => request.WaitAsync(TimeSpan.FromSeconds(10)));
        await WaitUntilAsync(() => app.Series(Requests).Count == 1);

        Assert.That(app.Series(Requests).Single().Tags, Is.EqualTo(Route("/long", "GET", 499)));
        Assert.That(app.Series("http.server.errors").Sum(s => s.Count), Is.Zero, "not a server error");
        Assert.That(app.Series("http.server.apdex").Where(s => !double.IsNaN(s.Value)), Is.Empty, "no Apdex sample");
    }

    [Test]
    public async Task Request_ClientGivesUpAndTheAppCatchesIt_Recorded499NotA200()
    {
        // Continuations run elsewhere: this test must not go on (and block below) on the request's own thread.
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await TestApp.StartAsync(
            (a, _) => a.MapGet("/long", async (HttpContext context) =>
            {
                entered.TrySetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // The app notices the client left and simply returns.
                }
            }),
            o => o.ApdexThreshold = TimeSpan.FromSeconds(1));
        using var cancel = new CancellationTokenSource();

        var request = app.Client.GetAsync(new Uri("/long", UriKind.Relative), cancel.Token);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cancel.CancelAsync();
        Assert.CatchAsync<OperationCanceledException>(() => request.WaitAsync(TimeSpan.FromSeconds(10)));
        await WaitUntilAsync(() => app.Series(Requests).Count == 1);

        Assert.That(app.Series(Requests).Single().Tags, Is.EqualTo(Route("/long", "GET", 499)), "the client got no 200");
        Assert.That(app.Series("http.server.errors").Sum(s => s.Count), Is.Zero, "not a server error");
        Assert.That(app.Series("http.server.apdex").Where(s => !double.IsNaN(s.Value)), Is.Empty, "no Apdex sample");
    }

    [Test]
    public async Task Request_ServerRequestTimeoutFires_Recorded504AsAServerErrorNotAClientThatGaveUp()
    {
        var clock = new ManualTimeProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddMetricsRegistry();
        builder.Services.AddRequestTimeouts();
        await using var app = builder.Build();
        app.UseRouting();
        app.UseRequestTimeouts();   // before the metrics: the metrics see the request's timeout token as RequestAborted
        app.UseRequestMetrics(o => o.ApdexThreshold = TimeSpan.FromSeconds(1));
        app.MapGet("/report", async (HttpContext context) => await Task.Delay(Timeout.Infinite, context.RequestAborted))
            .WithRequestTimeout(TimeSpan.FromMilliseconds(50));
        await app.StartAsync();
        using var client = app.GetTestClient();

        using var response = await client.GetAsync(new Uri("/report", UriKind.Relative));

        var registry = app.Services.GetRequiredService<MetricsRegistry>();
        var series = registry.CreateReader().Read().ToList();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.GatewayTimeout));
        Assert.That(series.Single(s => s.Name == Requests).Tags, Is.EqualTo(Route("/report", "GET", 504)));
        Assert.That(series.Where(s => s.Name == "http.server.errors").Select(s => (s.Tags["error"], s.Count)), Is.EqualTo(new[] { ("5xx", 1L) }));
        Assert.That(series.Single(s => s.Name == "http.server.apdex").Value, Is.Zero, "frustrated");
    }

    // A host whose request timeouts (UseRequestTimeouts before the metrics) are set by configure and route.
    private static async Task<WebApplication> StartTimeoutHostAsync(
        Action<RequestTimeoutOptions> configure, Func<WebApplication, IEndpointConventionBuilder> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton<TimeProvider>(new ManualTimeProvider());
        builder.Services.AddMetricsRegistry();
        builder.Services.AddRequestTimeouts(configure);
        var app = builder.Build();
        app.UseRouting();
        app.UseRequestTimeouts();
        app.UseRequestMetrics(o => o.ApdexThreshold = TimeSpan.FromSeconds(1));
        map(app);
        await app.StartAsync();
        return app;
    }

    private static RequestDelegate WaitForTheTimeout => async context => await Task.Delay(Timeout.Infinite, context.RequestAborted);

    [Test]
    public async Task Request_TimeoutPolicyWithItsOwnStatusFires_RecordedWithThatStatus()
    {
        var policy = new RequestTimeoutPolicy { Timeout = TimeSpan.FromMilliseconds(50), TimeoutStatusCode = 503 };
        await using var app = await StartTimeoutHostAsync(_ => { }, a => a.MapGet("/report", WaitForTheTimeout).WithRequestTimeout(policy));
        using var client = app.GetTestClient();

        using var response = await client.GetAsync(new Uri("/report", UriKind.Relative));

        var series = app.Services.GetRequiredService<MetricsRegistry>().CreateReader().Read().ToList();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(series.Single(s => s.Name == Requests).Tags["status"], Is.EqualTo("503"), "what the client got");
        Assert.That(series.Where(s => s.Name == "http.server.errors").Select(s => (s.Tags["error"], s.Count)), Is.EqualTo(new[] { ("5xx", 1L) }));
    }

    [Test]
    public async Task Request_NamedOrDefaultTimeoutPolicyWithItsOwnStatusFires_RecordedWithThatStatus()
    {
        await using var app = await StartTimeoutHostAsync(
            o =>
            {
                o.AddPolicy("reports", new RequestTimeoutPolicy { Timeout = TimeSpan.FromMilliseconds(50), TimeoutStatusCode = 503 });
                o.DefaultPolicy = new RequestTimeoutPolicy { Timeout = TimeSpan.FromMilliseconds(50), TimeoutStatusCode = 500 };
            },
            a =>
            {
                a.MapGet("/plain", WaitForTheTimeout);
                a.MapGet("/explicit", WaitForTheTimeout).WithRequestTimeout(TimeSpan.FromMilliseconds(50));
                return a.MapGet("/report", WaitForTheTimeout).WithRequestTimeout("reports");
            });
        using var client = app.GetTestClient();

        var statuses = new Dictionary<string, int>();
        foreach (var path in new[] { "/report", "/plain", "/explicit" })
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            statuses[path] = (int)response.StatusCode;
        }

        var recorded = app.Services.GetRequiredService<MetricsRegistry>().CreateReader().Read()
            .Where(s => s.Name == Requests)
            .ToDictionary(s => s.Tags["route"], s => int.Parse(s.Tags["status"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(statuses, Is.EqualTo(new Dictionary<string, int> { ["/report"] = 503, ["/plain"] = 500, ["/explicit"] = 504 }), "what the timeout middleware answers");
        Assert.That(recorded, Is.EqualTo(statuses), "the metrics agree with the clients");
    }

    [Test]
    public async Task Request_TimeoutPolicyWritesItsOwnResponse_RecordedWithTheStatusTheClientGot()
    {
        var policy = new RequestTimeoutPolicy
        {
            Timeout = TimeSpan.FromMilliseconds(50),
            TimeoutStatusCode = 503,
            WriteTimeoutResponse = async context =>
            {
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.Response.Headers.RetryAfter = "5";
                await context.Response.WriteAsync("busy, try again");
            },
        };
        await using var app = await StartTimeoutHostAsync(_ => { }, a => a.MapGet("/report", WaitForTheTimeout).WithRequestTimeout(policy));
        using var client = app.GetTestClient();

        using var response = await client.GetAsync(new Uri("/report", UriKind.Relative));

        var series = app.Services.GetRequiredService<MetricsRegistry>().CreateReader().Read().ToList();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(series.Where(s => s.Name == Requests).Select(s => (s.Tags["status"], s.Count)), Is.EqualTo(new[] { ("429", 1L) }), "what the client got");
        Assert.That(series.Where(s => s.Name == "http.server.errors").Sum(s => s.Count), Is.Zero, "a 429 is no server error");
    }

    [Test]
    public async Task Request_TimeoutPolicyWritesABodyWithoutChangingTheStatus_RecordedWithThePolicyStatus()
    {
        var policy = new RequestTimeoutPolicy
        {
            Timeout = TimeSpan.FromMilliseconds(50),
            TimeoutStatusCode = 503,
            WriteTimeoutResponse = context => context.Response.WriteAsync("timed out"),
        };
        await using var app = await StartTimeoutHostAsync(_ => { }, a => a.MapGet("/report", WaitForTheTimeout).WithRequestTimeout(policy));
        using var client = app.GetTestClient();

        using var response = await client.GetAsync(new Uri("/report", UriKind.Relative));

        var series = app.Services.GetRequiredService<MetricsRegistry>().CreateReader().Read().ToList();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(series.Where(s => s.Name == Requests).Select(s => (s.Tags["status"], s.Count)), Is.EqualTo(new[] { ("503", 1L) }));
        Assert.That(series.Where(s => s.Name == "http.server.errors").Select(s => (s.Tags["error"], s.Count)), Is.EqualTo(new[] { ("5xx", 1L) }));
    }

    [Test]
    public async Task Request_TimeoutPolicyResponseThrowsOnKestrel_RecordedWithTheServers500()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddMetricsRegistry();
        builder.Services.AddRequestTimeouts();
        await using var app = builder.Build();
        app.UseRouting();
        app.UseRequestTimeouts();
        app.UseRequestMetrics();
        var policy = new RequestTimeoutPolicy
        {
            Timeout = TimeSpan.FromMilliseconds(50),
            TimeoutStatusCode = 503,
            WriteTimeoutResponse = _ => throw new InvalidOperationException("the timeout page failed"),
        };
        app.MapGet("/report", WaitForTheTimeout).WithRequestTimeout(policy);
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        using var response = await client.GetAsync(new Uri("/report", UriKind.Relative));

        // Kestrel answers the exception with a 500; the request is recorded once that response is done.
        var registry = app.Services.GetRequiredService<MetricsRegistry>();
        List<MetricSnapshot> Requested() => registry.CreateReader().Read().Where(s => s.Name == Requests).ToList();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Requested().Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
        Assert.That(Requested().Select(s => (s.Tags["status"], s.Count)), Is.EqualTo(new[] { ("500", 1L) }), "what the client got");
    }

    [Test]
    public async Task Request_AppCatchesTheServerTimeoutAndReturns_RecordedWithTheStatusItSent()
    {
        await using var app = await StartTimeoutHostAsync(
            _ => { },
            a => a.MapGet("/report", async (HttpContext context) =>
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // The app gives up quietly: the timeout middleware has no exception to answer, so the client gets
                    // the app's own (default) status.
                }
            }).WithRequestTimeout(TimeSpan.FromMilliseconds(50)));
        using var client = app.GetTestClient();

        using var response = await client.GetAsync(new Uri("/report", UriKind.Relative));

        var series = app.Services.GetRequiredService<MetricsRegistry>().CreateReader().Read().ToList();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(series.Single(s => s.Name == Requests).Tags["status"], Is.EqualTo("200"), "what the client got");
        Assert.That(series.Where(s => s.Name == "http.server.errors").Sum(s => s.Count), Is.Zero);
    }

    [Test]
    public async Task Request_KestrelRejectsIt_RecordedWithTheStatusTheClientGets()
    {
        await using var app = await TestApp.StartAsync(
            (a, _) => a.MapPost("/upload", string () => throw new BadHttpRequestException("Request body too large.", 413)),
            outer: a => a.Use(async (context, next) =>
            {
                try
                {
                    await next(context);
                }
                catch (BadHttpRequestException ex)
                {
                    // What Kestrel does with it (the test server would hand it to the client instead).
                    context.Response.StatusCode = ex.StatusCode;
                }
            }));

        var response = await app.Client.PostAsync(new Uri("/upload", UriKind.Relative), new StringContent("x"));

        Assert.That((int)response.StatusCode, Is.EqualTo(413));
        Assert.That(app.Series(Requests).Single().Tags, Is.EqualTo(Route("/upload", "POST", 413)));
        Assert.That(app.Series("http.server.errors").Sum(s => s.Count), Is.Zero);
    }

    [Test]
    public async Task Request_KestrelRefusesABodyOverItsLimit_DeclaredSizeNotRecorded()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = 100;
            k.Listen(IPAddress.Loopback, 0);
        });
        builder.Services.AddMetricsRegistry();
        await using var app = builder.Build();
        app.UseRequestMetrics();
        app.MapPost("/upload", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            return (await reader.ReadToEndAsync()).Length;
        });
        app.MapPost("/ignore", () => "ignored");
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        // Kestrel closes the connection of a body it will not read: the client may see its response or a reset, and
        // each request has a connection of its own so that none is sent on a connection already closed.
        async Task PostAsync(string path, int bytes)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new StringContent(new string('x', bytes)) };
                request.Headers.ConnectionClose = true;
                using var response = await client.SendAsync(request);
            }
            catch (HttpRequestException)
            {
            }
        }

        await PostAsync("/upload", 5000);
        await PostAsync("/ignore", 5000);
        await PostAsync("/upload", 60);

        // A response can reach the client before the middleware has recorded its request.
        var registry = app.Services.GetRequiredService<MetricsRegistry>();
        await WaitUntilAsync(() => registry.CreateReader().Read().Where(s => s.Name == Requests).Sum(s => s.Count) == 3);

        var series = registry.CreateReader().Read().ToList();
        var requests = series.Where(s => s.Name == Requests).ToDictionary(s => (s.Tags["route"], s.Tags["status"]), s => s.Count);
        Assert.That(requests, Is.EqualTo(new Dictionary<(string, string), long> { [("/upload", "413")] = 1, [("/upload", "200")] = 1, [("/ignore", "200")] = 1 }));
        var sizes = series.Where(s => s.Name == "http.server.request.size").ToDictionary(s => s.Tags["route"], s => (s.Count, s.Histogram!.Max));
        Assert.That(sizes, Is.EqualTo(new Dictionary<string, (long, double)> { ["/upload"] = (1, 60) }), "the 5000 bytes Kestrel refused were never received");
    }

    [Test]
    public async Task Request_WebSocketSession_TimedAs101WithoutApdexSampleOrBodySizes()
    {
        await using var app = await TestApp.StartAsync(
            (a, clock) => a.Map("/ws", async (HttpContext context) =>
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                var buffer = new byte[64];
                var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                clock.Advance(TimeSpan.FromMinutes(30));   // a session, not a slow answer
                await socket.SendAsync(buffer.AsMemory(0, received.Count), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
                await socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
            }),
            o => o.ApdexThreshold = TimeSpan.FromMilliseconds(100),
            outer: a => a.UseWebSockets());
        var client = app.App.GetTestServer().CreateWebSocketClient();

        using var socket = await client.ConnectAsync(new Uri("ws://localhost/ws"), CancellationToken.None);
        await socket.SendAsync("hello"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64];
        var echo = await socket.ReceiveAsync(buffer, CancellationToken.None);
        await socket.ReceiveAsync(buffer, CancellationToken.None);
        await WaitUntilAsync(() => app.Series(Requests).Count == 1);

        Assert.That(echo.Count, Is.EqualTo(5));
        var timer = app.Series(Requests).Single();
        Assert.That((timer.Tags, timer.Count), Is.EqualTo((Route("/ws", "GET", 101), 1L)));
        Assert.That(app.Series("http.server.apdex").Where(s => !double.IsNaN(s.Value)), Is.Empty, "a 30-minute session is not a frustrated user");
        Assert.That(app.Series("http.server.request.size").Concat(app.Series("http.server.response.size")), Is.Empty, "the session's bytes go past the body streams");
    }

    [Test]
    public async Task Request_InnerMiddlewareKeepsItsBodyWrappers_LaterWritesAndReadsStillReachThisRequest()
    {
        await using var app = await TestApp.StartAsync(
            (a, _) =>
            {
                // A middleware after this one that wraps both bodies and does not put the originals back.
                a.Use(async (context, next) =>
                {
                    context.Response.Body = new PassThroughStream(context.Response.Body);
                    context.Request.Body = new PassThroughStream(context.Request.Body);
                    await next(context);
                });
                a.MapPost("/missing", async (HttpRequest request) =>
                {
                    var first = new byte[4];
                    await request.Body.ReadExactlyAsync(first);
                    return Results.NotFound();
                });
            },
            outer: a => a.Use(async (context, next) =>
            {
                // A middleware before this one that reads the rest of the body and writes the response after the pipeline.
                await next(context);
                using var reader = new StreamReader(context.Request.Body);
                var rest = await reader.ReadToEndAsync();
                await context.Response.WriteAsync($"not found; the rest was '{rest}'");
            }));
        var content = new StreamContent(new MemoryStream("abcdefgh"u8.ToArray()));
        content.Headers.ContentLength = null;

        var response = await app.Client.PostAsync(new Uri("/missing", UriKind.Relative), content);

        Assert.That((response.StatusCode, await response.Content.ReadAsStringAsync()), Is.EqualTo((HttpStatusCode.NotFound, "not found; the rest was 'efgh'")));
        Assert.That(app.Series(Requests).Single().Tags, Is.EqualTo(Route("/missing", "POST", 404)));
    }

    private sealed class PassThroughStream(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => false;

        public override bool CanWrite => inner.CanWrite;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);
    }

    [Test]
    public async Task Request_ExceptionHandlerReExecutes_OneRequestOneSample()
    {
        await using var app = await TestApp.StartAsync(
            (a, _) =>
            {
                a.MapGet("/boom", string () => throw new InvalidOperationException("boom"));
                a.MapGet("/error", () => Results.Problem("sorry"));
            },
            outer: a => a.UseExceptionHandler("/error"));

        var response = await app.Client.GetAsync(new Uri("/boom", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
        Assert.That(app.Series(Requests).Single().Tags, Is.EqualTo(Route("/boom", "GET", 500)));
        Assert.That(app.Series(Requests).Single().Count, Is.EqualTo(1));
        Assert.That(app.Series("http.server.errors").Select(s => (s.Tags["error"], s.Count)), Is.EqualTo(new[] { ("exception", 1L) }));
    }

    [Test]
    public async Task Request_PathBaseAfterTheMiddleware_ExcludedPathsStillApply()
    {
        await using var app = await TestApp.StartAsync((a, _) =>
        {
            a.UsePathBase("/base");
            a.UseRouting();
            a.MapGet("/health", () => "ok");
            a.MapGet("/orders", () => "orders");
        });

        await app.Client.GetAsync(new Uri("/base/health", UriKind.Relative));
        await app.Client.GetAsync(new Uri("/base/orders", UriKind.Relative));

        Assert.That(app.Series(Requests).Select(s => s.Tags["route"]), Is.EqualTo(new[] { "/orders" }));
    }

    [Test]
    public async Task Request_Head_ResponseSizeIsZero()
    {
        await using var app = await TestApp.StartAsync((a, _) => a.MapMethods("/file", ["HEAD"], (HttpContext context) =>
        {
            context.Response.ContentLength = 1000;
            return Task.CompletedTask;
        }));

        await app.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri("/file", UriKind.Relative)));

        var size = app.Series("http.server.response.size").Single();
        Assert.That((size.Count, size.Histogram!.Sum), Is.EqualTo((1L, 0.0)));
    }

    [Test]
    public async Task MetricsEndpoints_Head_AnsweredAndNotMeasured()
    {
        await using var app = await TestApp.StartAsync(MapShop);

        var prometheus = await app.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri("/metrics", UriKind.Relative)));
        var json = await app.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri("/metrics/json", UriKind.Relative)));

        Assert.That((prometheus.StatusCode, json.StatusCode), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.OK)));
        Assert.That(app.Series(Requests), Is.Empty);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "timed out waiting");
            await Task.Delay(5);
        }
    }

    [Test]
    public async Task Request_ServerErrorStatus_CountedAs5xx()
    {
        await using var app = await TestApp.StartAsync(MapShop);

        await app.Client.GetAsync(new Uri("/unavailable", UriKind.Relative));
        await app.Client.GetAsync(new Uri("/orders/0", UriKind.Relative));

        var errors = app.Series("http.server.errors").Single();
        Assert.That(errors.Tags, Is.EqualTo(new Tags(("route", "/unavailable"), ("method", "GET"), ("error", "5xx"))));
        Assert.That(errors.Count, Is.EqualTo(1), "a 404 is not a server error");
    }

    [Test]
    public async Task Request_BodiesWithContentLength_SizesRecorded()
    {
        await using var app = await TestApp.StartAsync(MapShop);
        var body = new string('x', 300);

        var response = await app.Client.PostAsync(new Uri("/orders", UriKind.Relative), new StringContent(body, Encoding.UTF8, "text/plain"));
        var received = await response.Content.ReadAsByteArrayAsync();

        var request = app.Series("http.server.request.size").Single();
        var responseSize = app.Series("http.server.response.size").Single();
        Assert.That(request.Tags, Is.EqualTo(new Tags(("route", "/orders"), ("method", "POST"))));
        Assert.That(request.Histogram!.Sum, Is.EqualTo(300));
        Assert.That(responseSize.Histogram!.Sum, Is.EqualTo(received.Length));
    }

    [Test]
    public async Task Request_ChunkedBodies_BytesCounted()
    {
        await using var app = await TestApp.StartAsync(MapShop);
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(new string('y', 1000))));
        content.Headers.ContentLength = null;

        var posted = await app.Client.PostAsync(new Uri("/orders", UriKind.Relative), content);
        var chunked = await app.Client.GetAsync(new Uri("/chunked", UriKind.Relative));

        Assert.That(await posted.Content.ReadAsStringAsync(), Is.EqualTo("created 1000 (Content-Length: none)"));
        Assert.That(chunked.Content.Headers.ContentLength, Is.Null.Or.EqualTo(12));
        Assert.That(app.Series("http.server.request.size").Single().Histogram!.Sum, Is.EqualTo(1000));
        var sizes = app.Series("http.server.response.size").ToDictionary(s => s.Tags["route"], s => s.Histogram!.Sum);
        Assert.That(sizes["/chunked"], Is.EqualTo("hello, world".Length));
    }

    [Test]
    public async Task Request_CountBodyBytesOff_OnlyContentLengthIsMeasured()
    {
        await using var app = await TestApp.StartAsync(MapShop, o => o.CountBodyBytes = false);

        await app.Client.GetAsync(new Uri("/chunked", UriKind.Relative));

        Assert.That(app.Series("http.server.response.size"), Is.Empty);
        Assert.That(app.Series(Requests).Single().Count, Is.EqualTo(1));
    }

    [Test]
    public async Task Request_ExcludedPathsAndMetricsEndpoints_NotMeasured()
    {
        await using var app = await TestApp.StartAsync(MapShop, o => o.ExcludedPaths.Add("/internal"));

        await app.Client.GetAsync(new Uri("/health", UriKind.Relative));
        await app.Client.GetAsync(new Uri("/HEALTH/", UriKind.Relative));
        await app.Client.GetAsync(new Uri("/internal/stats", UriKind.Relative));
        await app.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
        await app.Client.GetAsync(new Uri("/metrics/json", UriKind.Relative));
        await app.Client.GetAsync(new Uri("/orders/1", UriKind.Relative));

        Assert.That(app.Series(Requests).Select(s => s.Tags["route"]), Is.EqualTo(new[] { "/orders/{id}" }));
    }

    [Test]
    public async Task Request_UnknownMethod_SharesTheOtherSeries()
    {
        await using var app = await TestApp.StartAsync(MapShop);

        await app.Client.SendAsync(new HttpRequestMessage(new HttpMethod("FOO"), new Uri("/x", UriKind.Relative)));
        await app.Client.SendAsync(new HttpRequestMessage(new HttpMethod("BAR"), new Uri("/x", UriKind.Relative)));

        var series = app.Series(Requests).Single();
        Assert.That(series.Tags["method"], Is.EqualTo("OTHER"));
        Assert.That(series.Count, Is.EqualTo(2));
    }

    [Test]
    public async Task Request_InFlight_ActiveRequestsGaugeFollows()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new CountdownEvent(3);
        await using var app = await TestApp.StartAsync((a, _) => a.MapGet("/wait", async () =>
        {
            entered.Signal();
            await release.Task;
            return "released";
        }));
        var gauge = app.Registry.SettableGauge("http.server.active_requests");

        var calls = Enumerable.Range(0, 3).Select(_ => app.Client.GetAsync(new Uri("/wait", UriKind.Relative))).ToArray();
        Assert.That(entered.Wait(TimeSpan.FromSeconds(10)), Is.True);
        var during = gauge.Value;
        release.SetResult();
        await Task.WhenAll(calls);

        Assert.That(during, Is.EqualTo(3));
        Assert.That(gauge.Value, Is.EqualTo(0));
    }

    [Test]
    public async Task Request_ManyThreadsOneRoute_ExactTotals()
    {
        await using var app = await TestApp.StartAsync(MapShop);
        const int threads = 8;
        const int perThread = 100;

        var workers = Enumerable.Range(0, threads).Select(t => Task.Run(async () =>
        {
            for (var i = 1; i <= perThread; i++)
            {
                using var response = await app.Client.GetAsync(new Uri($"/orders/{(t * perThread) + i}", UriKind.Relative));
            }
        }));
        await Task.WhenAll(workers);

        var series = app.Series(Requests).Single();
        Assert.That(series.Count, Is.EqualTo(threads * perThread));
        Assert.That(app.Series("http.server.response.size").Single().Histogram!.Count, Is.EqualTo(threads * perThread));
        Assert.That(app.Registry.SettableGauge("http.server.active_requests").Value, Is.EqualTo(0));
    }

    [Test]
    public async Task Apdex_MixedRequests_ScoreCountsSatisfiedToleratingFrustrated()
    {
        await using var app = await TestApp.StartAsync(MapShop, o => o.ApdexThreshold = TimeSpan.FromMilliseconds(100));
        Assert.That(app.Series("http.server.apdex"), Is.Empty, "no score before the first request");

        await app.Client.GetAsync(new Uri("/slow/50", UriKind.Relative));   // satisfied
        await app.Client.GetAsync(new Uri("/slow/100", UriKind.Relative));  // satisfied (= T)
        await app.Client.GetAsync(new Uri("/slow/300", UriKind.Relative));  // tolerating
        await app.Client.GetAsync(new Uri("/slow/1000", UriKind.Relative)); // frustrated

        var score = app.Series("http.server.apdex").Single();
        Assert.That(score.Tags, Is.EqualTo(new Tags(("route", "/slow/{ms}"))));
        Assert.That(score.Value, Is.EqualTo((2 + 0.5) / 4));
    }

    [Test]
    public async Task Apdex_ServerErrors_AreFrustrated()
    {
        await using var app = await TestApp.StartAsync(MapShop, o => o.ApdexThreshold = TimeSpan.FromSeconds(1));

        await app.Client.GetAsync(new Uri("/unavailable", UriKind.Relative));
        await app.Client.GetAsync(new Uri("/orders/1", UriKind.Relative));

        var scores = app.Series("http.server.apdex").ToDictionary(s => s.Tags["route"], s => s.Value);
        Assert.That(scores, Is.EqualTo(new Dictionary<string, double> { ["/unavailable"] = 0, ["/orders/{id}"] = 1 }));
    }

    [Test]
    public async Task Apdex_WindowWithoutRequests_ReportsNoScore()
    {
        await using var app = await TestApp.StartAsync(MapShop, o =>
        {
            o.ApdexThreshold = TimeSpan.FromMilliseconds(100);
            o.ApdexWindow = TimeSpan.FromMinutes(1);
        });
        await app.Client.GetAsync(new Uri("/slow/10", UriKind.Relative));

        app.Clock.Advance(TimeSpan.FromMinutes(2));

        Assert.That(app.Series("http.server.apdex").Single().Value, Is.NaN);
        var metrics = await app.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.That(metrics, Does.Not.Contain("http_server_apdex{"), "no made-up score in the exposition");
    }

    [Test]
    public async Task Apdex_PerRouteThreshold_OverridesAndEnablesForThatRoute()
    {
        await using var app = await TestApp.StartAsync(MapShop, o => o.ApdexRouteThresholds["/slow/{ms}"] = TimeSpan.FromSeconds(2));

        await app.Client.GetAsync(new Uri("/slow/1000", UriKind.Relative));
        await app.Client.GetAsync(new Uri("/orders/1", UriKind.Relative));

        Assert.That(app.Series("http.server.apdex").Select(s => (s.Tags["route"], s.Value)), Is.EqualTo(new[] { ("/slow/{ms}", 1.0) }));
    }

    [Test]
    public async Task Apdex_ThresholdTimeSpanMaxValue_RequestsSucceedAndAreSatisfied()
    {
        await using var app = await TestApp.StartAsync(MapShop, o => o.ApdexThreshold = TimeSpan.MaxValue);

        var response = await app.Client.GetAsync(new Uri("/slow/1000", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(app.Series("http.server.apdex").Single().Value, Is.EqualTo(1.0));
    }

    [Test]
    public async Task Apdex_PerRouteThresholdWrittenWithoutLeadingSlash_AppliesToThatRoute()
    {
        // As an MVC attribute route is written: "api/orders/{id}", while the route tag has the leading '/'.
        await using var app = await TestApp.StartAsync(MapShop, o => o.ApdexRouteThresholds["slow/{ms}"] = TimeSpan.FromSeconds(2));

        await app.Client.GetAsync(new Uri("/slow/1000", UriKind.Relative));

        Assert.That(app.Series("http.server.apdex").Select(s => (s.Tags["route"], s.Value)), Is.EqualTo(new[] { ("/slow/{ms}", 1.0) }));
    }

    [Test]
    public void UseRequestMetrics_RouteThresholdGivenTwiceWithAndWithoutSlash_ThrowsNamingBoth()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddMetricsRegistry();
        using var app = builder.Build();

        var ex = Assert.Throws<ArgumentException>(() => app.UseRequestMetrics(o =>
        {
            o.ApdexRouteThresholds["/search"] = TimeSpan.FromSeconds(1);
            o.ApdexRouteThresholds["search"] = TimeSpan.FromSeconds(2);
        }));

        Assert.That(ex!.Message, Does.StartWith("RequestMetricsOptions.ApdexRouteThresholds: '/search' and 'search' are the same route"));
    }

    [Test]
    public void UseRequestMetrics_ExcludedPathWithoutSlash_ThrowsNamingTheOption()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddMetricsRegistry();
        using var app = builder.Build();

        var ex = Assert.Throws<ArgumentException>(() => app.UseRequestMetrics(o => o.ExcludedPaths.Add("health")));

        Assert.That(ex!.Message, Does.StartWith("RequestMetricsOptions.ExcludedPaths: 'health' must start with '/'"));
    }

    [Test]
    public void UseRequestMetrics_TwiceInOnePipeline_ThrowsInsteadOfMeasuringEachRequestTwice()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddMetricsRegistry();
        using var app = builder.Build();
        app.UseRequestMetrics();

        var again = Assert.Throws<InvalidOperationException>(() => app.UseRequestMetrics(o => o.ApdexThreshold = TimeSpan.FromSeconds(1)));
        var inBranch = Assert.Throws<InvalidOperationException>(() => app.UseWhen(_ => true, b => b.UseRequestMetrics()));
        Assert.DoesNotThrow(() => app.UseRequestMetrics(o => o.MetricPrefix = "api"), "another prefix measures into other metrics");

        Assert.That(again!.Message, Does.Contain("already").And.Contain("http.server").And.Contain("twice"));
        Assert.That(inBranch!.Message, Is.EqualTo(again.Message));
    }

    [Test]
    public async Task UseRequestMetrics_SeparateBranchesOneRegistry_ActiveRequestsCountsBoth()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var entered = new CountdownEvent(2);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddMetricsRegistry();
        await using var app = builder.Build();
        foreach (var branch in new[] { "/a", "/b" })
        {
            app.Map(branch, b =>
            {
                b.UseRequestMetrics();
                b.Run(async context =>
                {
                    entered.Signal();
                    await release.Task;
                });
            });
        }

        await app.StartAsync();
        using var client = app.GetTestClient();
        var gauge = app.Services.GetRequiredService<MetricsRegistry>().SettableGauge("http.server.active_requests");

        var calls = new[] { "/a", "/b" }.Select(path => client.GetAsync(new Uri(path, UriKind.Relative))).ToArray();
        Assert.That(entered.Wait(TimeSpan.FromSeconds(10)), Is.True);
        var during = gauge.Value;
        release.SetResult();
        await Task.WhenAll(calls);

        Assert.That((during, gauge.Value), Is.EqualTo((2.0, 0.0)));
    }

    [Test]
    public void UseRequestMetrics_NoRegistry_ThrowsSayingWhatToRegister()
    {
        var builder = WebApplication.CreateSlimBuilder();
        using var app = builder.Build();

        var ex = Assert.Throws<InvalidOperationException>(() => app.UseRequestMetrics());

        Assert.That(ex!.Message, Does.Contain("AddMetricsRegistry()"));
    }
}
