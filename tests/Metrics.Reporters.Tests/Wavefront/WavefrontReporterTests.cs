using System.Collections.Concurrent;
using Metrics.Reporters.Engine;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Wavefront;

public class WavefrontReporterTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private ManualTimeProvider _time = null!;
    private MetricsRegistry _registry = null!;
    private TcpLineServer _proxy = null!;
    private TcpLineServer _distributions = null!;
    private readonly ConcurrentQueue<ReportFailure> _failures = new();
    private readonly List<Reporter> _reporters = new();

    private long Now => _time.GetUtcNow().ToUnixTimeSeconds();

    [SetUp]
    public async Task SetUp()
    {
        _time = new ManualTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        _registry = new MetricsRegistry(new MetricsOptions { TimeProvider = _time, GlobalTags = new Tags(("app", "shop")) });
        _proxy = await TcpLineServer.StartAsync();
        _distributions = await TcpLineServer.StartAsync();
        _failures.Clear();
    }

    [TearDown]
    public async Task TearDown()
    {
        foreach (var r in _reporters)
        {
            await r.DisposeAsync();
        }

        _reporters.Clear();
        await _proxy.DisposeAsync();
        await _distributions.DisposeAsync();
    }

    private WavefrontReporter ProxyReporter(Action<WavefrontReporterOptions>? configure = null)
    {
        var options = new WavefrontReporterOptions
        {
            ProxyHost = "127.0.0.1",
            MetricsPort = _proxy.Port,
            DistributionPort = _distributions.Port,
            Source = "web-1",
            Tags = new Tags(("env", "prod")),
            Filter = s => s.Name.StartsWith("rt.", StringComparison.Ordinal),
            ErrorHandler = _failures.Enqueue,
            Retry = new RetryOptions { MaxRetries = 0 },
        };
        configure?.Invoke(options);
        var reporter = new WavefrontReporter(_registry, options);
        _reporters.Add(reporter);
        return reporter;
    }

    [Test]
    public async Task ReportNowAsync_EveryMetricType_ProxyParsesBackExactlyThePointsSent()
    {
        _registry.Counter("rt.orders", new Tags(("region", "eu"))).Inc(3);
        _registry.SettableGauge("rt.temp").Set(21.5);
        _registry.Meter("rt.requests").Mark(4);
        var size = _registry.Histogram("rt.size");
        size.Update(10);
        size.Update(20);
        size.Update(30);
        _registry.Timer("rt.db").Update(TimeSpan.FromMilliseconds(5));
        var reporter = ProxyReporter();

        await reporter.ReportNowAsync();

        var points = (await _proxy.WaitForLinesAsync(31, Deadline)).Select(WavefrontLineParser.ParseMetric).ToList();
        var expectedNames = new[]
        {
            "rt.orders.count", "rt.temp.value",
            "rt.requests.count", "rt.requests.mean_rate", "rt.requests.1m_rate", "rt.requests.5m_rate", "rt.requests.15m_rate",
            "rt.size.count", "rt.size.avg", "rt.size.max", "rt.size.min", "rt.size.std_dev",
            "rt.size.75_percentile", "rt.size.95_percentile", "rt.size.99_percentile", "rt.size.999_percentile",
            "rt.db.count", "rt.db.sum", "rt.db.avg", "rt.db.max", "rt.db.min", "rt.db.std_dev",
            "rt.db.1m_rate", "rt.db.5m_rate", "rt.db.15m_rate", "rt.db.mean_rate",
            "rt.db.50_percentile", "rt.db.75_percentile", "rt.db.95_percentile", "rt.db.99_percentile", "rt.db.999_percentile",
        };
        Assert.That(points.Select(p => p.Name), Is.EquivalentTo(expectedNames));
        Assert.That(points.Select(p => p.Source).Distinct(), Is.EqualTo(new[] { "web-1" }));
        Assert.That(points.Select(p => p.Timestamp).Distinct(), Is.EqualTo(new long?[] { Now }));
        Assert.That(points.All(p => p.Tags["env"] == "prod" && p.Tags["app"] == "shop"), Is.True);
        var byName = points.ToDictionary(p => p.Name);
        Assert.That(byName["rt.orders.count"].Tags["region"], Is.EqualTo("eu"));
        Assert.That(byName["rt.orders.count"].Value, Is.EqualTo(3));
        Assert.That(byName["rt.temp.value"].Value, Is.EqualTo(21.5));
        Assert.That(byName["rt.requests.count"].Value, Is.EqualTo(4));
        Assert.That(byName["rt.size.count"].Value, Is.EqualTo(3));
        Assert.That(byName["rt.size.min"].Value, Is.EqualTo(10));
        Assert.That(byName["rt.size.max"].Value, Is.EqualTo(30));
        Assert.That(byName["rt.size.avg"].Value, Is.EqualTo(20));
        Assert.That(byName["rt.db.count"].Value, Is.EqualTo(1));
        Assert.That(byName["rt.db.max"].Value, Is.EqualTo(0.005).Within(0.1).Percent);
        Assert.That(_failures, Is.Empty);

        // Every value parses back exactly: the same registry, read again at the same instant and expanded with the
        // pyformance key set, gives the same doubles bit for bit.
        var expected = new PointBuffer();
        var expander = new PointExpander(FieldNaming.Pyformance);
        foreach (var snapshot in _registry.CreateReader().Read().Where(s => s.Name.StartsWith("rt.", StringComparison.Ordinal)))
        {
            expander.Expand(snapshot, snapshot.Name, snapshot.Tags, expected);
        }

        Assert.That(points.Select(p => (p.Name, p.Value)), Is.EquivalentTo(expected.Points.Select(p => (p.Metric, p.Value))));
    }

    [Test]
    public async Task DeltaCounters_OnEachReport_SendTheIncreaseWithDeltaPrefixOnlyWhenPositive()
    {
        var orders = _registry.Counter("rt.orders");
        var reporter = ProxyReporter(o => o.DeltaCounters = true);

        orders.Inc(3);
        await reporter.ReportNowAsync();
        await _proxy.WaitForLinesAsync(1, Deadline);
        orders.Inc(2);
        await reporter.ReportNowAsync();
        await _proxy.WaitForLinesAsync(2, Deadline);
        await reporter.ReportNowAsync();
        _registry.Counter("rt.marker").Inc();
        await reporter.ReportNowAsync();

        var lines = await _proxy.WaitForLinesAsync(3, Deadline);
        Assert.That(lines, Is.EqualTo(new[]
        {
            "\"\u2206rt.orders.count\" 3.0 source=\"web-1\" \"app\"=\"shop\" \"env\"=\"prod\"",
            "\"\u2206rt.orders.count\" 2.0 source=\"web-1\" \"app\"=\"shop\" \"env\"=\"prod\"",
            "\"\u2206rt.marker.count\" 1.0 source=\"web-1\" \"app\"=\"shop\" \"env\"=\"prod\"",
        }));
    }

    [Test]
    public async Task DeltaCounters_CounterWentDown_TheDecreaseIsTakenFromTheNextIncreases()
    {
        var orders = _registry.Counter("rt.orders");
        var reporter = ProxyReporter(o => o.DeltaCounters = true);

        orders.Inc(5);
        await reporter.ReportNowAsync();
        await _proxy.WaitForLinesAsync(1, Deadline);
        orders.Dec(2);
        await reporter.ReportNowAsync();
        orders.Inc(1);
        await reporter.ReportNowAsync();
        orders.Inc(3);
        await reporter.ReportNowAsync();

        var lines = await _proxy.WaitForLinesAsync(2, Deadline);
        var sent = lines.Select(l => WavefrontLineParser.ParseMetric(l).Value).ToArray();
        Assert.That(sent, Is.EqualTo(new[] { 5.0, 2.0 }), "3 then 4: the 2 taken away is owed first");
        Assert.That(sent.Sum(), Is.EqualTo(orders.Count), "the server's total is the counter's value");
    }

    [Test]
    public async Task DeltaCounters_TwoReporters_EachSendsItsOwnIncrease()
    {
        var orders = _registry.Counter("rt.orders");
        var a = ProxyReporter(o => o.DeltaCounters = true);
        orders.Inc(5);
        await a.ReportNowAsync();
        await _proxy.WaitForLinesAsync(1, Deadline);
        var b = ProxyReporter(o => o.DeltaCounters = true);

        await b.ReportNowAsync();

        var lines = await _proxy.WaitForLinesAsync(2, Deadline);
        Assert.That(lines.Select(l => WavefrontLineParser.ParseMetric(l).Value), Is.EqualTo(new[] { 5.0, 5.0 }));
    }

    [Test]
    public async Task Distributions_Histogram_SentAsDistributionOfThisReportersWindow()
    {
        var latency = _registry.Histogram("rt.latency");
        latency.Update(30);
        latency.Update(30);
        latency.Update(120);
        var reporter = ProxyReporter(o =>
        {
            o.Distributions = true;
            o.Granularities = [HistogramGranularity.Minute, HistogramGranularity.Hour];
        });

        await reporter.ReportNowAsync();
        var first = await _distributions.WaitForLinesAsync(2, Deadline);
        latency.Update(7);
        await reporter.ReportNowAsync();

        var lines = await _distributions.WaitForLinesAsync(4, Deadline);
        Assert.That(lines[0], Is.EqualTo($"!M {Now} #2 30.0 #1 120.0 \"rt.latency\" source=\"web-1\" \"app\"=\"shop\" \"env\"=\"prod\""));
        Assert.That(lines[1], Is.EqualTo($"!H {Now} #2 30.0 #1 120.0 \"rt.latency\" source=\"web-1\" \"app\"=\"shop\" \"env\"=\"prod\""));
        Assert.That(lines[2], Does.StartWith($"!M {Now} #1 7.0 \"rt.latency\""), "the second report holds only the values recorded since the first");
        Assert.That(_proxy.Lines, Is.Empty, "a distribution replaces the histogram's statistics fields");
        Assert.That(first, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Distributions_SlidingWindowHistogram_EachValueSentOnce()
    {
        var latency = _registry.Histogram("rt.sliding", new HistogramOptions { Reservoir = ReservoirType.SlidingWindow });
        latency.Update(30);
        latency.Update(120);
        var reporter = ProxyReporter(o => o.Distributions = true);

        await reporter.ReportNowAsync();
        await _distributions.WaitForLinesAsync(1, Deadline);
        latency.Update(7);
        await reporter.ReportNowAsync();

        var lines = await _distributions.WaitForLinesAsync(2, Deadline);
        Assert.That(lines[0], Does.StartWith($"!M {Now} #1 30.0 #1 120.0 \"rt.sliding\""));
        Assert.That(lines[1], Does.StartWith($"!M {Now} #1 7.0 \"rt.sliding\""), "the values of the first report must not be sent again");
    }

    [Test]
    public async Task Distributions_Timer_CentroidsAreScaledToSeconds()
    {
        _registry.Timer("rt.db").Update(TimeSpan.FromSeconds(2));
        var reporter = ProxyReporter(o => o.Distributions = true);

        await reporter.ReportNowAsync();

        var line = (await _distributions.WaitForLinesAsync(1, Deadline)).Single();
        Assert.That(line, Does.StartWith($"!M {Now} #1 2.0").Or.StartWith($"!M {Now} #1 1.99"));
        Assert.That(line, Does.Contain(" \"rt.db\" source=\"web-1\""));
    }

    [Test]
    public async Task Distributions_NoValuesSinceLastReport_SendNothing()
    {
        _registry.Histogram("rt.idle");
        _registry.Counter("rt.marker").Inc();
        var reporter = ProxyReporter(o => o.Distributions = true);

        await reporter.ReportNowAsync();

        await _proxy.WaitForLinesAsync(1, Deadline);
        Assert.That(_distributions.Lines, Is.Empty);
    }

    [Test]
    public async Task ReportNowAsync_InvalidPoint_ReportedToErrorHandlerAndOthersStillSent()
    {
        _registry.Counter("rt." + new string('x', 300)).Inc();
        _registry.Counter("rt.ok").Inc();
        var reporter = ProxyReporter();

        await reporter.ReportNowAsync();

        var lines = await _proxy.WaitForLinesAsync(1, Deadline);
        Assert.That(lines.Select(l => WavefrontLineParser.ParseMetric(l).Name), Is.EqualTo(new[] { "rt.ok.count" }));
        Assert.That(_failures.Single().Errors.Single(), Does.Contain("at most 256"));
    }

    [Test]
    public async Task ReportNowAsync_SpecialCharacters_AreSanitizedAndEscaped()
    {
        _registry.Counter("rt.http requests/sec", new Tags(("path", "/a \"b\""))).Inc();
        var reporter = ProxyReporter();

        await reporter.ReportNowAsync();

        var line = (await _proxy.WaitForLinesAsync(1, Deadline)).Single();
        Assert.That(line, Is.EqualTo($"\"rt.http-requests-sec.count\" 1.0 {Now} source=\"web-1\" \"app\"=\"shop\" \"env\"=\"prod\" \"path\"=\"/a \\\"b\\\"\""));
    }

    [Test]
    public async Task ReportNowAsync_TagKeysThatBecomeTheSameOnceSanitized_PointNotSentAndReported()
    {
        _registry.Counter("rt.clash", new Tags(("a b", "1"), ("a-b", "2"))).Inc();
        _registry.Counter("rt.ok", new Tags(("a b", "1"))).Inc();
        var reporter = ProxyReporter();

        await reporter.ReportNowAsync();

        var lines = await _proxy.WaitForLinesAsync(1, Deadline);
        Assert.That(lines.Single(), Does.StartWith("\"rt.ok.count\" 1.0 ").And.Contain(" \"a-b\"=\"1\""));
        Assert.That(_failures.Single().Errors.Single(), Does.Contain("'a b' and 'a-b' of 'rt.clash.count' both become 'a-b'"));
    }

    [Test]
    public async Task DirectReporter_Unauthorized_FailureHasStatusAndNoToken()
    {
        using var server = HttpTestServer.Start();
        server.Handler = _ => new TestResponse(401, "unauthorized");
        _registry.Counter("rt.orders").Inc();
        var reporter = new WavefrontReporter(_registry, new WavefrontReporterOptions
        {
            Server = server.BaseAddress, Token = "super-secret", Source = "web-1", ErrorHandler = _failures.Enqueue,
            Filter = s => s.Name.StartsWith("rt.", StringComparison.Ordinal),
        });
        _reporters.Add(reporter);

        await reporter.ReportNowAsync();

        var failure = _failures.Single();
        Assert.That(failure.StatusCode, Is.EqualTo(401));
        Assert.That(failure.ToString(), Does.Contain("token").And.Not.Contain("super-secret"));
        Assert.That(server.Requests.Single().Header("Authorization"), Is.EqualTo("Bearer super-secret"));
    }

    [Test]
    public async Task DirectReporter_PayloadTooLarge_BatchIsSplitAndDelivered()
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(new TestResponse(413, "too large"));
        for (var i = 0; i < 4; i++)
        {
            _registry.Counter("rt.c" + i).Inc(i + 1);
        }

        var reporter = new WavefrontReporter(_registry, new WavefrontReporterOptions
        {
            Server = server.BaseAddress, Token = "t", Source = "web-1", ErrorHandler = _failures.Enqueue,
            Filter = s => s.Name.StartsWith("rt.", StringComparison.Ordinal),
        });
        _reporters.Add(reporter);

        await reporter.ReportNowAsync();

        var requests = await server.WaitForRequestsAsync(3, Deadline);
        var delivered = requests.Skip(1).SelectMany(r => r.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Select(WavefrontLineParser.ParseMetric);
        Assert.That(delivered.Select(p => (p.Name, p.Value)), Is.EquivalentTo(new[] { ("rt.c0.count", 1.0), ("rt.c1.count", 2.0), ("rt.c2.count", 3.0), ("rt.c3.count", 4.0) }));
        Assert.That(_failures, Is.Empty);
    }

    [Test]
    public async Task DirectReporter_DistributionsTooLargeAfterDeltaCountersDelivered_DistributionsSplitAndDeliveredDeltaSentOnce()
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(new TestResponse(202));
        server.Enqueue(new TestResponse(413, "too large"));
        _registry.Counter("rt.orders").Inc(5);
        for (var i = 0; i < 4; i++)
        {
            _registry.Histogram("rt.h" + i).Update(10 * (i + 1));
        }

        var reporter = new WavefrontReporter(_registry, new WavefrontReporterOptions
        {
            Server = server.BaseAddress, Token = "t", Source = "web-1", ErrorHandler = _failures.Enqueue,
            Filter = s => s.Name.StartsWith("rt.", StringComparison.Ordinal),
            DeltaCounters = true, Distributions = true, Retry = new RetryOptions { MaxRetries = 0 },
        });
        _reporters.Add(reporter);

        await reporter.ReportNowAsync();

        var requests = await server.WaitForRequestsAsync(4, Deadline);
        var metricLines = requests.Where(r => r.Query == "f=wavefront").SelectMany(r => r.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.That(metricLines, Is.EqualTo(new[] { "\"\u2206rt.orders.count\" 5.0 source=\"web-1\" \"app\"=\"shop\"" }), "the delta counter is sent once");
        var histogramRequests = requests.Where(r => r.Query == "f=histogram").Select(r => r.Body.Count(c => c == '\n')).ToList();
        Assert.That(histogramRequests, Is.EqualTo(new[] { 4, 2, 2 }), "the refused distributions are sent again in halves");
        var delivered = requests.Where(r => r.Query == "f=histogram").Skip(1).SelectMany(r => r.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.That(delivered, Is.EqualTo(new[] { 10, 20, 30, 40 }.Select((v, i) => $"!M {Now} #1 {v}.0 \"rt.h{i}\" source=\"web-1\" \"app\"=\"shop\"")));
        Assert.That(_failures, Is.Empty);
    }

    [Test]
    public async Task DirectReporter_OneDistributionTooLargeAfterDeltaCountersDelivered_OnlyItIsDroppedAndReported()
    {
        using var server = HttpTestServer.Start();
        server.Enqueue(new TestResponse(202));
        server.Enqueue(new TestResponse(413, "too large"));
        server.Enqueue(new TestResponse(413, "too large"));
        _registry.Counter("rt.orders").Inc(5);
        _registry.Histogram("rt.h0").Update(10);
        _registry.Histogram("rt.h1").Update(20);
        var reporter = new WavefrontReporter(_registry, new WavefrontReporterOptions
        {
            Server = server.BaseAddress, Token = "t", Source = "web-1", ErrorHandler = _failures.Enqueue,
            Filter = s => s.Name.StartsWith("rt.", StringComparison.Ordinal),
            DeltaCounters = true, Distributions = true, Retry = new RetryOptions { MaxRetries = 0 },
        });
        _reporters.Add(reporter);

        await reporter.ReportNowAsync();

        var requests = await server.WaitForRequestsAsync(4, Deadline);
        Assert.That(requests.Select(r => r.Query), Is.EqualTo(new[] { "f=wavefront", "f=histogram", "f=histogram", "f=histogram" }));
        Assert.That(requests[3].Body, Does.Contain("\"rt.h1\""));
        var failure = _failures.Single();
        Assert.That((failure.Succeeded, failure.Failed), Is.EqualTo((2L, 1L)), "the delta counter and rt.h1 delivered, rt.h0 dropped");
        Assert.That(failure.ToString(), Does.Contain("rt.h0").And.Contain("too large"));
        Assert.That(reporter.Status.StoredPoints, Is.Zero);
    }

    [Test]
    public async Task ProxyReporter_ProxyDown_FailureNamesTheProxyAndPointsAreNotLost()
    {
        _registry.Counter("rt.orders").Inc(4);
        var path = Path.Combine(Path.GetTempPath(), "wf-offline-" + Guid.NewGuid().ToString("N") + ".db");
        _proxy.RefuseConnections();
        var reporter = ProxyReporter(o => o.OfflineStorage = new OfflineStorageOptions { Path = path });
        try
        {
            await reporter.ReportNowAsync();

            Assert.That(_failures.Select(f => f.ToString()), Has.Some.Contains($"127.0.0.1:{_proxy.Port}"), string.Join(" / ", _failures));
            Assert.That(reporter.Status.StoredPoints, Is.EqualTo(1));

            var firstReport = Now;
            _proxy.AcceptConnections();
            _time.Advance(TimeSpan.FromSeconds(2));
            await reporter.ReportNowAsync();

            // The stored point of the first report is replayed beside the second report's point.
            var points = (await _proxy.WaitForLinesAsync(2, Deadline)).Select(WavefrontLineParser.ParseMetric).ToList();
            Assert.That(points.Select(p => (p.Name, p.Value, p.Timestamp)), Is.EquivalentTo(new[] { ("rt.orders.count", 4.0, (long?)firstReport), ("rt.orders.count", 4.0, (long?)Now) }));
        }
        finally
        {
            await reporter.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(path);
        }
    }

    [Test]
    public async Task Distributions_DistributionPortDown_WholeBatchKeptOfflineAndDistributionDeliveredLater()
    {
        _registry.Counter("rt.orders").Inc(2);
        _registry.Histogram("rt.latency").Update(30);
        var path = Path.Combine(Path.GetTempPath(), "wf-offline-" + Guid.NewGuid().ToString("N") + ".db");
        _distributions.RefuseConnections();
        var reporter = ProxyReporter(o =>
        {
            o.Distributions = true;
            o.OfflineStorage = new OfflineStorageOptions { Path = path };
        });
        try
        {
            await reporter.ReportNowAsync();
            var firstReport = Now;
            await _proxy.WaitForLinesAsync(1, Deadline);
            Assert.That(reporter.Status.StoredPoints, Is.EqualTo(2), "the distribution is kept, with the metric of its batch");

            _distributions.AcceptConnections();
            _time.Advance(TimeSpan.FromSeconds(2));
            await reporter.ReportNowAsync();

            var distribution = (await _distributions.WaitForLinesAsync(1, Deadline)).Single();
            Assert.That(distribution, Is.EqualTo($"!M {firstReport} #1 30.0 \"rt.latency\" source=\"web-1\" \"app\"=\"shop\" \"env\"=\"prod\""));
            var metrics = (await _proxy.WaitForLinesAsync(3, Deadline)).Select(WavefrontLineParser.ParseMetric).ToList();
            Assert.That(metrics.Select(p => (p.Name, p.Value, p.Timestamp)), Is.EquivalentTo(new[]
            {
                ("rt.orders.count", 2.0, (long?)firstReport), ("rt.orders.count", 2.0, (long?)firstReport), ("rt.orders.count", 2.0, (long?)Now),
            }), "the resent metric line has its original timestamp, so it only overwrites the same value");
            Assert.That(reporter.Status.StoredPoints, Is.Zero);
        }
        finally
        {
            await reporter.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(path);
        }
    }

    [Test]
    public async Task Distributions_DistributionPortDownAfterDeltaCountersDelivered_ReportedNotResent()
    {
        _registry.Counter("rt.orders").Inc(2);
        _registry.Histogram("rt.latency").Update(30);
        _distributions.RefuseConnections();
        var reporter = ProxyReporter(o =>
        {
            o.Distributions = true;
            o.DeltaCounters = true;
        });

        await reporter.ReportNowAsync();
        _distributions.AcceptConnections();
        _time.Advance(TimeSpan.FromSeconds(2));
        await reporter.ReportNowAsync();
        _registry.Counter("rt.marker").Inc();
        await reporter.ReportNowAsync();

        var lines = await _proxy.WaitForLinesAsync(2, Deadline);
        Assert.That(lines.Select(l => WavefrontLineParser.ParseMetric(l).Name), Is.EqualTo(new[] { "\u2206rt.orders.count", "\u2206rt.marker.count" }), "the delta counter is sent once");
        Assert.That(_distributions.Lines, Is.Empty);
        var failure = _failures.Single();
        Assert.That((failure.Succeeded, failure.Failed), Is.EqualTo((1L, 1L)));
        Assert.That(failure.ToString(), Does.Contain($"127.0.0.1:{_distributions.Port}"));
    }

    [Test]
    public void Constructor_BothProxyAndServer_ThrowsNamingBoth() =>
        Assert.That(
            () => new WavefrontReporter(_registry, new WavefrontReporterOptions { ProxyHost = "h", Server = new Uri("https://x.wavefront.com") }),
            Throws.ArgumentException.With.Message.Contains("exactly one of ProxyHost").And.Message.Contains("Server"));

    [TestCase("MetricsPort")]
    [TestCase("DistributionPort")]
    [TestCase("RequestTimeout")]
    [TestCase("Source")]
    [TestCase("ProxyHost")]
    public void Constructor_InvalidOption_ThrowsNamingIt(string option)
    {
        var options = new WavefrontReporterOptions { ProxyHost = "h" };
        switch (option)
        {
            case "MetricsPort": options.MetricsPort = 0; break;
            case "DistributionPort": options.DistributionPort = 70000; break;
            case "RequestTimeout": options.RequestTimeout = TimeSpan.Zero; break;
            case "Source": options.Source = "host\\"; break;
            default: options.ProxyHost = " "; break;
        }

        Assert.That(() => new WavefrontReporter(_registry, options), Throws.ArgumentException.With.Property("ParamName").EqualTo(option).And.Message.Contains(option));
    }

    [Test]
    public void Constructor_NeitherProxyNorServer_Throws() =>
        Assert.That(() => new WavefrontReporter(_registry, new WavefrontReporterOptions()), Throws.ArgumentException.With.Message.Contains("exactly one"));

    [Test]
    public void Constructor_DistributionsWithoutGranularity_Throws() =>
        Assert.That(
            () => new WavefrontReporter(_registry, new WavefrontReporterOptions { ProxyHost = "h", Distributions = true, Granularities = [] }),
            Throws.ArgumentException.With.Message.Contains("Granularities"));

    [Test]
    public void Options_ToString_HidesToken() =>
        Assert.That(new WavefrontReporterOptions { Server = new Uri("https://x.wavefront.com"), Token = "super-secret" }.ToString(), Does.Not.Contain("super-secret"));

    [Test]
    public void Options_Defaults_AreDocumented()
    {
        var o = new WavefrontReporterOptions();

        Assert.That(o.MetricsPort, Is.EqualTo(2878));
        Assert.That(o.DistributionPort, Is.EqualTo(40000));
        Assert.That(o.BatchSize, Is.EqualTo(10_000));
        Assert.That(o.Source, Is.EqualTo(Environment.MachineName));
        Assert.That(o.DeltaCounters, Is.False);
        Assert.That(o.Distributions, Is.False);
        Assert.That(o.Granularities, Is.EqualTo(new[] { HistogramGranularity.Minute }));
    }
}
