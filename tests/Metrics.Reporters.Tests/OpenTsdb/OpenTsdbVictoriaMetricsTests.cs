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
}
