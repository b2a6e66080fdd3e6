using Metrics.Reporters.Apptuit;

namespace Metrics.Reporters.Tests.Apptuit;

[TestFixture]
public sealed class ApptuitPointRulesTests
{
    private static readonly Tags Env = new(("env", "prod"), ("region", "env-region"), ("team", "env-team"));

    [Test]
    public void Prepare_TagPrecedence_MetricOverReporterOverEnvironment()
    {
        // The engine merges reporter tags under metric tags before the backend sees the point.
        var reporter = new Tags(("region", "reporter-region"), ("team", "reporter-team"));
        var metric = new Tags(("team", "metric-team"));
        var rules = new ApptuitPointRules(ApptuitSanitizeMode.Prometheus, Env, hostName: null);

        var point = rules.Prepare("orders", reporter.Merge(metric), 1, 1);

        Assert.That(point.Tags, Is.EqualTo(new Tags(("env", "prod"), ("region", "reporter-region"), ("team", "metric-team"))));
    }

    [Test]
    public void Prepare_HostName_AddedWhenNoHostTag()
    {
        var rules = new ApptuitPointRules(ApptuitSanitizeMode.Prometheus, Tags.Empty, "machine1");
        Assert.That(rules.Prepare("m", new Tags(("a", "b")), 1, 1).Tags["host"], Is.EqualTo("machine1"));
    }

    [Test]
    public void Prepare_HostTagPresent_KeepsIt()
    {
        var rules = new ApptuitPointRules(ApptuitSanitizeMode.Prometheus, new Tags(("host", "from-env")), "machine1");
        Assert.Multiple(() =>
        {
            Assert.That(rules.Prepare("m", Tags.Empty, 1, 1).Tags["host"], Is.EqualTo("from-env"));
            Assert.That(rules.Prepare("m", new Tags(("host", "mine")), 1, 1).Tags["host"], Is.EqualTo("mine"));
        });
    }

    [Test]
    public void Prepare_NoHostNameAndNoTags_RejectedWithRemedy()
    {
        var rules = new ApptuitPointRules(ApptuitSanitizeMode.Prometheus, Tags.Empty, hostName: null);
        var error = rules.TryPrepare("lonely", Tags.Empty, 1, 1, out _);
        Assert.That(error, Does.Contain("'lonely' has no tags").And.Contain("APPTUIT_TAGS"));
    }

    [Test]
    public void Prepare_TwentyFiveTags_Accepted_TwentySix_Rejected()
    {
        var rules = new ApptuitPointRules(ApptuitSanitizeMode.Prometheus, Tags.Empty, "h");
        var tags24 = new Tags(Enumerable.Range(0, 24).Select(i => ($"k{i}", "v")).ToArray());
        var tags25 = tags24.With("k24", "v");

        Assert.Multiple(() =>
        {
            Assert.That(rules.TryPrepare("m", tags24, 1, 1, out var ok), Is.Null);
            Assert.That(ok.Tags, Has.Count.EqualTo(25));
            Assert.That(rules.TryPrepare("m", tags25, 1, 1, out _), Does.Contain("26 tags").And.Contain("at most 25"));
        });
    }

    [Test]
    public void Prepare_SanitizesNameAndTagKeysButNotValues()
    {
        var rules = new ApptuitPointRules(ApptuitSanitizeMode.Prometheus, Tags.Empty, null);
        var point = rules.Prepare("node.load_avg.1m", new Tags(("host.name", "web-01.example.com")), 1, 1);
        Assert.Multiple(() =>
        {
            Assert.That(point.Metric, Is.EqualTo("node_load_avg_1m"));
            Assert.That(point.Tags, Is.EqualTo(new Tags(("host_name", "web-01.example.com"))));
        });
    }

    [Test]
    public void Prepare_NoneModeInvalidTagKey_RejectedNamingTheKey()
    {
        var rules = new ApptuitPointRules(ApptuitSanitizeMode.None, Tags.Empty, null);
        Assert.That(rules.TryPrepare("m", new Tags(("bad key", "v")), 1, 1, out _), Does.Contain("tag key 'bad key'"));
    }

    [Test]
    public void Prepare_EncodedName_RoundTripsToNameAndTags()
    {
        var tags = new Tags(("city", "blr"), ("code", "200"));
        var encoded = MetricName.Encode("order_count", tags);
        var rules = new ApptuitPointRules(ApptuitSanitizeMode.Prometheus, Tags.Empty, null);

        var point = rules.Prepare(encoded, Tags.Empty, 1, 1);

        Assert.Multiple(() =>
        {
            Assert.That(encoded, Is.EqualTo("order_count{\"city\": \"blr\", \"code\": \"200\"}"));
            Assert.That(point.Metric, Is.EqualTo("order_count"));
            Assert.That(point.Tags, Is.EqualTo(tags));
            Assert.That(MetricName.Encode(point.Metric, point.Tags), Is.EqualTo(encoded));
        });
    }

    [Test]
    public void Prepare_MalformedEncodedName_Rejected()
    {
        var rules = new ApptuitPointRules(ApptuitSanitizeMode.Prometheus, Tags.Empty, "h");
        Assert.That(rules.TryPrepare("m{oops", Tags.Empty, 1, 1, out _), Does.Contain("not an encoded metric name"));
    }

    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    [TestCase(double.NegativeInfinity)]
    public void Prepare_NonFiniteValue_Rejected(double value)
    {
        var rules = new ApptuitPointRules(ApptuitSanitizeMode.Prometheus, Tags.Empty, "h");
        Assert.That(rules.TryPrepare("m", Tags.Empty, 1, value, out _), Does.Contain("finite"));
    }

    [TestCase(ApptuitSanitizeMode.Prometheus, "service_name", "service.name")]
    [TestCase(ApptuitSanitizeMode.Prometheus, "service.name", "service_name")]
    [TestCase(ApptuitSanitizeMode.Apptuit, "service name", "service_name")]
    [TestCase(ApptuitSanitizeMode.Apptuit, "service_name", "service name")]
    public void Prepare_PointKeyAndGlobalKeySanitizingToOneKey_PointWinsAsOverAnyGlobalKey(ApptuitSanitizeMode mode, string globalKey, string pointKey)
    {
        var rules = new ApptuitPointRules(mode, new Tags((globalKey, "from-environment"), ("dc", "blr")), null);

        var point = rules.Prepare("m", new Tags((pointKey, "from-metric")), 1, 1);

        Assert.That(point.Tags, Is.EqualTo(new Tags(("service_name", "from-metric"), ("dc", "blr"))));
    }

    [Test]
    public void Prepare_KeysCollidingAfterSanitizing_KeepOneDeterministically()
    {
        var rules = new ApptuitPointRules(ApptuitSanitizeMode.Prometheus, Tags.Empty, null);
        var point = rules.Prepare("m", new Tags(("a.b", "dot"), ("a_b", "underscore")), 1, 1);
        Assert.That(point.Tags, Is.EqualTo(new Tags(("a_b", "underscore"))));
    }
}
