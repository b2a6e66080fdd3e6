using Metrics.Reporters.Apptuit;
using Metrics.Reporters.Engine;
using Metrics.Reporters.Transports;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Apptuit;

[TestFixture]
public sealed class ApptuitBackendTests
{
    private const string Token = "backend-token-9c1d";
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private ApptuitTestServer _server = null!;

    [SetUp]
    public void SetUp() => _server = new ApptuitTestServer(Token);

    [TearDown]
    public void TearDown() => _server.Dispose();

    private ApptuitBackend Backend(string token = Token, Uri? endpoint = null, string? host = "host1", ApptuitSanitizeMode mode = ApptuitSanitizeMode.Prometheus) =>
        new(new ApptuitApi(new HttpTransport(TimeSpan.FromSeconds(10)), endpoint ?? _server.Endpoint, token, useGzip: false),
            new ApptuitPointRules(mode, new Tags(("dc", "env-dc")), host));

    private static DataPoint Point(string metric, double value = 1) => new(metric, new Tags(("service", "orders")), Now, value);

    [Test]
    public async Task SendAsync_204_IsSuccessWithEveryPoint()
    {
        await using var backend = Backend();
        var result = await backend.SendAsync([Point("orders.count"), Point("orders.1m_rate", 0.5)], CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Success));
            Assert.That(result.Succeeded, Is.EqualTo(2));
            Assert.That(_server.Points.Select(p => p.Metric), Is.EqualTo(new[] { "orders_count", "orders_1m_rate" }));
            Assert.That(_server.Points[0].Tags, Is.EqualTo(new Dictionary<string, string> { ["service"] = "orders", ["dc"] = "env-dc", ["host"] = "host1" }));
        });
    }

    [Test]
    public async Task SendAsync_400WithDetails_IsPartialFailureWithMessages()
    {
        _server.Reject = p => p.Value < 0 ? "negative value" : null;
        await using var backend = Backend();
        var result = await backend.SendAsync([Point("a"), Point("b", -1)], CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(result.Outcome, Is.EqualTo(SendOutcome.PartialFailure));
            Assert.That(result.StatusCode, Is.EqualTo(400));
            Assert.That(result.Succeeded, Is.EqualTo(1));
            Assert.That(result.Failed, Is.EqualTo(1));
            Assert.That(result.Errors.Single(), Does.StartWith("negative value error occurred in the datapoint {").And.Contain("\"metric\":\"b\""));
        });
    }

    [Test]
    public async Task SendAsync_413_IsTooLarge()
    {
        _server.MaxPointsPerRequest = 1;
        await using var backend = Backend();
        var result = await backend.SendAsync([Point("a"), Point("b")], CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(result.Outcome, Is.EqualTo(SendOutcome.TooLarge));
            Assert.That(result.StatusCode, Is.EqualTo(413));
        });
    }

    [Test]
    public async Task SendAsync_401_IsPermanentAndSaysTokenInvalidWithoutToken()
    {
        await using var backend = Backend(token: "bad-token-4711");
        var result = await backend.SendAsync([Point("a"), Point("b")], CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Permanent));
            Assert.That(result.StatusCode, Is.EqualTo(401));
            Assert.That(result.Failed, Is.EqualTo(2));
            Assert.That(string.Join("\n", result.Errors), Does.Contain("token is invalid").And.Not.Contain("bad-token-4711"));
        });
    }

    [Test]
    public async Task SendAsync_Other4xx_IsPermanent()
    {
        _server.Script(403);
        await using var backend = Backend();
        var result = await backend.SendAsync([Point("a")], CancellationToken.None);
        Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Permanent));
    }

    [Test]
    public async Task SendAsync_5xx_IsTransient()
    {
        _server.Script(503);
        await using var backend = Backend();
        var result = await backend.SendAsync([Point("a")], CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Transient));
            Assert.That(result.StatusCode, Is.EqualTo(503));
            Assert.That(result.Failed, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task SendAsync_ConnectionRefused_IsTransientWithException()
    {
        await using var backend = Backend(endpoint: new Uri($"http://127.0.0.1:{HttpTestServer.FreePort()}"));
        var result = await backend.SendAsync([Point("a")], CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(result.Outcome, Is.EqualTo(SendOutcome.Transient));
            Assert.That(result.StatusCode, Is.Null);
            Assert.That(result.Exception, Is.Not.Null);
        });
    }

    [Test]
    public void Validate_TooManyTagsOrNoTags_GivesReason()
    {
        var backend = Backend(host: null);
        var many = new Tags(Enumerable.Range(0, 25).Select(i => ($"k{i}", "v")).ToArray());
        Assert.Multiple(() =>
        {
            Assert.That(backend.Validate(new DataPoint("m", many, Now, 1)), Does.Contain("26 tags"));
            Assert.That(backend.Validate(new DataPoint("m", Tags.Empty, Now, 1)), Is.Null, "the environment tag dc is enough");
            Assert.That(backend.Validate(Point("m", double.NaN)), Does.Contain("finite"));
            Assert.That(backend.Validate(Point("m") with { Kind = PointKind.DeltaCounter }), Does.Contain("plain values"));
            Assert.That(backend.Validate(Point("m")), Is.Null);
        });
    }

    [Test]
    public async Task SendAsync_InvalidPointInBatch_CountsItFailedAndSendsTheRest()
    {
        await using var backend = Backend();
        var result = await backend.SendAsync([Point("a"), Point("b", double.PositiveInfinity)], CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(result.Outcome, Is.EqualTo(SendOutcome.PartialFailure));
            Assert.That(result.Succeeded, Is.EqualTo(1));
            Assert.That(result.Failed, Is.EqualTo(1));
            Assert.That(_server.Points.Single().Metric, Is.EqualTo("a"));
        });
    }

    [Test]
    public async Task OnDeliveredAndOnSendCompleted_AfterSends_CountPointsPerBatchAndTimeEveryRequest()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        var tags = new Tags(("reporter", "apptuit"));
        await using var backend = Backend();
        backend.RegisterSelfMetrics(registry, tags);
        _server.Reject = p => p.Metric == "bad" ? "no" : null;

        var ok = await backend.SendAsync([Point("a"), Point("b")], CancellationToken.None);
        backend.OnSendCompleted(2, ok, TimeSpan.FromMilliseconds(30));
        backend.OnDelivered(2, ok);
        var partial = await backend.SendAsync([Point("a"), Point("bad")], CancellationToken.None);
        backend.OnSendCompleted(2, partial, TimeSpan.FromMilliseconds(50));
        backend.OnDelivered(2, partial);

        var tooLarge = new SendResult(SendOutcome.TooLarge, 0, 6, ["payload too large"], 413);
        backend.OnSendCompleted(6, tooLarge, TimeSpan.FromMilliseconds(10));
        backend.OnDelivered(6, tooLarge);

        Assert.Multiple(() =>
        {
            Assert.That(registry.Counter("apptuit.reporter.send.total", tags).Count, Is.EqualTo(4), "a 413 batch is counted when its halves are sent");
            Assert.That(registry.Counter("apptuit.reporter.send.successful", tags).Count, Is.EqualTo(3));
            Assert.That(registry.Counter("apptuit.reporter.send.failed", tags).Count, Is.EqualTo(1));
            Assert.That(registry.Timer("apptuit.reporter.send.time", tags).Count, Is.EqualTo(3), "every request is timed");
        });
    }

    [Test]
    public async Task OnSendCompleted_TransientAttempt_IsTimedButNotCounted()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        var tags = new Tags(("reporter", "apptuit"));
        await using var backend = Backend();
        backend.RegisterSelfMetrics(registry, tags);

        backend.OnSendCompleted(3, SendResult.Transient(3, "server error 503", 503), TimeSpan.FromMilliseconds(20));

        Assert.Multiple(() =>
        {
            Assert.That(registry.Counter("apptuit.reporter.send.total", tags).Count, Is.Zero, "a retried attempt is counted with the batch's final result");
            Assert.That(registry.Counter("apptuit.reporter.send.failed", tags).Count, Is.Zero);
            Assert.That(registry.Timer("apptuit.reporter.send.time", tags).Count, Is.EqualTo(1));
        });
    }
}
