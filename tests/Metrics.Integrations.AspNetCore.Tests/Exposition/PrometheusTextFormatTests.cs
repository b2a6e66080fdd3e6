using Metrics.AspNetCore.Exposition;
using Metrics.Testing;

namespace Metrics.Integrations.AspNetCore.Tests.Exposition;

public class PrometheusTextFormatTests
{
    private static readonly DateTimeOffset Time = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static MetricSnapshot Snap(string name, MetricType type, Tags? tags = null, long count = 0, double value = 0) => new()
    {
        Name = name,
        Tags = tags ?? Tags.Empty,
        Type = type,
        Timestamp = Time,
        Count = count,
        Value = value,
    };

    [Test]
    public void Format_CountersAndGauges_MatchesGoldenText()
    {
        var text = PrometheusTextFormat.Format(
            new[]
            {
                Snap("orders", MetricType.Counter, new Tags(("region", "eu")), count: 3),
                Snap("orders", MetricType.Counter, new Tags(("region", "us")), count: 5),
                Snap("queue.depth", MetricType.Gauge, value: 12.5),
                Snap("cache.hit_ratio", MetricType.Gauge, value: double.NaN),
            },
            new Tags(("app", "shop")));

        Assert.That(text, Is.EqualTo(
            "# HELP orders_total Counter orders\n" +
            "# TYPE orders_total counter\n" +
            "orders_total{app=\"shop\",region=\"eu\"} 3\n" +
            "orders_total{app=\"shop\",region=\"us\"} 5\n" +
            "# HELP queue_depth Gauge queue.depth\n" +
            "# TYPE queue_depth gauge\n" +
            "queue_depth{app=\"shop\"} 12.5\n"));
    }

    [Test]
    public void Format_Meter_IsACounterPlusRateGauges()
    {
        var meter = new MetricSnapshot
        {
            Name = "logins",
            Tags = Tags.Empty,
            Type = MetricType.Meter,
            Timestamp = Time,
            Count = 7,
            MeanRate = 0.5,
            OneMinuteRate = 0.25,
            FiveMinuteRate = 0.125,
            FifteenMinuteRate = 1e-5,
        };

        var text = PrometheusTextFormat.Format(new[] { meter }, Tags.Empty);

        Assert.That(text, Is.EqualTo(
            "# HELP logins_15m_rate Meter logins: fifteen-minute rate per second\n" +
            "# TYPE logins_15m_rate gauge\n" +
            "logins_15m_rate 1E-05\n" +
            "# HELP logins_1m_rate Meter logins: one-minute rate per second\n" +
            "# TYPE logins_1m_rate gauge\n" +
            "logins_1m_rate 0.25\n" +
            "# HELP logins_5m_rate Meter logins: five-minute rate per second\n" +
            "# TYPE logins_5m_rate gauge\n" +
            "logins_5m_rate 0.125\n" +
            "# HELP logins_mean_rate Meter logins: mean rate per second\n" +
            "# TYPE logins_mean_rate gauge\n" +
            "logins_mean_rate 0.5\n" +
            "# HELP logins_total Meter logins: events\n" +
            "# TYPE logins_total counter\n" +
            "logins_total 7\n"));
    }

    [Test]
    public void Format_HistogramAndTimer_AreSummariesTimerInSeconds()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        var sizes = registry.Histogram("response.size", new Tags(("route", "/orders")));
        foreach (var v in new[] { 10, 20, 30, 40 })
        {
            sizes.Update(v);
        }

        var timer = registry.Timer("db.query");
        timer.Update(TimeSpan.FromMilliseconds(2));
        timer.Update(TimeSpan.FromMilliseconds(4));

        var text = PrometheusTextFormat.Format(registry.CreateReader().Read(), Tags.Empty);

        var h = registry.Histogram("response.size", new Tags(("route", "/orders"))).GetSnapshot();
        var t = registry.Timer("db.query").GetSnapshot();
        string Q(HistogramSnapshot s, double q, double scale) => PrometheusTextFormat.FormatValue(s.GetValue(q) / scale);
        Assert.That(text, Is.EqualTo(
            "# HELP db_query_seconds Timer db.query, in seconds\n" +
            "# TYPE db_query_seconds summary\n" +
            $"db_query_seconds{{quantile=\"0.5\"}} {Q(t, 0.5, 1e9)}\n" +
            $"db_query_seconds{{quantile=\"0.75\"}} {Q(t, 0.75, 1e9)}\n" +
            $"db_query_seconds{{quantile=\"0.95\"}} {Q(t, 0.95, 1e9)}\n" +
            $"db_query_seconds{{quantile=\"0.99\"}} {Q(t, 0.99, 1e9)}\n" +
            $"db_query_seconds{{quantile=\"0.999\"}} {Q(t, 0.999, 1e9)}\n" +
            "db_query_seconds_sum 0.006\n" +
            "db_query_seconds_count 2\n" +
            "# HELP response_size Histogram response.size\n" +
            "# TYPE response_size summary\n" +
            "response_size{route=\"/orders\",quantile=\"0.5\"} 20\n" +
            "response_size{route=\"/orders\",quantile=\"0.75\"} 30\n" +
            "response_size{route=\"/orders\",quantile=\"0.95\"} 40\n" +
            "response_size{route=\"/orders\",quantile=\"0.99\"} 40\n" +
            "response_size{route=\"/orders\",quantile=\"0.999\"} 40\n" +
            "response_size_sum{route=\"/orders\"} 100\n" +
            "response_size_count{route=\"/orders\"} 4\n"));
        Assert.That(t.GetValue(0.5) / 1e9, Is.EqualTo(0.002).Within(0.01).Percent, "timer quantiles are in seconds");
        Assert.That(h.Count, Is.EqualTo(4));
    }

    [Test]
    public void Format_EmptyHistogram_QuantilesAreNaN()
    {
        var text = PrometheusTextFormat.Format(new[] { Snap("latency", MetricType.Histogram) }, Tags.Empty);

        Assert.That(text, Does.Contain("latency{quantile=\"0.5\"} NaN\n"));
        Assert.That(text, Does.Contain("latency_count 0\n"));
    }

    [Test]
    public void Format_NamesAndLabels_AreSanitizedAndValuesEscaped()
    {
        var text = PrometheusTextFormat.Format(
            new[] { Snap("1m.node-load/avg", MetricType.Gauge, new Tags(("path name", "C:\\dir \"x\"\nnext"), ("0zone", "a")), value: 1) },
            Tags.Empty);

        Assert.That(text, Is.EqualTo(
            "# HELP _1m_node_load_avg Gauge 1m.node-load/avg\n" +
            "# TYPE _1m_node_load_avg gauge\n" +
            "_1m_node_load_avg{_0zone=\"a\",path_name=\"C:\\\\dir \\\"x\\\"\\nnext\"} 1\n"));
    }

    [Test]
    public void Format_SeriesTagsWinOverGlobalTags()
    {
        var text = PrometheusTextFormat.Format(new[] { Snap("jobs", MetricType.Counter, new Tags(("env", "canary")), count: 1) }, new Tags(("env", "prod")));

        Assert.That(text, Does.Contain("jobs_total{env=\"canary\"} 1\n"));
    }

    [Test]
    public void Format_TwoTypesSanitizingToOneName_KeepsOneFamilyOneType()
    {
        var text = PrometheusTextFormat.Format(
            new[] { Snap("a.b", MetricType.Gauge, value: 1), Snap("a_b", MetricType.Histogram) },
            Tags.Empty);

        Assert.That(text.Split('\n').Count(l => l.StartsWith("# TYPE a_b ", StringComparison.Ordinal)), Is.EqualTo(1));
        Assert.That(text, Does.Contain("# TYPE a_b gauge\n"));
    }

    [Test]
    public void Format_CounterAlreadyEndingInTotal_IsNotSuffixedTwice()
    {
        var text = PrometheusTextFormat.Format(new[] { Snap("requests_total", MetricType.Counter, count: 2) }, Tags.Empty);

        Assert.That(text, Does.Contain("requests_total 2\n"));
        Assert.That(text, Does.Not.Contain("requests_total_total"));
    }

    [TestCase("http.server.requests", "http_server_requests")]
    [TestCase("node.load_avg.1m", "node_load_avg_1m")]
    [TestCase("1m_rate", "_1m_rate")]
    [TestCase("a..b__c", "a_b_c")]
    [TestCase("ns:metric", "ns_metric")]
    [TestCase("größe", "gr_e")]
    [TestCase("...", "_")]
    public void SanitizeName_Examples(string name, string expected)
    {
        Assert.That(PrometheusTextFormat.SanitizeName(name), Is.EqualTo(expected));
    }

    [Test]
    public async Task Format_EveryMetricType_PassesPromtoolCheckMetrics()
    {
        var clock = new ManualTimeProvider();
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = clock, GlobalTags = new Tags(("app", "web shop")) });
        registry.Counter("orders", new Tags(("region", "eu"))).Inc(4);
        registry.Counter("orders", new Tags(("region", "us\"east\"\\1"))).Inc();
        registry.Gauge("queue.depth", () => 3);
        registry.SettableGauge("temperature.celsius").Set(-4.5);
        registry.Meter("logins").Mark(9);
        registry.Histogram("response.size").Update(512);
        registry.Histogram("upload.bytes");
        using (registry.Timer("http.server.requests", new Tags(("route", "/orders/{id}"), ("method", "GET"), ("status", "200"))).Time())
        {
            clock.Advance(TimeSpan.FromMilliseconds(12));
        }

        clock.Advance(TimeSpan.FromSeconds(10));
        var text = PrometheusTextFormat.Format(registry.CreateReader().Read(), registry.GlobalTags);

        var (exitCode, output) = await Promtool.CheckMetricsAsync(text);

        Assert.That(exitCode, Is.EqualTo(0), "promtool check metrics said:\n" + output + "\non:\n" + text);
        Assert.That(output.Trim(), Is.Empty, "promtool lint findings:\n" + output);
    }
}
