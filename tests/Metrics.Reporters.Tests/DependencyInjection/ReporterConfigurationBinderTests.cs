using System.Globalization;
using Metrics.Reporters.DependencyInjection;
using Microsoft.Extensions.Configuration;

namespace Metrics.Reporters.Tests.DependencyInjection;

public class ReporterConfigurationBinderTests
{
    private static IConfigurationSection Section(params (string Key, string Value)[] values)
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>("Metrics:Reporters:OpenTsdb:" + v.Key, v.Value)))
            .Build();
        return config.GetSection("Metrics:Reporters:OpenTsdb");
    }

    private static SampleReporterOptions Bind(IConfigurationSection section)
    {
        var options = new SampleReporterOptions();
        ReporterConfigurationBinder.Bind(section, options, "OpenTsdb");
        return options;
    }

    private static string Problem(params (string Key, string Value)[] values) =>
        Assert.Throws<ReporterConfigurationException>(() => Bind(Section(values)))!.Message;

    [Test]
    public void Bind_ValidSection_SetsCommonAndReporterOptions()
    {
        var o = Bind(Section(
            ("Interval", "00:00:30"),
            ("Prefix", "shop."),
            ("Tags:region", "eu"),
            ("Tags:host", "web-1"),
            ("MaxQueueSize", "500"),
            ("BatchSize", "50"),
            ("Retry:MaxRetries", "5"),
            ("Retry:BaseDelay", "00:00:02"),
            ("Retry:UseJitter", "false"),
            ("OfflineStorage:Path", "/tmp/points.db"),
            ("Endpoint", "http://localhost:4242"),
            ("Mode", "safe"),
            ("Headers:X-Scope", "team-a"),
            ("Hosts:0", "a"),
            ("Hosts:1", "b"),
            ("Type", "OpenTsdb"),
            ("Enabled", "true")));

        Assert.Multiple(() =>
        {
            Assert.That(o.Interval, Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(o.Prefix, Is.EqualTo("shop."));
            Assert.That(o.Tags, Is.EqualTo(new Tags(("region", "eu"), ("host", "web-1"))));
            Assert.That(o.MaxQueueSize, Is.EqualTo(500));
            Assert.That(o.BatchSize, Is.EqualTo(50));
            Assert.That(o.Retry.MaxRetries, Is.EqualTo(5));
            Assert.That(o.Retry.BaseDelay, Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(o.Retry.UseJitter, Is.False);
            Assert.That(o.OfflineStorage?.Path, Is.EqualTo("/tmp/points.db"));
            Assert.That(o.OfflineStorage?.Ttl, Is.EqualTo(TimeSpan.FromHours(1)), "unset nested options keep their defaults");
            Assert.That(o.Endpoint, Is.EqualTo(new Uri("http://localhost:4242")));
            Assert.That(o.Mode, Is.EqualTo(SampleMode.Safe));
            Assert.That(o.Headers, Is.EqualTo(new Dictionary<string, string> { ["X-Scope"] = "team-a" }));
            Assert.That(o.Hosts, Is.EqualTo(new[] { "a", "b" }));
            Assert.That(o.Port, Is.EqualTo(4242), "unset options keep their defaults");
        });
    }

    [Test]
    public void Bind_FieldNames_ChangesThisReporterOnlyNotTheSharedDefault()
    {
        var o = Bind(Section(("Fields:Count", "total"), ("Fields:TimerDurationScale", "1e-6")));

        Assert.That(o.Fields.Count, Is.EqualTo("total"));
        Assert.That(o.Fields.TimerDurationScale, Is.EqualTo(1e-6));
        Assert.That(o.Fields.MeanRate, Is.EqualTo("mean_rate"), "unset names keep the pyformance default");
        Assert.That(FieldNaming.Pyformance.Count, Is.EqualTo("count"));
    }

    [Test]
    public void Bind_TimeSpanInWords_NamesKeyAndTheFormatToUse()
    {
        Assert.That(
            Problem(("Interval", "10 seconds")),
            Is.EqualTo("Metrics:Reporters:OpenTsdb:Interval: '10 seconds' is not a valid TimeSpan (use \"00:00:10\")"));
    }

    [Test]
    public void Bind_BadAddressWithCredentials_EchoesItWithoutThem()
    {
        var problem = Problem(("Endpoint", "http://user:S3CRETxyz@127.0.0.1:99999/?token=S3CRETxyz"));

        Assert.That(problem, Does.StartWith("Metrics:Reporters:OpenTsdb:Endpoint: 'http://***@127.0.0.1:99999/?***'").And.Not.Contain("S3CRETxyz"));
    }

    [TestCase("10")]
    [TestCase("10.5")]
    [TestCase("-3")]
    [TestCase(" 7 ")]
    public void Bind_BareNumberInterval_IsRefusedInsteadOfReadAsDays(string value)
    {
        Assert.That(
            Problem(("Interval", value)),
            Is.EqualTo($"Metrics:Reporters:OpenTsdb:Interval: '{value}' is not a valid TimeSpan (a bare number is not a duration; write hh:mm:ss, e.g. \"00:00:10\" for 10 seconds, or d.hh:mm:ss for days)"));
    }

    [Test]
    public void Bind_BareNumberInEveryDurationSetting_ListsEachKey()
    {
        var ex = Assert.Throws<ReporterConfigurationException>(() => Bind(Section(
            ("Interval", "10"),
            ("StopTimeout", "5"),
            ("Retry:BaseDelay", "1"),
            ("Retry:MaxDelay", "30"),
            ("OfflineStorage:Path", "offline.db"),
            ("OfflineStorage:Ttl", "3600"))))!;

        Assert.That(ex.Problems.Select(p => p[..p.IndexOf(": ", StringComparison.Ordinal)]), Is.EquivalentTo(new[]
        {
            "Metrics:Reporters:OpenTsdb:Interval",
            "Metrics:Reporters:OpenTsdb:StopTimeout",
            "Metrics:Reporters:OpenTsdb:Retry:BaseDelay",
            "Metrics:Reporters:OpenTsdb:Retry:MaxDelay",
            "Metrics:Reporters:OpenTsdb:OfflineStorage:Ttl",
        }));
        Assert.That(ex.Problems, Has.All.Contains("write hh:mm:ss, e.g. \"00:00:10\""));
    }

    [Test]
    public void Bind_BareNumberInReporterSpecificDurations_IsRefused()
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Metrics:Reporters:LocalStore:Retention"] = "30",
                ["Metrics:Reporters:OpenTsdb:ConnectTimeout"] = "5",
                ["Metrics:Reporters:OpenTsdb:RequestTimeout"] = "30",
            })
            .Build();

        var store = Assert.Throws<ReporterConfigurationException>(() =>
            ReporterConfigurationBinder.Bind(config.GetSection("Metrics:Reporters:LocalStore"), new LocalStoreReporterOptions(), "LocalStore"))!;
        var tsdb = Assert.Throws<ReporterConfigurationException>(() =>
            ReporterConfigurationBinder.Bind(config.GetSection("Metrics:Reporters:OpenTsdb"), new OpenTsdbReporterOptions(), "OpenTsdb"))!;

        Assert.That(store.Problems, Has.Exactly(1).StartsWith("Metrics:Reporters:LocalStore:Retention: '30' is not a valid TimeSpan (a bare number"));
        Assert.That(tsdb.Problems, Has.Exactly(1).StartsWith("Metrics:Reporters:OpenTsdb:ConnectTimeout: '5' is not a valid TimeSpan (a bare number"));
        Assert.That(tsdb.Problems, Has.Exactly(1).StartsWith("Metrics:Reporters:OpenTsdb:RequestTimeout: '30' is not a valid TimeSpan (a bare number"));
    }

    [Test]
    public void Bind_DurationsWithColons_AreStillRead()
    {
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = new CultureInfo("de-DE");
        try
        {
            var o = Bind(Section(
                ("Interval", "00:00:10"),
                ("StopTimeout", "00:00:02.500"),
                ("Retry:MaxDelay", "1.00:00:00"),
                ("Retry:BaseDelay", "00:10")));

            Assert.That(o.Interval, Is.EqualTo(TimeSpan.FromSeconds(10)));
            Assert.That(o.StopTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(2500)));
            Assert.That(o.Retry.MaxDelay, Is.EqualTo(TimeSpan.FromDays(1)));
            Assert.That(o.Retry.BaseDelay, Is.EqualTo(TimeSpan.FromMinutes(10)));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Test]
    public void Bind_UnknownSetting_NamesKeyAndListsKnownSettings()
    {
        var message = Problem(("Intervall", "00:00:10"));

        Assert.That(message, Does.StartWith("Metrics:Reporters:OpenTsdb:Intervall: unknown setting 'Intervall' for the OpenTsdb reporter"));
        Assert.That(message, Does.Contain("Interval, "));
    }

    [Test]
    public void Bind_SeveralBadValues_ListsEveryProblem()
    {
        var ex = Assert.Throws<ReporterConfigurationException>(() => Bind(Section(
            ("Port", "forty"),
            ("Retry:UseJitter", "yes"),
            ("Mode", "quick"),
            ("Endpoint", "localhost"))))!;

        Assert.That(ex.Problems, Is.EquivalentTo(new[]
        {
            "Metrics:Reporters:OpenTsdb:Port: 'forty' is not a valid whole number (use a whole number, e.g. 1000)",
            "Metrics:Reporters:OpenTsdb:Retry:UseJitter: 'yes' is not a valid boolean (use true or false)",
            "Metrics:Reporters:OpenTsdb:Mode: 'quick' is not a valid SampleMode (use one of: Fast, Safe)",
            "Metrics:Reporters:OpenTsdb:Endpoint: 'localhost' is not a valid absolute URI (use an absolute URI, e.g. \"http://localhost:4242\")",
        }));
    }

    [Test]
    public void Bind_NumericEnumValue_IsRejected()
    {
        Assert.That(Problem(("Mode", "1")), Does.Contain("use one of: Fast, Safe"));
    }

    [Test]
    public void Bind_DelegateOption_SaysToSetItInCode()
    {
        Assert.That(
            Problem(("ErrorHandler", "log")),
            Is.EqualTo("Metrics:Reporters:OpenTsdb:ErrorHandler: 'ErrorHandler' cannot be set from configuration; set it in code (the configure delegate of AddOpenTsdb)"));
    }

    [Test]
    public void Bind_TagsAsSingleValue_ExplainsTheShape()
    {
        Assert.That(Problem(("Tags", "region=eu")), Does.StartWith("Metrics:Reporters:OpenTsdb:Tags: expected tags as key/value pairs"));
    }

    [Test]
    public void Bind_TagsAsAJsonList_ExplainsTheShapeInsteadOfTagsNamedByPosition()
    {
        var json = """{ "Metrics": { "Reporters": { "OpenTsdb": { "Tags": [ "service:shop", "env:prod" ] } } } }""";
        var config = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build();

        var ex = Assert.Throws<ReporterConfigurationException>(() => Bind(config.GetSection("Metrics:Reporters:OpenTsdb")))!;

        Assert.That(ex.Message, Is.EqualTo("Metrics:Reporters:OpenTsdb:Tags: expected tags as key/value pairs, found a list; write e.g. \"Tags\": { \"region\": \"eu\" }"));
    }

    [Test]
    public void BindTags_GlobalTagsAsAJsonList_IsAProblemNamingTheKey()
    {
        var json = """{ "Metrics": { "GlobalTags": [ "env:prod" ] } }""";
        var config = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build();
        var problems = new List<string>();

        var tags = ReporterConfigurationBinder.BindTags(config.GetSection("Metrics:GlobalTags"), problems);

        Assert.That(tags, Is.Null);
        Assert.That(problems, Is.EqualTo(new[] { "Metrics:GlobalTags: expected tags as key/value pairs, found a list; write e.g. \"GlobalTags\": { \"region\": \"eu\" }" }));
    }

    [Test]
    public void Bind_TagKeysThatAreNumbersButNotAList_AreTags()
    {
        var o = Bind(Section(("Tags:1", "a"), ("Tags:7", "b")));

        Assert.That(o.Tags, Is.EqualTo(new Tags(("1", "a"), ("7", "b"))));
    }

    private static IConfigurationSection Json(string reporterSection)
    {
        var json = "{ \"Metrics\": { \"Reporters\": { \"OpenTsdb\": " + reporterSection + " } } }";
        return new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build().GetSection("Metrics:Reporters:OpenTsdb");
    }

    [Test]
    public void Bind_JsonNullForOptionsThatTakeNull_SetsThemToNull()
    {
        var o = Bind(Json("""{ "Token": null, "Endpoint": null, "Name": null }"""));

        Assert.That((o.Token, o.Endpoint, o.Name), Is.EqualTo(((string?)null, (Uri?)null, (string?)null)));
    }

    [Test]
    public void Bind_JsonNullForLocalStoreRetention_KeepsEveryPoint()
    {
        var options = new LocalStoreReporterOptions();

        ReporterConfigurationBinder.Bind(Json("""{ "Retention": null }"""), options, "LocalStore");

        Assert.That(options.Retention, Is.Null);
    }

    [Test]
    public void Bind_JsonNullForAdaptiveBatchingAndOfflineStorage_LeavesThemOff()
    {
        var o = Bind(Json("""{ "AdaptiveBatching": null, "OfflineStorage": null }"""));

        Assert.That(o.AdaptiveBatching, Is.Null, "null is the option's default: batches keep their fixed size");
        Assert.That(o.OfflineStorage, Is.Null, "null is the option's default: no offline storage");
    }

    [Test]
    public void Bind_JsonNullForAdaptiveBatchingAfterCodeSetIt_TurnsItOff()
    {
        var options = new OpenTsdbReporterOptions { AdaptiveBatching = new AdaptiveBatchingOptions() };

        ReporterConfigurationBinder.Bind(Json("""{ "AdaptiveBatching": null }"""), options, "OpenTsdb");

        Assert.That(options.AdaptiveBatching, Is.Null);
    }

    [Test]
    public void Bind_AdaptiveBatchingWithASetting_TurnsItOnWithTheOtherDefaults()
    {
        var o = Bind(Json("""{ "AdaptiveBatching": { "MinBatchSize": 10 } }"""));

        Assert.That(o.AdaptiveBatching, Is.Not.Null);
        Assert.That((o.AdaptiveBatching!.MinBatchSize, o.AdaptiveBatching.CpuTargetPercent, o.AdaptiveBatching.MemoryTargetPercent), Is.EqualTo((10, 70.0, 80.0)));
    }

    [Test]
    public void Bind_JsonNullForRetry_KeepsTheRetryDefaults()
    {
        var o = Bind(Json("""{ "Retry": null }"""));

        Assert.That(o.Retry, Is.Not.Null);
        Assert.That(o.Retry.MaxRetries, Is.EqualTo(3));
    }

    [Test]
    public void Bind_JsonNullForOptionsThatNeedAValue_SaysNullInsteadOfASection()
    {
        var ex = Assert.Throws<ReporterConfigurationException>(() => Bind(Json("""{ "Interval": null, "Prefix": null, "Port": null }""")))!;

        Assert.That(ex.Problems, Is.EquivalentTo(new[]
        {
            "Metrics:Reporters:OpenTsdb:Interval: expected a TimeSpan, found null (use \"00:00:10\")",
            "Metrics:Reporters:OpenTsdb:Prefix: expected a string, found null (write \"\" for none)",
            "Metrics:Reporters:OpenTsdb:Port: expected a whole number, found null (use a whole number, e.g. 1000)",
        }));
    }

    [Test]
    public void Bind_NumbersUnderACommaDecimalCulture_AreReadInvariantly()
    {
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = new CultureInfo("de-DE");
        try
        {
            var o = Bind(Section(("AdaptiveBatching:CpuTargetPercent", "62.5"), ("Interval", "00:01:30")));

            Assert.That(o.AdaptiveBatching?.CpuTargetPercent, Is.EqualTo(62.5));
            Assert.That(o.Interval, Is.EqualTo(TimeSpan.FromSeconds(90)));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Test]
    public void Bind_BadValueOfACredentialKey_DoesNotEchoTheValue()
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["R:Retry:MaxRetries"] = "1", ["R:ApiKey"] = "s3cr3t-value" })
            .Build();
        var options = new KeyedOptions();

        var ex = Assert.Throws<ReporterConfigurationException>(() => ReporterConfigurationBinder.Bind(config.GetSection("R"), options, "Keyed"))!;

        Assert.That(ex.Message, Does.StartWith("R:ApiKey: the value is not a valid whole number"));
        Assert.That(ex.Message, Does.Not.Contain("s3cr3t"));
    }

    [Test]
    public void BindTags_Section_ReturnsTags()
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Metrics:GlobalTags:app"] = "shop", ["Metrics:GlobalTags:env"] = "prod" })
            .Build();

        Assert.That(ReporterConfigurationBinder.BindTags(config.GetSection("Metrics:GlobalTags")), Is.EqualTo(new Tags(("app", "shop"), ("env", "prod"))));
    }

    private sealed class KeyedOptions : ReporterOptions
    {
        public int ApiKey { get; set; }
    }
}
