using Metrics.AspNetCore.Exposition;
using Metrics.Testing;

namespace Metrics.Integrations.AspNetCore.Tests.Exposition;

/// <summary>Metrics whose names or labels collide once written in the Prometheus format: the output stays valid and deterministic.</summary>
public class PrometheusTextFormatCollisionTests
{
    // "Kind name": registers the metric with a recognisable value (histogram 3, gauge 7, counter 5, meter 2 events, timer 1 s).
    private static void Register(MetricsRegistry registry, string metric, Tags? tags = null)
    {
        var (kind, name) = (metric[..metric.IndexOf(' ', StringComparison.Ordinal)], metric[(metric.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        tags ??= Tags.Empty;
        switch (kind)
        {
            case "Histogram":
                registry.Histogram(name, tags).Update(3);
                break;
            case "Gauge":
                registry.Gauge(name, tags, () => 7);
                break;
            case "Counter":
                registry.Counter(name, tags).Inc(5);
                break;
            case "Meter":
                registry.Meter(name, tags).Mark(2);
                break;
            case "Timer":
                registry.Timer(name, tags).Update(TimeSpan.FromSeconds(1));
                break;
            default:
                throw new ArgumentException(metric);
        }
    }

    // Formats the two metrics registered in both orders, and each registry's snapshots in both orders; all four must agree.
    private static string FormatBothWays(string first, string second)
    {
        var texts = new List<string>();
        foreach (var (a, b) in new[] { (first, second), (second, first) })
        {
            var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
            Register(registry, a);
            Register(registry, b);
            var snapshots = registry.CreateReader().Read();
            texts.Add(PrometheusTextFormat.Format(snapshots, Tags.Empty));
            texts.Add(PrometheusTextFormat.Format(snapshots.Reverse(), Tags.Empty));
        }

        Assert.That(texts, Is.All.EqualTo(texts[0]), "the same metrics in another order must give the same text");
        return texts[0];
    }

    private static async Task AssertPromtoolAcceptsAsync(string text)
    {
        var (exitCode, output) = await Promtool.CheckMetricsAsync(text);

        Assert.That(exitCode, Is.EqualTo(0), "promtool check metrics said:\n" + output + "\non:\n" + text);
        Assert.That(output.Trim(), Is.Empty, "promtool lint findings:\n" + output);
    }

    [TestCase("Histogram basket.size", "Gauge basket.size.count", "basket_size_count 1\n", "basket_size_count (Gauge basket.size.count): basket_size_count is already a sample of basket_size (Histogram basket.size)")]
    [TestCase("Histogram basket.size", "Gauge basket.size.sum", "basket_size_sum 3\n", "basket_size_sum (Gauge basket.size.sum): basket_size_sum is already a sample of basket_size (Histogram basket.size)")]
    [TestCase("Histogram a", "Histogram a.sum", "a_sum 3\n", "a_sum (Histogram a.sum): a_sum is already a sample of a (Histogram a)")]
    [TestCase("Histogram a", "Histogram a.count", "a_count 1\n", "a_count (Histogram a.count): a_count is already a sample of a (Histogram a)")]
    [TestCase("Timer db.query", "Gauge db.query.seconds.count", "db_query_seconds_count 1\n", "db_query_seconds_count (Gauge db.query.seconds.count): db_query_seconds_count is already a sample of db_query_seconds (Timer db.query)")]
    [TestCase("Timer db.query", "Histogram db.query.seconds", "db_query_seconds_sum 1\n", "db_query_seconds (Histogram db.query.seconds): db_query_seconds is already the family of Timer db.query")]
    [TestCase("Counter jobs", "Gauge jobs.total", "jobs_total 5\n", "jobs_total (Gauge jobs.total): jobs_total is already the family of Counter jobs")]
    [TestCase("Meter logins", "Gauge logins.1m_rate", "# HELP logins_1m_rate Meter logins: one-minute rate per second\n", "logins_1m_rate (Gauge logins.1m_rate): logins_1m_rate is already the family of Meter logins")]
    [TestCase("Meter logins", "Counter logins.total", "logins_total 2\n", "logins_total (Counter logins.total): logins_total is already the family of Meter logins")]
    public async Task Format_TwoMetricsClaimingOneSampleName_FirstInNameOrderKeepsIt_PassesPromtool(string first, string second, string keptText, string leftOut)
    {
        var text = FormatBothWays(first, second);

        await AssertPromtoolAcceptsAsync(text);
        Assert.That(text, Does.Contain(keptText));
        Assert.That(text, Does.Contain("\n# Left out: " + leftOut + "\n"));
    }

    [Test]
    public async Task Format_HistogramAndGaugeNamedLikeItsCount_MatchesGoldenText()
    {
        var text = FormatBothWays("Gauge basket.size.count", "Histogram basket.size");

        Assert.That(text, Is.EqualTo(
            "# HELP basket_size Histogram basket.size\n" +
            "# TYPE basket_size summary\n" +
            "basket_size{quantile=\"0.5\"} 3\n" +
            "basket_size{quantile=\"0.75\"} 3\n" +
            "basket_size{quantile=\"0.95\"} 3\n" +
            "basket_size{quantile=\"0.99\"} 3\n" +
            "basket_size{quantile=\"0.999\"} 3\n" +
            "basket_size_sum 3\n" +
            "basket_size_count 1\n" +
            "# Left out: basket_size_count (Gauge basket.size.count): basket_size_count is already a sample of basket_size (Histogram basket.size)\n"));
        await AssertPromtoolAcceptsAsync(text);
    }

    [Test]
    public async Task Format_LeftOutFamily_ReservesNoSampleNames()
    {
        // The summary a_sum is left out (a writes a_sum), so the a_sum_count it would have written is free for a.sum.count.
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        Register(registry, "Histogram a");
        Register(registry, "Histogram a.sum");
        Register(registry, "Histogram a.sum.count");

        var text = PrometheusTextFormat.Format(registry.CreateReader().Read(), Tags.Empty);

        await AssertPromtoolAcceptsAsync(text);
        Assert.That(text, Does.Not.Contain("# TYPE a_sum summary"));
        Assert.That(text, Does.Contain("# TYPE a_sum_count summary\n"));
        Assert.That(text, Does.Contain("a_sum_count_count 1\n"));
        Assert.That(text, Does.Contain("# Left out: a_sum (Histogram a.sum): a_sum is already a sample of a (Histogram a)\n"));
    }

    [Test]
    public async Task Format_TwoMetricsWithOneSeriesAfterSanitizing_FirstNameKeepsIt()
    {
        var text = FormatBothWays("Counter jobs_done", "Counter jobs.done");

        await AssertPromtoolAcceptsAsync(text);
        Assert.That(text, Is.EqualTo(
            "# HELP jobs_done_total Counter jobs.done\n" +
            "# TYPE jobs_done_total counter\n" +
            "jobs_done_total 5\n" +
            "# Left out: jobs_done_total (Counter jobs_done): the series is already written for Counter jobs.done\n"));
    }

    [Test]
    public async Task Format_SummaryTaggedQuantileAndTagQuantile_KeepsTheTagQuantileTag()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        Register(registry, "Histogram hq", new Tags(("quantile", "q"), ("tag_quantile", "z")));

        var text = PrometheusTextFormat.Format(registry.CreateReader().Read(), Tags.Empty);

        await AssertPromtoolAcceptsAsync(text);
        Assert.That(text, Is.EqualTo(
            "# HELP hq Histogram hq\n" +
            "# TYPE hq summary\n" +
            "hq{tag_quantile=\"z\",quantile=\"0.5\"} 3\n" +
            "hq{tag_quantile=\"z\",quantile=\"0.75\"} 3\n" +
            "hq{tag_quantile=\"z\",quantile=\"0.95\"} 3\n" +
            "hq{tag_quantile=\"z\",quantile=\"0.99\"} 3\n" +
            "hq{tag_quantile=\"z\",quantile=\"0.999\"} 3\n" +
            "hq_sum{tag_quantile=\"z\"} 3\n" +
            "hq_count{tag_quantile=\"z\"} 1\n"));
    }

    [Test]
    public async Task Format_SummaryTaggedQuantile_IsTagQuantileOnEveryLine()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider(), GlobalTags = new Tags(("quantile", "global")) });
        Register(registry, "Histogram hq", new Tags(("quantile", "q")));
        Register(registry, "Timer tq");

        var text = PrometheusTextFormat.Format(registry.CreateReader().Read(), registry.GlobalTags);

        await AssertPromtoolAcceptsAsync(text);
        Assert.That(text, Does.Contain("hq{tag_quantile=\"q\",quantile=\"0.5\"} 3\n"));
        Assert.That(text, Does.Contain("hq_sum{tag_quantile=\"q\"} 3\n"));
        Assert.That(text, Does.Contain("hq_count{tag_quantile=\"q\"} 1\n"));
        Assert.That(text, Does.Contain("tq_seconds{tag_quantile=\"global\",quantile=\"0.5\"} 1\n"));
        Assert.That(text, Does.Contain("tq_seconds_count{tag_quantile=\"global\"} 1\n"));
    }

    [Test]
    public async Task Format_EveryTypeTaggedLe_IsTagLeOnEveryLineAndPassesPromtool()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        Register(registry, "Counter c", new Tags(("le", "c")));
        Register(registry, "Gauge g", new Tags(("le", "g")));
        Register(registry, "Meter m", new Tags(("le", "m")));
        Register(registry, "Histogram h", new Tags(("le", "h"), ("quantile", "q")));
        Register(registry, "Timer t", new Tags(("le", "t")));

        var text = PrometheusTextFormat.Format(registry.CreateReader().Read(), Tags.Empty);

        await AssertPromtoolAcceptsAsync(text);
        Assert.That(text, Does.Not.Contain("{le=").And.Not.Contain(",le="), "no series carries the histogram bucket label");
        Assert.That(text, Does.Contain("c_total{tag_le=\"c\"} 5\n"));
        Assert.That(text, Does.Contain("g{tag_le=\"g\"} 7\n"));
        Assert.That(text, Does.Contain("m_total{tag_le=\"m\"} 2\n"));
        Assert.That(text, Does.Contain("m_1m_rate{tag_le=\"m\"} "));
        Assert.That(text, Does.Contain("h{tag_le=\"h\",tag_quantile=\"q\",quantile=\"0.5\"} 3\n"));
        Assert.That(text, Does.Contain("h_sum{tag_le=\"h\",tag_quantile=\"q\"} 3\n"));
        Assert.That(text, Does.Contain("h_count{tag_le=\"h\",tag_quantile=\"q\"} 1\n"));
        Assert.That(text, Does.Contain("t_seconds{tag_le=\"t\",quantile=\"0.99\"} 1\n"));
        Assert.That(text, Does.Contain("t_seconds_count{tag_le=\"t\"} 1\n"));
    }

    [Test]
    public async Task Format_GlobalTagLeAndSeriesTagLe_KeepsTheTagLeTag()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider(), GlobalTags = new Tags(("le", "global")) });
        Register(registry, "Gauge g", new Tags(("tag_le", "z")));
        Register(registry, "Gauge other");

        var text = PrometheusTextFormat.Format(registry.CreateReader().Read(), registry.GlobalTags);

        await AssertPromtoolAcceptsAsync(text);
        Assert.That(text, Does.Contain("\ng{tag_le=\"z\"} 7\n"));
        Assert.That(text, Does.Contain("\nother{tag_le=\"global\"} 7\n"));
    }

    [Test]
    public async Task Format_SanitizedTagQuantileAndQuantile_EveryLineHasOneLabelOfEachName()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        Register(registry, "Histogram hq", new Tags(("quantile", "q"), ("tag.quantile", "dot"), ("tag_quantile", "z")));

        var text = PrometheusTextFormat.Format(registry.CreateReader().Read(), Tags.Empty);

        await AssertPromtoolAcceptsAsync(text);
        Assert.That(text, Does.Contain("hq{tag_quantile=\"dot\",quantile=\"0.5\"} 3\n"), "tag.quantile comes first in ordinal order and keeps the name");
        Assert.That(text, Does.Contain("hq_sum{tag_quantile=\"dot\"} 3\n"));
    }
}
