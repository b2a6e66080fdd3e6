using Metrics.Reporters.Tests.OpenTsdb;

namespace Metrics.Reporters.Tests.Apptuit;

/// <summary>The client's points land in a real backend that speaks the same <c>/api/put</c> JSON and are read back.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ApptuitVictoriaMetricsTests
{
    [Test]
    public async Task SendAsync_ToVictoriaMetrics_PointsAreStoredWithNamesTagsAndValues()
    {
        await using var vm = await VictoriaMetricsServer.StartOrSkipAsync();
        using var client = new ApptuitClient(new ApptuitClientOptions
        {
            Token = "vm-token",
            ApiEndpoint = vm.HttpEndpoint,
            GlobalTags = new Tags(("env", "test")),
            UseGzip = true, // VictoriaMetrics decodes gzip bodies, not zlib
        });
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        await client.SendAsync([
            new DataPoint("apptuit.vm.cpu.percent", new Tags(("host", "a")), now, 42.5),
            new DataPoint("apptuit.vm.cpu.percent", new Tags(("host", "b")), now, 7),
            new DataPoint("apptuit.vm.requests{\"code\": \"200\"}", new Tags(("host", "a")), now, 3),
        ]);

        var series = await vm.WaitForSamplesAsync("apptuit_vm_", samples: 3, TimeSpan.FromSeconds(15));
        Assert.Multiple(() =>
        {
            Assert.That(series.Select(s => s.Name), Is.EquivalentTo(new[] { "apptuit_vm_cpu_percent", "apptuit_vm_cpu_percent", "apptuit_vm_requests" }));
            var a = series.Single(s => s.Name == "apptuit_vm_cpu_percent" && s.Tags["host"] == "a");
            Assert.That(a.Tags, Is.EqualTo(new Dictionary<string, string> { ["host"] = "a", ["env"] = "test" }));
            Assert.That(a.Values, Is.EqualTo(new[] { 42.5 }));
            Assert.That(a.TimestampsMs, Is.EqualTo(new[] { now.ToUnixTimeMilliseconds() }));
            Assert.That(series.Single(s => s.Name == "apptuit_vm_requests").Tags["code"], Is.EqualTo("200"));
        });
    }

    [Test]
    public async Task SendTimeSeriesAsync_ToVictoriaMetrics_AllPointsReadBack()
    {
        await using var vm = await VictoriaMetricsServer.StartOrSkipAsync();
        using var client = new ApptuitClient(new ApptuitClientOptions { Token = "t", ApiEndpoint = vm.HttpEndpoint, UseGzip = true, BatchSize = 7, GlobalTags = new Tags(("env", "test")) });
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).AddMinutes(-30);
        var series = new TimeSeries("apptuit.vm.load", new Tags(("host", "a")));
        for (var i = 0; i < 20; i++)
        {
            series.AddPoint(start.AddMinutes(i), i);
        }

        await client.SendTimeSeriesAsync([series]);

        var exported = await vm.WaitForSamplesAsync("apptuit_vm_load", samples: 20, TimeSpan.FromSeconds(15));
        Assert.That(exported.Single().Values, Is.EqualTo(Enumerable.Range(0, 20).Select(i => (double)i)));
    }

    [Test]
    public async Task ApptuitReporter_ToVictoriaMetrics_PyformanceSeriesAreStored()
    {
        await using var vm = await VictoriaMetricsServer.StartOrSkipAsync();
        var registry = new MetricsRegistry();
        registry.Counter("vmreport.orders", new Tags(("region", "eu"))).Inc(5);
        registry.Meter("vmreport.requests").Mark(3);
        registry.Timer("vmreport.db").Update(TimeSpan.FromMilliseconds(250));
        var failures = new List<ReportFailure>();
        await using var reporter = new ApptuitReporter(registry, new ApptuitReporterOptions
        {
            Token = "vm-token",
            ApiEndpoint = vm.HttpEndpoint,
            UseGzip = true, // VictoriaMetrics decodes gzip bodies, not zlib
            Prefix = "app.",
            Tags = new Tags(("service", "orders")),
            DisableHostTag = true,
            ErrorHandler = failures.Add,
        });

        await reporter.ReportNowAsync();

        var series = await vm.WaitForSamplesAsync("app_vmreport_", samples: 1 + 5 + 15, TimeSpan.FromSeconds(15));
        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.Empty);
            var orders = series.Single(s => s.Name == "app_vmreport_orders_count");
            Assert.That(orders.Tags, Is.EqualTo(new Dictionary<string, string> { ["region"] = "eu", ["service"] = "orders" }));
            Assert.That(orders.Values, Is.EqualTo(new[] { 5.0 }));
            Assert.That(series.Single(s => s.Name == "app_vmreport_requests_count").Values, Is.EqualTo(new[] { 3.0 }));
            Assert.That(series.Single(s => s.Name == "app_vmreport_db_max").Values.Single(), Is.EqualTo(0.25).Within(0.01));
            Assert.That(series.Select(s => s.Name), Does.Contain("app_vmreport_db_999_percentile").And.Contain("app_vmreport_requests_15m_rate"));
        });
    }
}
