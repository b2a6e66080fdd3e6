using Metrics.Reporters.Apptuit;
using Metrics.Reporters.Tests.Offline;
using Microsoft.Extensions.Logging;
using Metrics.Reporters.Transports;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Apptuit;

[TestFixture]
public sealed class ApptuitReporterTests
{
    private const string Token = "reporter-token-31f";

    private ApptuitTestServer _server = null!;
    private ManualTimeProvider _time = null!;
    private MetricsRegistry _registry = null!;
    private List<ReportFailure> _failures = null!;

    [SetUp]
    public void SetUp()
    {
        _server = new ApptuitTestServer(Token);
        _time = new ManualTimeProvider();
        _registry = new MetricsRegistry(new MetricsOptions { TimeProvider = _time });
        _failures = new List<ReportFailure>();
    }

    [TearDown]
    public void TearDown() => _server.Dispose();

    private ApptuitReporter Reporter(Action<ApptuitReporterOptions>? configure = null, Dictionary<string, string>? env = null, string hostName = "machine-1")
    {
        var options = new ApptuitReporterOptions
        {
            Token = Token,
            ApiEndpoint = _server.Endpoint,
            RetryCount = 0,
            ErrorHandler = f =>
            {
                lock (_failures)
                {
                    _failures.Add(f);
                }
            },
        };
        configure?.Invoke(options);
        env ??= new Dictionary<string, string>();
        return new ApptuitReporter(_registry, options, new HttpTransport(TimeSpan.FromSeconds(10)), new ApptuitEnvironment(k => env.TryGetValue(k, out var v) ? v : null), hostName);
    }

    private IReadOnlyList<StoredPoint> PointsStartingWith(string prefix) =>
        _server.Points.Where(p => p.Metric.StartsWith(prefix, StringComparison.Ordinal)).ToArray();

    private void RecordOneOfEach()
    {
        _registry.Counter("orders").Inc(3);
        _registry.Gauge("queue.depth", () => 7);
        _registry.Meter("requests").Mark();
        _registry.Histogram("response.size").Update(512);
        _registry.Timer("db.query").Update(TimeSpan.FromMilliseconds(20));
    }

    private static readonly string[] Counter = ["count"];
    private static readonly string[] Gauge = ["value"];
    private static readonly string[] Meter = ["count", "mean_rate", "1m_rate", "5m_rate", "15m_rate"];
    private static readonly string[] Histogram = ["count", "avg", "max", "min", "std_dev", "75_percentile", "95_percentile", "99_percentile", "999_percentile"];
    private static readonly string[] Timer = ["count", "sum", "avg", "max", "min", "std_dev", "1m_rate", "5m_rate", "15m_rate", "mean_rate", "50_percentile", "75_percentile", "95_percentile", "99_percentile", "999_percentile"];

    private static IEnumerable<string> Expected(Func<string, string> sanitize) =>
        Counter.Select(k => "myapp.orders." + k)
            .Concat(Gauge.Select(k => "myapp.queue.depth." + k))
            .Concat(Meter.Select(k => "myapp.requests." + k))
            .Concat(Histogram.Select(k => "myapp.response.size." + k))
            .Concat(Timer.Select(k => "myapp.db.query." + k))
            .Select(sanitize);

    [TestCase(ApptuitSanitizeMode.Prometheus)]
    [TestCase(ApptuitSanitizeMode.Apptuit)]
    [TestCase(ApptuitSanitizeMode.None)]
    public async Task ReportNowAsync_EveryMetricType_SendsPyformanceFieldNamesSanitized(ApptuitSanitizeMode mode)
    {
        RecordOneOfEach();
        await using var reporter = Reporter(o =>
        {
            o.Prefix = "myapp.";
            o.SanitizeMode = mode;
            o.Filter = s => !s.Name.StartsWith("apptuit.", StringComparison.Ordinal) && !s.Name.StartsWith("metrics.", StringComparison.Ordinal);
        });

        await reporter.ReportNowAsync();

        var expected = Expected(n => ApptuitSanitizer.Sanitize(n, mode)).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(PointsStartingWith("myapp").Select(p => p.Metric), Is.EquivalentTo(expected));
            Assert.That(_failures, Is.Empty);
        });
        if (mode == ApptuitSanitizeMode.Prometheus)
        {
            Assert.That(expected, Does.Contain("myapp_requests_1m_rate").And.Contain("myapp_db_query_999_percentile").And.Contain("myapp_queue_depth_value"));
        }
        else
        {
            Assert.That(expected, Does.Contain("myapp.requests.1m_rate").And.Contain("myapp.db.query.999_percentile"));
        }
    }

    [Test]
    public async Task ReportNowAsync_Values_AreThePyformanceValues()
    {
        RecordOneOfEach();
        await using var reporter = Reporter();
        await reporter.ReportNowAsync();

        double Value(string name) => _server.Points.Single(p => p.Metric == name).Value;
        Assert.Multiple(() =>
        {
            Assert.That(Value("orders_count"), Is.EqualTo(3));
            Assert.That(Value("queue_depth_value"), Is.EqualTo(7));
            Assert.That(Value("requests_count"), Is.EqualTo(1));
            Assert.That(Value("response_size_max"), Is.EqualTo(512).Within(1));
            Assert.That(Value("db_query_max"), Is.EqualTo(0.020).Within(0.001), "timer durations in seconds");
            Assert.That(_server.Points.Single(p => p.Metric == "orders_count").Timestamp, Is.EqualTo(_time.GetUtcNow().ToUnixTimeSeconds()));
        });
    }

    [Test]
    public async Task ReportNowAsync_Tags_MetricOverReporterOverEnvironment_WithHostTag()
    {
        _registry.Counter("orders", new Tags(("team", "metric-team"))).Inc();
        await using var reporter = Reporter(
            o => o.Tags = new Tags(("team", "reporter-team"), ("region", "reporter-region")),
            new() { ["APPTUIT_TAGS"] = "team:env-team, region:env-region, dc:env-dc" });

        await reporter.ReportNowAsync();

        Assert.That(_server.Points.Single(p => p.Metric == "orders_count").Tags, Is.EqualTo(new Dictionary<string, string>
        {
            ["team"] = "metric-team",
            ["region"] = "reporter-region",
            ["dc"] = "env-dc",
            ["host"] = "machine-1",
        }));
    }

    [Test]
    public async Task ReportNowAsync_GlobalTagsOnlyInApptuitPyTags_AreSentAsApptuitPySendsThem()
    {
        _registry.Counter("orders").Inc();
        await using var reporter = Reporter(
            o => o.Token = null,
            new() { ["APPTUIT_PY_TOKEN"] = Token, ["APPTUIT_PY_TAGS"] = "env:prod, service:orders" });

        await reporter.ReportNowAsync();

        Assert.That(_server.Points.Single(p => p.Metric == "orders_count").Tags, Is.EqualTo(new Dictionary<string, string>
        {
            ["env"] = "prod",
            ["service"] = "orders",
            ["host"] = "machine-1",
        }));
    }

    [Test]
    public async Task ReportNowAsync_ApptuitTagsOverridingAnEarlierItem_StartsAndSendsTheLastValue()
    {
        _registry.Counter("orders").Inc();
        await using var reporter = Reporter(env: new() { ["APPTUIT_TAGS"] = "env:prod, region:eu, env:staging" });

        await reporter.ReportNowAsync();

        var tags = _server.Points.Single(p => p.Metric == "orders_count").Tags;
        Assert.Multiple(() =>
        {
            Assert.That(tags["env"], Is.EqualTo("staging"));
            Assert.That(tags["region"], Is.EqualTo("eu"));
        });
    }

    [Test]
    public async Task ReportNowAsync_MetricKeySanitizedLikeAnEnvironmentKey_MetricValueIsSent()
    {
        _registry.Counter("orders", new Tags(("service.name", "orders"))).Inc();
        await using var reporter = Reporter(env: new() { ["APPTUIT_TAGS"] = "service_name:billing" });

        await reporter.ReportNowAsync();

        Assert.That(_server.Points.Single(p => p.Metric == "orders_count").Tags["service_name"], Is.EqualTo("orders"), "metric tags win over APPTUIT_TAGS");
    }

    [Test]
    public async Task ReportNowAsync_HostTagGiven_IsKept()
    {
        _registry.Counter("orders", new Tags(("host", "mine"))).Inc();
        await using var reporter = Reporter();
        await reporter.ReportNowAsync();
        Assert.That(_server.Points.Single(p => p.Metric == "orders_count").Tags["host"], Is.EqualTo("mine"));
    }

    [Test]
    public void HostName_IsTheFullKernelHostNameLikePythonsGethostname()
    {
        const string kernel = "/proc/sys/kernel/hostname";
        var expected = File.Exists(kernel) ? File.ReadAllText(kernel).Trim() : System.Net.Dns.GetHostName();
        Assert.That(ApptuitReporter.HostName(), Is.EqualTo(expected));
    }

    [Test]
    public async Task ReportNowAsync_DisableHostTagOption_LeavesHostOut()
    {
        _registry.Counter("orders", new Tags(("a", "b"))).Inc();
        await using var reporter = Reporter(o => o.DisableHostTag = true);
        await reporter.ReportNowAsync();
        Assert.That(_server.Points.Single(p => p.Metric == "orders_count").Tags.ContainsKey("host"), Is.False);
    }

    [Test]
    public async Task ReportNowAsync_DisableHostTagEnvironment_LeavesHostOut()
    {
        _registry.Counter("orders", new Tags(("a", "b"))).Inc();
        await using var reporter = Reporter(env: new() { ["APPTUIT_DISABLE_HOST_TAG"] = "true" });
        await reporter.ReportNowAsync();
        Assert.That(_server.Points.Single(p => p.Metric == "orders_count").Tags.ContainsKey("host"), Is.False);
    }

    [Test]
    public async Task ReportNowAsync_TwoReports_SendsSelfMetricsWithSameNamingRules()
    {
        _registry.Counter("orders").Inc();
        await using var reporter = Reporter();

        await reporter.ReportNowAsync();
        _time.Advance(TimeSpan.FromSeconds(10));
        await reporter.ReportNowAsync();

        var names = PointsStartingWith("apptuit_reporter_send").Select(p => p.Metric).Distinct().ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(names, Does.Contain("apptuit_reporter_send_total_count")
                .And.Contain("apptuit_reporter_send_successful_count")
                .And.Contain("apptuit_reporter_send_failed_count")
                .And.Contain("apptuit_reporter_send_time_count")
                .And.Contain("apptuit_reporter_send_time_99_percentile"));
            var total = _server.Points.Last(p => p.Metric == "apptuit_reporter_send_total_count");
            Assert.That(total.Value, Is.GreaterThan(0));
            Assert.That(total.Tags["reporter"], Is.EqualTo(reporter.Name));
            Assert.That(_server.Points.Last(p => p.Metric == "apptuit_reporter_send_failed_count").Value, Is.Zero);
        });
    }

    [Test]
    public async Task ReportNowAsync_WithPrefix_SelfMetricsGetPrefixLikeEveryMetric()
    {
        await using var reporter = Reporter(o => o.Prefix = "myapp.");
        await reporter.ReportNowAsync();
        _time.Advance(TimeSpan.FromSeconds(10));
        await reporter.ReportNowAsync();
        Assert.That(_server.Points.Select(p => p.Metric), Does.Contain("myapp_apptuit_reporter_send_total_count"));
    }

    [Test]
    public async Task ReportNowAsync_400WithDetails_ErrorHandlerGetsCountsAndMessages()
    {
        _registry.Counter("good").Inc();
        _registry.Counter("bad").Inc();
        _server.Reject = p => p.Metric == "bad_count" ? "Invalid metric" : null;
        await using var reporter = Reporter(o => o.Filter = s => s.Name is "good" or "bad");

        await reporter.ReportNowAsync();

        var failure = _failures.Single();
        Assert.Multiple(() =>
        {
            Assert.That(failure.StatusCode, Is.EqualTo(400));
            Assert.That(failure.Failed, Is.EqualTo(1));
            Assert.That(failure.Succeeded, Is.EqualTo(1));
            Assert.That(failure.Errors.Single(), Does.StartWith("Invalid metric error occurred in the datapoint"));
        });
    }

    [Test]
    public async Task ReportNowAsync_400WhoseCountsAccountForNoPoint_ErrorHandlerGetsEveryPointFailed()
    {
        _registry.Counter("orders").Inc();
        _registry.Counter("refunds").Inc();
        _server.ScriptFault(new TestResponse(400, """{"success":0,"failed":0,"errors":[]}"""));
        await using var reporter = Reporter(o => o.Filter = s => s.Name is "orders" or "refunds");

        await reporter.ReportNowAsync();

        var failure = _failures.Single();
        Assert.Multiple(() =>
        {
            Assert.That(failure.StatusCode, Is.EqualTo(400));
            Assert.That(failure.Succeeded, Is.Zero);
            Assert.That(failure.Failed, Is.EqualTo(2));
            Assert.That(failure.Errors, Has.Some.Contain("did not account for 2 of the 2 points sent"));
            Assert.That(reporter.Status.LastSuccess, Is.Null, "nothing was delivered");
        });
    }

    [Test]
    public async Task ReportNowAsync_400WithDetailsLongerThan64KCharacters_ErrorHandlerGetsTheServersCounts()
    {
        for (var i = 0; i < 1000; i++)
        {
            _registry.Counter("c" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc(i);
        }

        _server.Reject = p => p.Value >= 400 ? "Unable to parse value, the tag set is not allowed here" : null;
        var options = new ApptuitReporterOptions
        {
            Token = Token,
            ApiEndpoint = _server.Endpoint,
            RetryCount = 0,
            Filter = s => s.Name.StartsWith('c'),
            ErrorHandler = _failures.Add,
        };

        // No transport given: the reporter's own, as an application gets it.
        await using var reporter = new ApptuitReporter(_registry, options, transport: null, new ApptuitEnvironment(_ => null), "machine-1");
        await reporter.ReportNowAsync();

        var failure = _failures.Single();
        Assert.Multiple(() =>
        {
            Assert.That(_server.Points, Has.Count.EqualTo(400));
            Assert.That(failure.Succeeded, Is.EqualTo(400), "the points the server stored");
            Assert.That(failure.Failed, Is.EqualTo(600));
            Assert.That(failure.Errors, Has.Count.EqualTo(600));
        });
    }

    [Test]
    public async Task ReportNowAsync_EndpointRedirects_ErrorHandlerNamesTheRedirectNotAnInvalidToken()
    {
        _registry.Counter("orders").Inc();
        var moved = new Uri(_server.Endpoint, "v2/api/put?details");
        _server.ScriptFault(new TestResponse(301, string.Empty, new Dictionary<string, string> { ["Location"] = moved.ToString() }));
        var options = new ApptuitReporterOptions { Token = Token, ApiEndpoint = _server.Endpoint, RetryCount = 0, Filter = s => s.Name == "orders", ErrorHandler = _failures.Add };

        // No transport given: the reporter's own, as an application gets it.
        await using var reporter = new ApptuitReporter(_registry, options, transport: null, new ApptuitEnvironment(_ => null), "machine-1");
        await reporter.ReportNowAsync();

        var failure = _failures.Single();
        Assert.Multiple(() =>
        {
            Assert.That(failure.StatusCode, Is.EqualTo(301));
            Assert.That(failure.ToString(), Does.Contain("a redirect to " + moved.GetLeftPart(UriPartial.Path)).And.Not.Contain("token is invalid"));
            Assert.That(_server.Requests, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public async Task ReportNowAsync_413_SplitsUntilEveryPointIsStoredAndCountsNoFailure()
    {
        for (var i = 0; i < 10; i++)
        {
            _registry.Counter("c" + i).Inc(i);
        }

        _server.MaxPointsPerRequest = 4;
        await using var reporter = Reporter(o => o.Filter = s => s.Name.StartsWith('c'));

        await reporter.ReportNowAsync();

        var self = new Tags(("reporter", reporter.Name));
        Assert.Multiple(() =>
        {
            Assert.That(_server.Points.Select(p => p.Metric), Is.EquivalentTo(Enumerable.Range(0, 10).Select(i => $"c{i}_count")));
            Assert.That(_server.Points.Sum(p => p.Value), Is.EqualTo(45));
            Assert.That(_failures, Is.Empty);
            Assert.That(_registry.Counter("apptuit.reporter.send.total", self).Count, Is.EqualTo(10), "each point counted once, not once per 413");
            Assert.That(_registry.Counter("apptuit.reporter.send.successful", self).Count, Is.EqualTo(10));
            Assert.That(_registry.Counter("apptuit.reporter.send.failed", self).Count, Is.Zero, "split batches were delivered");
        });
    }

    [Test]
    public async Task ReportNowAsync_5xxWithinRetryCount_IsRetriedAndDelivered()
    {
        _registry.Counter("orders").Inc(2);
        _server.Script(500, 503);
        await using var reporter = Reporter(o =>
        {
            o.RetryCount = 2;
            o.Retry.BaseDelay = TimeSpan.Zero;
            o.Filter = s => s.Name == "orders";
        });

        await reporter.ReportNowAsync();

        Assert.Multiple(() =>
        {
            Assert.That(_server.PutRequests, Has.Count.EqualTo(3));
            Assert.That(_server.Points.Single().Metric, Is.EqualTo("orders_count"));
            Assert.That(_failures, Is.Empty);
        });
    }

    [Test]
    public async Task ReportNowAsync_5xxBeyondRetryCount_GivesUpAndReportsTheStatus()
    {
        _registry.Counter("orders").Inc(2);
        _server.FailEverythingWith = 502;
        await using var reporter = Reporter(o =>
        {
            o.RetryCount = 1;
            o.Retry.BaseDelay = TimeSpan.Zero;
            o.Filter = s => s.Name == "orders";
        });

        await reporter.ReportNowAsync();

        var failure = _failures.Single();
        Assert.Multiple(() =>
        {
            Assert.That(_server.PutRequests, Has.Count.EqualTo(2), "the first attempt and one retry");
            Assert.That(failure.StatusCode, Is.EqualTo(502));
            Assert.That(failure.Failed, Is.EqualTo(1));
            Assert.That(string.Join("\n", failure.Errors), Does.Contain("server error 502"));
        });
    }

    [Test]
    public async Task ReportNowAsync_5xxThenDelivered_SelfMetricsCountEachPointOnceAndNoneFailed()
    {
        _registry.Counter("orders").Inc(2);
        _server.Script(500, 503);
        await using var reporter = Reporter(o =>
        {
            o.RetryCount = 2;
            o.Retry.BaseDelay = TimeSpan.Zero;
            o.Filter = s => s.Name == "orders";
        });

        await reporter.ReportNowAsync();

        var self = new Tags(("reporter", reporter.Name));
        Assert.Multiple(() =>
        {
            Assert.That(_server.PutRequests, Has.Count.EqualTo(3));
            Assert.That(_registry.Counter("apptuit.reporter.send.total", self).Count, Is.EqualTo(1), "the point is counted once, not once per attempt");
            Assert.That(_registry.Counter("apptuit.reporter.send.successful", self).Count, Is.EqualTo(1));
            Assert.That(_registry.Counter("apptuit.reporter.send.failed", self).Count, Is.Zero, "the point was delivered on a retry");
            Assert.That(_registry.Timer("apptuit.reporter.send.time", self).Count, Is.EqualTo(3), "every request is timed");
        });
    }

    [Test]
    public async Task ReportNowAsync_5xxBeyondRetryCount_SelfMetricsCountThePointFailedOnce()
    {
        _registry.Counter("orders").Inc(2);
        _server.FailEverythingWith = 502;
        await using var reporter = Reporter(o =>
        {
            o.RetryCount = 2;
            o.Retry.BaseDelay = TimeSpan.Zero;
            o.Filter = s => s.Name == "orders";
        });

        await reporter.ReportNowAsync();

        var self = new Tags(("reporter", reporter.Name));
        Assert.Multiple(() =>
        {
            Assert.That(_server.PutRequests, Has.Count.EqualTo(3));
            Assert.That(_registry.Counter("apptuit.reporter.send.total", self).Count, Is.EqualTo(1));
            Assert.That(_registry.Counter("apptuit.reporter.send.successful", self).Count, Is.Zero);
            Assert.That(_registry.Counter("apptuit.reporter.send.failed", self).Count, Is.EqualTo(1), "as many as the error handler heard of");
            Assert.That(_failures.Single().Failed, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task ReportNowAsync_InvalidToken_ErrorHandlerSaysTokenInvalidWithoutToken()
    {
        _registry.Counter("orders").Inc();
        await using var reporter = Reporter(o => o.Token = "wrong-token-xyz");

        await reporter.ReportNowAsync();

        var failure = _failures.First();
        Assert.Multiple(() =>
        {
            Assert.That(failure.StatusCode, Is.EqualTo(401));
            Assert.That(failure.Succeeded, Is.Zero);
            Assert.That(failure.ToString(), Does.Contain("token is invalid").And.Not.Contain("wrong-token-xyz"));
            Assert.That(_server.PutRequests, Has.Count.EqualTo(1), "401 is not retried");
        });
    }

    [Test]
    public async Task ReportNowAsync_DefaultErrorHandler_LogsSummaryWithoutToken()
    {
        _registry.Counter("orders").Inc();
        var log = new RecordingLogger();
        await using var reporter = Reporter(o =>
        {
            o.Token = "wrong-token-logged?";
            o.ErrorHandler = null;
            o.LoggerFactory = log;
        });

        await reporter.ReportNowAsync();

        var warnings = log.Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => e.Message).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(warnings, Has.Some.Contain("token is invalid").And.Some.Contain("401"));
            Assert.That(log.Entries.Select(e => e.Message), Has.None.Contain("wrong-token-logged?"));
        });
    }

    [Test]
    public async Task ReportNowAsync_ErrorHandlerReplacedByNoOp_LogsNoFailure()
    {
        _registry.Counter("orders").Inc();
        var log = new RecordingLogger();
        await using var reporter = Reporter(o =>
        {
            o.Token = "wrong-token";
            o.ErrorHandler = _ => { };
            o.LoggerFactory = log;
        });

        await reporter.ReportNowAsync();

        Assert.That(log.Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => e.Message), Has.None.Contain("token is invalid"));
    }

    [Test]
    public void Constructor_NoToken_ThrowsClearError()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Reporter(o => o.Token = null));
        Assert.That(ex!.Message, Does.Contain("APPTUIT_API_TOKEN"));
    }

    [Test]
    public void Constructor_EndpointNotHttp_ThrowsNamingIt() =>
        Assert.That(() => Reporter(o => o.ApiEndpoint = new Uri("ftp://api.apptuit.ai")),
            Throws.ArgumentException.With.Message.Contain("ApiEndpoint 'ftp://api.apptuit.ai/'"));

    [Test]
    public void Constructor_MalformedEnvironmentTags_ThrowsClearError() =>
        Assert.That(() => Reporter(env: new() { ["APPTUIT_TAGS"] = "k:v:x" }), Throws.TypeOf<FormatException>().With.Message.Contain("'k:v:x'"));

    [Test]
    public void Options_ToString_HidesToken()
    {
        var options = new ApptuitReporterOptions { Token = Token };
        Assert.That(options.ToString(), Does.Not.Contain(Token));
    }

    [Test]
    public void Options_RetryCount_IsTheRetryPolicysMaxRetries()
    {
        var options = new ApptuitReporterOptions { RetryCount = 5 };
        Assert.That(options.Retry.MaxRetries, Is.EqualTo(5));
    }

    [Test]
    public async Task ReportNowAsync_ProcessMetricsOn_SendsProcessGauges()
    {
        await using var reporter = Reporter(o => o.ProcessMetrics = true);
        await reporter.ReportNowAsync();
        Assert.That(PointsStartingWith("process_").Select(p => p.Metric), Does.Contain("process_threads_value"));
    }

    [Test]
    public async Task ReportNowAsync_ProcessMetricsOff_SendsNoProcessGauges()
    {
        _registry.Counter("orders").Inc();
        await using var reporter = Reporter();
        await reporter.ReportNowAsync();
        Assert.That(PointsStartingWith("process_"), Is.Empty);
    }
}
