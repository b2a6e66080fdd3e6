using Metrics.Testing;

namespace Metrics.Reporters.Tests.OpenTsdb;

/// <summary>The client and the reporter against a real VictoriaMetrics speaking OpenTSDB telnet and HTTP.</summary>
[NonParallelizable]
public class OpenTsdbVictoriaMetricsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private VictoriaMetricsServer _server = null!;

    [OneTimeSetUp]
    public async Task StartServer() => _server = await VictoriaMetricsServer.StartOrSkipAsync();

    [OneTimeTearDown]
    public async Task StopServer()
    {
        if (_server != null)
        {
            await _server.DisposeAsync();
        }
    }

    private static string Prefix(string transport) => $"otsdb.{transport}.{Guid.NewGuid():N}"[..30] + ".";

    // Whole seconds, a little in the past so that every point has its own timestamp and none is in the future.
    private static DateTimeOffset Second(int i) => DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 100 + i);

    [TestCase("tcp")]
    [TestCase("http")]
    public async Task Client_SendsPoints_EveryPointIsStoredExactly(string transport)
    {
        var prefix = Prefix(transport);
        var endpoint = transport == "tcp" ? _server.TelnetEndpoint : _server.HttpEndpoint;
        var failures = new List<ReportFailure>();
        var expected = new List<(string Name, string Core, long Ms, double Value)>();
        await using (var client = new OpenTsdbClient(new OpenTsdbClientOptions { Endpoint = endpoint, HostTag = "web-1", ErrorHandler = failures.Add, CheckConnectivity = true }))
        {
            for (var i = 0; i < 30; i++)
            {
                var name = prefix + (i % 2 == 0 ? "cpu" : "procs");
                var core = (i % 3).ToString();
                var value = i % 2 == 0 ? i + 0.25 : i * 1000;
                var at = Second(i);
                client.Send(name, value, new Tags(("core", core)), at);
                expected.Add((name, core, at.ToUnixTimeMilliseconds(), value));
            }

            Assert.That(await client.FlushAsync(Wait), Is.True);
        }

        var series = await _server.WaitForSamplesAsync(prefix, expected.Count, Wait);

        var stored = series.SelectMany(s => s.Samples.Select(p => (s.Name, Core: s.Tags["core"], p.Ms, p.Value))).OrderBy(p => p.Ms).ToList();
        Assert.That(stored, Is.EqualTo(expected));
        Assert.That(series.Select(s => s.Tags["host"]).Distinct(), Is.EqualTo(new[] { "web-1" }));
        Assert.That(series.All(s => s.Tags.Count == 2), Is.True, "host and core only");
        Assert.That(failures, Is.Empty);
    }

    [TestCase("tcp")]
    [TestCase("http")]
    public async Task Client_ReplacedCharactersAndUnicode_AreStoredAsSent(string transport)
    {
        var prefix = Prefix(transport);
        var endpoint = transport == "tcp" ? _server.TelnetEndpoint : _server.HttpEndpoint;
        var at = Second(0);
        await using (var client = new OpenTsdbClient(new OpenTsdbClientOptions { Endpoint = endpoint, HostTag = "" }))
        {
            client.Send(prefix + "disk used %", 1.5e-05, new Tags(("ville", "Zürich"), ("mount point", "/var:log")), at);
            Assert.That(await client.FlushAsync(Wait), Is.True);
        }

        var series = (await _server.WaitForSamplesAsync(prefix, 1, Wait)).Single();

        Assert.That(series.Name, Is.EqualTo(prefix + "disk_used__"));
        Assert.That(series.Tags, Is.EquivalentTo(new Dictionary<string, string> { ["ville"] = "Zürich", ["mount_point"] = "/var_log" }));
        Assert.That(series.Values.Single(), Is.EqualTo(1.5e-05));
        Assert.That(series.TimestampsMs.Single(), Is.EqualTo(at.ToUnixTimeMilliseconds()));
    }

    [TestCase("tcp")]
    [TestCase("http")]
    public async Task Reporter_SeveralReports_EveryPointIsStoredExactly(string transport)
    {
        var prefix = Prefix(transport);
        var time = new ManualTimeProvider(Second(0));
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = time });
        var orders = registry.Counter("orders", new Tags(("region", "eu")));
        var depth = 0.0;
        registry.Gauge("queue.depth", () => depth);
        var sizes = registry.Histogram("sizes");
        var failures = new List<ReportFailure>();
        var expected = new List<(string Name, string Tags, long Ms, double Value)>();
        await using (var reporter = new OpenTsdbReporter(registry, Options(transport == "tcp" ? _server.TelnetEndpoint : _server.HttpEndpoint, prefix, failures)))
        {
            for (var report = 0; report < 3; report++)
            {
                orders.Inc(report + 1);
                depth = report + 0.5;
                // The same size each time: every histogram field is then known exactly (7, and 0 for std_dev).
                sizes.Update(7);
                var ms = time.GetUtcNow().ToUnixTimeMilliseconds();
                await reporter.ReportNowAsync().WaitAsync(Wait);
                expected.Add((prefix + "orders.count", "env=test,host=web-1,region=eu", ms, orders.Count));
                expected.Add((prefix + "queue.depth.value", "env=test,host=web-1", ms, depth));
                expected.Add((prefix + "sizes.count", "env=test,host=web-1", ms, report + 1));
                foreach (var field in new[] { "avg", "max", "min", "75_percentile", "95_percentile", "99_percentile", "999_percentile" })
                {
                    expected.Add((prefix + "sizes." + field, "env=test,host=web-1", ms, 7));
                }

                expected.Add((prefix + "sizes.std_dev", "env=test,host=web-1", ms, 0));
                time.Advance(TimeSpan.FromSeconds(10));
            }
        }

        var series = await _server.WaitForSamplesAsync(prefix, 3 * 11, Wait);

        var stored = series
            .SelectMany(s => s.Samples.Select(p => (s.Name, Tags: string.Join(",", s.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Key + "=" + t.Value)), p.Ms, p.Value)))
            .ToList();
        Assert.That(stored, Is.EquivalentTo(expected), "every point of every series: name, tags, timestamp and value");
        Assert.That(series.Select(s => s.Name[prefix.Length..]), Is.EquivalentTo(new[]
        {
            "orders.count", "queue.depth.value", "sizes.count", "sizes.avg", "sizes.max", "sizes.min", "sizes.std_dev",
            "sizes.75_percentile", "sizes.95_percentile", "sizes.99_percentile", "sizes.999_percentile",
        }));
        Assert.That(series.All(s => s.Values.Count == 3), Is.True, "one sample per report for every series");
        Assert.That(failures, Is.Empty);
    }

    [TestCase("tcp")]
    [TestCase("http")]
    public async Task Reporter_ServerStoppedMidStreamAndRestarted_NoPointIsMissing(string transport)
    {
        await using var server = await VictoriaMetricsServer.StartOrSkipAsync();
        var prefix = Prefix(transport);
        var time = new ManualTimeProvider(Second(-200));
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = time });
        var counter = registry.Counter("orders");
        var failures = new List<ReportFailure>();
        var options = Options(transport == "tcp" ? server.TelnetEndpoint : server.HttpEndpoint, prefix, failures);
        options.Tags = Tags.Empty;
        var dir = Directory.CreateTempSubdirectory("metrics-otsdb-offline-").FullName;
        options.OfflineStorage = new OfflineStorageOptions { Path = Path.Combine(dir, "offline.db") };
        var expected = new List<(long Ms, double Value)>();

        async Task ReportAsync(OpenTsdbReporter reporter)
        {
            counter.Inc();
            expected.Add((time.GetUtcNow().ToUnixTimeMilliseconds(), counter.Count));
            await reporter.ReportNowAsync().WaitAsync(Wait);
            time.Advance(TimeSpan.FromSeconds(10));
        }

        try
        {
            await using (var reporter = new OpenTsdbReporter(registry, options))
            {
                for (var i = 0; i < 3; i++)
                {
                    await ReportAsync(reporter);
                }

                await server.WaitForSamplesAsync(prefix, 3, Wait);
                await server.StopAsync();
                for (var i = 0; i < 3; i++)
                {
                    await ReportAsync(reporter);
                }

                Assert.That(reporter.Status.StoredPoints, Is.EqualTo(3), "the reports made while the server was down are kept");
                await server.StartAsync();
                for (var i = 0; i < 2; i++)
                {
                    await ReportAsync(reporter);
                }

                var series = (await server.WaitForSamplesAsync(prefix, expected.Count, Wait)).Single();
                Assert.That(series.Name, Is.EqualTo(prefix + "orders.count"));
                Assert.That(series.Samples.OrderBy(s => s.Ms), Is.EqualTo(expected));
                Assert.That(reporter.Status.StoredPoints, Is.Zero);
                Assert.That(failures, Is.Not.Empty, "the outage was reported");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestCase("tcp")]
    [TestCase("http")]
    public async Task Client_ServerStoppedMidStreamAndRestarted_ResendsUntilEveryPointIsStored(string transport)
    {
        await using var server = await VictoriaMetricsServer.StartOrSkipAsync();
        var prefix = Prefix(transport);
        var failures = new List<ReportFailure>();
        var expected = new List<(long Ms, double Value)>();
        await using var client = new OpenTsdbClient(new OpenTsdbClientOptions
        {
            Endpoint = transport == "tcp" ? server.TelnetEndpoint : server.HttpEndpoint,
            HostTag = "web-1",
            ErrorHandler = f =>
            {
                lock (failures)
                {
                    failures.Add(f);
                }
            },
        });

        void Send(int i)
        {
            var at = Second(i);
            client.Send(prefix + "jobs", i + 0.5, timestamp: at);
            expected.Add((at.ToUnixTimeMilliseconds(), i + 0.5));
        }

        for (var i = 0; i < 5; i++)
        {
            Send(i);
        }

        Assert.That(await client.FlushAsync(Wait), Is.True);
        await server.WaitForSamplesAsync(prefix, 5, Wait);
        await server.StopAsync();
        for (var i = 5; i < 10; i++)
        {
            Send(i);
        }

        var whileDown = await client.FlushAsync(TimeSpan.FromMilliseconds(500));
        await server.StartAsync();
        var afterRestart = await client.FlushAsync(Wait);

        var series = (await server.WaitForSamplesAsync(prefix, expected.Count, Wait)).Single();
        Assert.That(whileDown, Is.False, "nothing can be delivered while the server is down");
        Assert.That(afterRestart, Is.True);
        Assert.That(series.Samples.OrderBy(s => s.Ms), Is.EqualTo(expected));
        Assert.That(client.Dropped, Is.Zero);
        lock (failures)
        {
            Assert.That(failures, Is.Not.Empty, "the outage was reported");
        }
    }

    private static OpenTsdbReporterOptions Options(Uri endpoint, string prefix, List<ReportFailure> failures) => new()
    {
        Endpoint = endpoint,
        Prefix = prefix,
        HostTag = "web-1",
        Tags = new Tags(("env", "test")),
        Retry = new RetryOptions { MaxRetries = 0 },
        Filter = s => !s.Name.StartsWith("metrics.", StringComparison.Ordinal),
        ErrorHandler = f =>
        {
            lock (failures)
            {
                failures.Add(f);
            }
        },
    };
}
