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
