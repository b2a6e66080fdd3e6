using Metrics.Reporters.DependencyInjection;
using Metrics.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Metrics.Reporters.Tests.DependencyInjection;

public class MetricsServiceCollectionExtensionsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) => MetricsConfiguration.Section(values);

    private static IReadOnlyList<SampleReporter> Build(IServiceCollection services)
    {
        var sp = services.BuildServiceProvider();
        return sp.GetRequiredService<ReporterSet>().GetReporters().Select(e => (SampleReporter)e.Reporter!).ToList();
    }

    [Test]
    public void AddMetricsRegistry_CalledTwice_RegistersOneRegistry()
    {
        var services = new ServiceCollection();
        services.AddMetricsRegistry();
        services.AddMetricsRegistry();
        using var sp = services.BuildServiceProvider();

        Assert.That(services.Count(d => d.ServiceType == typeof(MetricsRegistry)), Is.EqualTo(1));
        var first = sp.GetRequiredService<MetricsRegistry>();
        Assert.That(sp.GetRequiredService<MetricsRegistry>(), Is.SameAs(first));
    }

    [Test]
    public void AddMetricsRegistry_ContainerHasTimeProvider_RegistryUsesIt()
    {
        var clock = new ManualTimeProvider();
        var services = new ServiceCollection().AddSingleton<TimeProvider>(clock);
        services.AddMetricsRegistry();
        using var sp = services.BuildServiceProvider();

        Assert.That(sp.GetRequiredService<MetricsRegistry>().TimeProvider, Is.SameAs(clock));
    }

    [Test]
    public void AddMetricsRegistry_NoTimeProviderRegistered_UsesSystemClock()
    {
        using var sp = new ServiceCollection().AddMetricsRegistry().BuildServiceProvider();

        Assert.That(sp.GetRequiredService<MetricsRegistry>().TimeProvider, Is.SameAs(TimeProvider.System));
    }

    [Test]
    public void AddMetricsAndAddMetricsRegistry_DelegatesFromSeveralCalls_AllApply()
    {
        var services = new ServiceCollection();
        services.AddMetricsRegistry(o => o.GlobalTags = new Tags(("app", "shop")));
        services.AddMetrics(o => o.MaxSeriesPerName = 10);
        using var sp = services.BuildServiceProvider();
        var registry = sp.GetRequiredService<MetricsRegistry>();

        Assert.That(registry.GlobalTags, Is.EqualTo(new Tags(("app", "shop"))));
        Assert.That(registry.Options.MaxSeriesPerName, Is.EqualTo(10));
    }

    [Test]
    public void AddMetricsRegistry_RegistryAlreadyRegistered_KeepsIt()
    {
        var mine = new MetricsRegistry();
        var services = new ServiceCollection().AddSingleton(mine);
        services.AddMetricsRegistry();
        using var sp = services.BuildServiceProvider();

        Assert.That(sp.GetRequiredService<MetricsRegistry>(), Is.SameAs(mine));
    }

    [Test]
    public void AddMetricsReporting_SameKindAndNameTwice_BuildsOneReporterWithBothDelegates()
    {
        var services = new ServiceCollection();
        services.AddMetricsReporting(b => b.AddSample(o => o.Prefix = "shop."));
        services.AddMetricsReporting(b => b.AddSample(o => o.Port = 1234));

        var reporters = Build(services);

        Assert.That(reporters, Has.Count.EqualTo(1));
        Assert.That(reporters[0].Options.Prefix, Is.EqualTo("shop."));
        Assert.That(reporters[0].Options.Port, Is.EqualTo(1234));
        Assert.That(services.Count(d => d.ImplementationType == typeof(MetricsReportingHostedService)), Is.EqualTo(1));
    }

    [Test]
    public void AddMetricsReporting_TwoNamesOfOneKind_BuildsTwoIndependentReporters()
    {
        var services = new ServiceCollection();
        services.AddMetricsReporting(b => b
            .AddSample(o => o.Port = 1, name: "primary")
            .AddSample(o => o.Port = 2, name: "secondary")
            .AddSample());

        var reporters = Build(services);

        Assert.That(reporters.Select(r => r.Name), Is.EquivalentTo(new[] { "primary", "secondary", "sample" }));
        Assert.That(reporters.Single(r => r.Name == "primary").Options.Port, Is.EqualTo(1));
        Assert.That(reporters.Single(r => r.Name == "secondary").Options.Port, Is.EqualTo(2));
        Assert.That(reporters.Single(r => r.Name == "sample").Options.Port, Is.EqualTo(4242));
    }

    [Test]
    public void AddMetricsReporting_OptionsWithoutLoggerFactory_GetTheContainers()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMetricsReporting(b => b.AddSample());
        using var sp = services.BuildServiceProvider();

        var reporter = (SampleReporter)sp.GetRequiredService<ReporterSet>().GetReporters().Single().Reporter!;

        Assert.That(reporter.Options.LoggerFactory, Is.SameAs(sp.GetRequiredService<ILoggerFactory>()));
    }

    [Test]
    public void AddMetricsReporting_WhiteSpaceName_ThrowsNamingTheProblem()
    {
        var services = new ServiceCollection();

        var ex = Assert.Throws<ArgumentException>(() => services.AddMetricsReporting(b => b.AddSample(name: " ")));

        Assert.That(ex!.Message, Does.StartWith("A reporter name must not be empty"));
    }

    [Test]
    public void Configuration_SectionKeyedByKind_AddsTheDefaultInstance()
    {
        var services = new ServiceCollection().AddReportingFromConfiguration(Config(("Reporters:Sample:Interval", "00:00:30")));

        var reporter = Build(services).Single();

        Assert.That(reporter.Name, Is.EqualTo("sample"));
        Assert.That(reporter.Options.Interval, Is.EqualTo(TimeSpan.FromSeconds(30)));
    }

    [Test]
    public void Configuration_NamedSectionsWithType_AddTwoReportersOfOneKind()
    {
        var services = new ServiceCollection().AddReportingFromConfiguration(Config(
            ("Reporters:primary:Type", "Sample"),
            ("Reporters:primary:Port", "1"),
            ("Reporters:backup:Type", "sample"),
            ("Reporters:backup:Port", "2")));

        var reporters = Build(services);

        Assert.That(reporters.Select(r => (r.Name, r.Options.Port)), Is.EquivalentTo(new[] { ("primary", 1), ("backup", 2) }));
    }

    [Test]
    public void Configuration_EnabledFalse_SkipsTheReporter()
    {
        var services = new ServiceCollection().AddReportingFromConfiguration(Config(
            ("Reporters:Sample:Enabled", "false"),
            ("Reporters:Other:Enabled", "true")));

        var registrations = services.Select(d => d.ImplementationInstance).OfType<ReporterRegistration>().ToList();

        Assert.That(registrations.Select(r => r.Kind), Is.EqualTo(new[] { "Other" }));
        Assert.That(Build(services), Has.Count.EqualTo(1));
    }

    [Test]
    public void Configuration_CodeAfterConfiguration_Wins()
    {
        var services = new ServiceCollection().AddReportingFromConfiguration(Config(("Reporters:Sample:Port", "1")));
        services.AddMetricsReporting(b => b.AddSample(o => o.Port = 2));

        Assert.That(Build(services).Single().Options.Port, Is.EqualTo(2));
    }

    [Test]
    public void Configuration_RootInsteadOfMetricsSection_IsAccepted()
    {
        var root = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Metrics:Reporters:Sample:Port"] = "7" })
            .Build();
        var services = new ServiceCollection().AddReportingFromConfiguration(root);

        Assert.That(Build(services).Single().Options.Port, Is.EqualTo(7));
    }

    [Test]
    public void Configuration_GlobalTags_SetTheRegistrysGlobalTags()
    {
        var services = new ServiceCollection();
        services.AddMetricsReporting(Config(("GlobalTags:app", "shop"), ("GlobalTags:env", "prod")));
        using var sp = services.BuildServiceProvider();

        Assert.That(sp.GetRequiredService<MetricsRegistry>().GlobalTags, Is.EqualTo(new Tags(("app", "shop"), ("env", "prod"))));
    }

    [Test]
    public void Configuration_UnknownReporter_FailsBuildNamingTheKey()
    {
        var services = new ServiceCollection().AddReportingFromConfiguration(Config(("Reporters:Graphite:Port", "2003")));

        var ex = Assert.Throws<InvalidOperationException>(() => Build(services));

        Assert.That(ex!.Message, Does.Contain("Metrics:Reporters:Graphite: unknown reporter 'Graphite' (known: Other, Sample)"));
    }

    [Test]
    public void Configuration_ReportersSectionMisspelled_FailsBuildNamingTheKeyAndTheSectionMeant()
    {
        var services = new ServiceCollection().AddReportingFromConfiguration(Config(
            ("Reporter:Sample:Port", "1"),
            ("Reportres:Other:Port", "2"),
            ("Global_Tags:env", "prod")));

        var ex = Assert.Throws<InvalidOperationException>(() => Build(services))!;

        Assert.That(ex.Message, Does.Contain("Metrics:Reporter: unknown section 'Reporter'; did you mean 'Reporters'?"));
        Assert.That(ex.Message, Does.Contain("Metrics:Reportres: unknown section 'Reportres'; did you mean 'Reporters'?"));
        Assert.That(ex.Message, Does.Contain("Metrics:Global_Tags: unknown section 'Global_Tags'; did you mean 'GlobalTags'?"));
    }

    [Test]
    public void Configuration_ReportersAsASingleValue_FailsBuildNamingTheKey()
    {
        var services = new ServiceCollection().AddReportingFromConfiguration(Config(("Reporters", "Sample")));

        var ex = Assert.Throws<InvalidOperationException>(() => Build(services))!;

        Assert.That(ex.Message, Does.Contain("Metrics:Reporters: expected a section with one section per reporter, found a single value"));
    }

    [Test]
    public void Configuration_OtherKeysOfTheMetricsSection_AreLeftToSystemDiagnosticsMetrics()
    {
        // The host reads the same "Metrics" section for System.Diagnostics.Metrics: its keys are not ours to refuse.
        var services = new ServiceCollection().AddReportingFromConfiguration(Config(
            ("EnabledMetrics:System.Runtime", "true"),
            ("OpenTelemetry:EnabledMetrics:Shop", "true"),
            ("Exporters:Otlp", "http://127.0.0.1:4317"),
            ("Reporters:Sample:Port", "1")));

        Assert.That(Build(services).Single().Options.Port, Is.EqualTo(1));
    }

    [Test]
    public async Task HostStart_ReportersMisspelledInJson_FailsInsteadOfRunningNoReporter()
    {
        var builder = Host.CreateApplicationBuilder();
        var json = """{ "Metrics": { "Reportes": { "Sample": { "Interval": "00:00:10" } } } }""";
        builder.Configuration.AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)));
        builder.Services.AddReportingFromConfiguration(builder.Configuration.GetSection("Metrics"));
        using var host = builder.Build();

        var ex = Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.That(ex!.Message, Does.Contain("Metrics:Reportes: unknown section 'Reportes'; did you mean 'Reporters'?"));
        await host.StopAsync();
    }

    [Test]
    public void Configuration_UnknownType_FailsBuildNamingTheKey()
    {
        var services = new ServiceCollection().AddReportingFromConfiguration(Config(("Reporters:primary:Type", "Graphite")));

        var ex = Assert.Throws<InvalidOperationException>(() => Build(services));

        Assert.That(ex!.Message, Does.Contain("Metrics:Reporters:primary:Type: unknown reporter type 'Graphite'"));
    }

    [Test]
    public void Configuration_BadEnabledValue_FailsBuildNamingTheKey()
    {
        var services = new ServiceCollection().AddReportingFromConfiguration(Config(("Reporters:Sample:Enabled", "no")));

        var ex = Assert.Throws<InvalidOperationException>(() => Build(services));

        Assert.That(ex!.Message, Does.Contain("Metrics:Reporters:Sample:Enabled: 'no' is not a valid boolean (use true or false)"));
    }

    [Test]
    public void Configuration_SeveralInvalidOptions_ListsEveryProblemUnderItsKey()
    {
        var services = new ServiceCollection().AddReportingFromConfiguration(Config(
            ("Reporters:Sample:BatchSize", "0"),
            ("Reporters:Sample:MaxQueueSize", "-1"),
            ("Reporters:Sample:Interval", "00:00:00"),
            ("Reporters:Sample:Retry:MaxDelay", "2.00:00:00")));

        var ex = Assert.Throws<InvalidOperationException>(() => Build(services))!;

        Assert.That(ex.Message, Does.StartWith("Metrics reporting is misconfigured:"));
        Assert.That(ex.Message, Does.Contain("Metrics:Reporters:Sample:Interval: must be positive (was 00:00:00)"));
        Assert.That(ex.Message, Does.Contain("Metrics:Reporters:Sample:MaxQueueSize: must be positive (was -1)"));
        Assert.That(ex.Message, Does.Contain("Metrics:Reporters:Sample:BatchSize: must be positive (was 0)"));
        Assert.That(ex.Message, Does.Contain("Metrics:Reporters:Sample:Retry:MaxDelay: must be at least Retry.BaseDelay and at most one day (was 2.00:00:00)"));
        Assert.That(ex.Message, Does.Not.Contain("ReporterOptions."), "configuration problems name the key, not the C# property");
    }

    [Test]
    public void Configuration_UnreadableValueAndInvalidOption_AreBothListed()
    {
        var services = new ServiceCollection().AddReportingFromConfiguration(Config(
            ("Reporters:Sample:Interval", "10"),
            ("Reporters:Sample:BatchSize", "0"),
            ("Reporters:backup:Type", "Other"),
            ("Reporters:backup:Port", "many"),
            ("Reporters:backup:StopTimeout", "-00:00:01")));

        var ex = Assert.Throws<InvalidOperationException>(() => Build(services))!;
        var lines = ex.Message.Split(Environment.NewLine).Skip(1).Select(l => l.Trim()).ToList();

        Assert.That(lines, Has.Count.EqualTo(4), ex.Message);
        Assert.That(lines, Has.Exactly(1).StartsWith("Metrics:Reporters:Sample:Interval: '10' is not a valid TimeSpan (a bare number is not a duration; write hh:mm:ss, e.g. \"00:00:10\""));
        Assert.That(lines, Has.Exactly(1).EqualTo("Metrics:Reporters:Sample:BatchSize: must be positive (was 0)"));
        Assert.That(lines, Has.Exactly(1).StartsWith("Metrics:Reporters:backup:Port: 'many' is not a valid whole number"));
        Assert.That(lines, Has.Exactly(1).StartsWith("Metrics:Reporters:backup:StopTimeout: must be between zero and 49 days"));
    }

    [Test]
    public async Task HostStart_BareNumberIntervalInJson_FailsNamingTheKey()
    {
        var builder = Host.CreateApplicationBuilder();
        var json = """{ "Metrics": { "Reporters": { "Sample": { "Interval": 10 } } } }""";
        builder.Configuration.AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)));
        builder.Services.AddReportingFromConfiguration(builder.Configuration.GetSection("Metrics"));
        using var host = builder.Build();

        var ex = Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.That(ex!.Message, Does.Contain("Metrics:Reporters:Sample:Interval: '10' is not a valid TimeSpan (a bare number is not a duration; write hh:mm:ss, e.g. \"00:00:10\""));
        await host.StopAsync();
    }

    [Test]
    public void Configuration_EmptyOrBlankName_FailsNamingTheKey()
    {
        var services = new ServiceCollection().AddReportingFromConfiguration(Config(
            ("Reporters:Sample:Name", ""),
            ("Reporters:backup:Type", "Other"),
            ("Reporters:backup:Name", "  ")));

        var ex = Assert.Throws<InvalidOperationException>(() => Build(services))!;

        Assert.That(ex.Message, Does.Contain("Metrics:Reporters:Sample:Name: must not be empty or blank"));
        Assert.That(ex.Message, Does.Contain("Metrics:Reporters:backup:Name: must not be empty or blank"), "the instance name does not replace a blank Name");
    }

    [Test]
    public void AddMetricsReporting_SeveralInvalidOptionsInCode_ListsEveryProblemWithTheBuilderMethod()
    {
        var services = new ServiceCollection();
        services.AddMetricsReporting(b => b.AddSample(o =>
        {
            o.BatchSize = 0;
            o.MaxQueueSize = 0;
        }));

        var ex = Assert.Throws<InvalidOperationException>(() => Build(services))!;

        Assert.That(ex.Message, Does.Contain("AddSample(): ReporterOptions.MaxQueueSize must be positive (was 0)."));
        Assert.That(ex.Message, Does.Contain("AddSample(): ReporterOptions.BatchSize must be positive (was 0)."));
    }

    [Test]
    public async Task HostStart_BadGlobalTagsAndBadReporter_FailsWithOneExceptionListingBoth()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddReportingFromConfiguration(Config(
            ("GlobalTags", "env=prod"),
            ("Reporters:Sample:BatchSize", "0")));
        using var host = builder.Build();

        var ex = Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.That(ex!.Message, Does.StartWith("Metrics reporting is misconfigured:"));
        Assert.That(ex.Message, Does.Contain("Metrics:GlobalTags: expected tags as key/value pairs"));
        Assert.That(ex.Message, Does.Contain("Metrics:Reporters:Sample:BatchSize: must be positive (was 0)"));
        await host.StopAsync();
    }

    [Test]
    public void Registry_CreatedBeforeStartWithBadGlobalTags_ThrowsTheSameListOfProblems()
    {
        var services = new ServiceCollection().AddReportingFromConfiguration(Config(
            ("GlobalTags:env", ""),
            ("Reporters:Sample:Interval", "1")));
        using var sp = services.BuildServiceProvider();

        // As UseRequestMetrics does in an ASP.NET Core application, before the host starts.
        var ex = Assert.Throws<InvalidOperationException>(() => sp.GetRequiredService<MetricsRegistry>())!;

        Assert.That(ex.Message, Does.StartWith("Metrics reporting is misconfigured:"));
        Assert.That(ex.Message, Does.Contain("Metrics:GlobalTags:env: a tag value must be a non-empty string"));
        Assert.That(ex.Message, Does.Contain("Metrics:Reporters:Sample:Interval: '1' is not a valid TimeSpan"));
        Assert.That(Assert.Throws<InvalidOperationException>(() => sp.GetRequiredService<ReporterSet>().GetReporters())!.Message, Is.EqualTo(ex.Message));
    }

    [Test]
    public async Task HostStart_BadConfigurationValues_FailsWithEveryProblemNamed()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddReportingFromConfiguration(Config(
            ("Reporters:Sample:Interval", "10 seconds"),
            ("Reporters:backup:Type", "Other"),
            ("Reporters:backup:BatchSize", "many")));
        using var host = builder.Build();

        var ex = Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.That(ex!.Message, Does.StartWith("Metrics reporting is misconfigured:"));
        Assert.That(ex.Message, Does.Contain("Metrics:Reporters:Sample:Interval: '10 seconds' is not a valid TimeSpan (use \"00:00:10\")"));
        Assert.That(ex.Message, Does.Contain("Metrics:Reporters:backup:BatchSize: 'many' is not a valid whole number"));
        await host.StopAsync();
    }
}
