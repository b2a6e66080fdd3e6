using Metrics;
using Metrics.Reporters;
using Metrics.Reporters.DependencyInjection;
using Metrics.Reporters.Engine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds reporters to a service collection; returned by <c>AddMetricsReporting</c>. Each <c>AddX</c> takes an options
/// delegate and an optional name: reporters of one kind with different names coexist, and adding the same kind and
/// name again configures the same reporter (delegates run in the order added). Options get the container's
/// <see cref="ILoggerFactory"/> when they set none, and a named reporter is called by its name unless its options set one.
/// </summary>
/// <remarks>Reporters are built and validated when the host starts, started with it and flushed when it stops.</remarks>
public sealed class MetricsReportingBuilder
{
    internal MetricsReportingBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection the reporters are added to.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Adds a <see cref="ConsoleReporter"/> (a table of every series on each report, to <see cref="Console.Out"/> by default).</summary>
    /// <param name="configure">Sets its options.</param>
    /// <param name="name">Null for the default console reporter; a name to add another one.</param>
    /// <returns>This builder.</returns>
    public MetricsReportingBuilder AddConsole(Action<ConsoleReporterOptions>? configure = null, string? name = null) =>
        Add("Console", name, configure, static (_, registry, options) => new ConsoleReporter(registry, options));

    /// <summary>Adds a <see cref="LocalStoreReporter"/> (an embedded SQLite store, <c>metrics.db</c> by default).</summary>
    /// <param name="configure">Sets its options.</param>
    /// <param name="name">Null for the default store reporter; a name to add another one (give it its own <see cref="LocalStoreReporterOptions.Path"/>).</param>
    /// <returns>This builder.</returns>
    /// <remarks>A store file that cannot be opened is logged when the host starts and leaves the other reporters running.</remarks>
    public MetricsReportingBuilder AddLocalStore(Action<LocalStoreReporterOptions>? configure = null, string? name = null) =>
        Add("LocalStore", name, configure, static (_, registry, options) => new LocalStoreReporter(registry, options));

    /// <summary>Adds an <see cref="ApptuitReporter"/>: set <see cref="ApptuitReporterOptions.Token"/> (or the <c>APPTUIT_API_TOKEN</c> environment variable).</summary>
    /// <param name="configure">Sets its options.</param>
    /// <param name="name">Null for the default Apptuit reporter; a name to add another one.</param>
    /// <returns>This builder.</returns>
    public MetricsReportingBuilder AddApptuit(Action<ApptuitReporterOptions>? configure = null, string? name = null) =>
        Add("Apptuit", name, configure, static (_, registry, options) => new ApptuitReporter(registry, ApptuitToken.Require(options)));

    /// <summary>Adds an <see cref="OpenTsdbReporter"/>: set <see cref="OpenTsdbReporterOptions.Endpoint"/> (<c>tcp://host:4242</c> for telnet <c>put</c> lines, <c>http://host:4242</c> for <c>/api/put</c>).</summary>
    /// <param name="configure">Sets its options.</param>
    /// <param name="name">Null for the default OpenTSDB reporter; a name to add another one.</param>
    /// <returns>This builder.</returns>
    public MetricsReportingBuilder AddOpenTsdb(Action<OpenTsdbReporterOptions>? configure = null, string? name = null) =>
        Add("OpenTsdb", name, configure, static (_, registry, options) => new OpenTsdbReporter(registry, options));

    /// <summary>Adds a <see cref="WavefrontReporter"/> sending through a Wavefront proxy: set <see cref="WavefrontReporterOptions.ProxyHost"/> (and the ports when not the defaults).</summary>
    /// <param name="configure">Sets its options.</param>
    /// <param name="name">Null for the default proxy reporter; a name to add another one.</param>
    /// <returns>This builder.</returns>
    public MetricsReportingBuilder AddWavefrontProxy(Action<WavefrontReporterOptions>? configure = null, string? name = null) =>
        Add("WavefrontProxy", name, configure, static (_, registry, options) => new WavefrontReporter(registry, WavefrontMode.RequireProxy(options)));

    /// <summary>Adds a <see cref="WavefrontReporter"/> using direct ingestion: set <see cref="WavefrontReporterOptions.Server"/> and <see cref="WavefrontReporterOptions.Token"/>.</summary>
    /// <param name="configure">Sets its options.</param>
    /// <param name="name">Null for the default direct-ingestion reporter; a name to add another one.</param>
    /// <returns>This builder.</returns>
    public MetricsReportingBuilder AddWavefrontDirect(Action<WavefrontReporterOptions>? configure = null, string? name = null) =>
        Add("WavefrontDirect", name, configure, static (_, registry, options) => new WavefrontReporter(registry, WavefrontMode.RequireDirect(options)));

    /// <summary>
    /// Adds a <see cref="TendrlReporter"/> writing to the local Tendrl agent's Unix socket
    /// (<see cref="TendrlReporterOptions.SocketPath"/>: <c>TENDRL_SOCKET</c>, else <c>/var/lib/tendrl/tendrl_agent.sock</c>).
    /// </summary>
    /// <param name="configure">Sets its options.</param>
    /// <param name="name">Null for the default Tendrl agent reporter; a name to add another one.</param>
    /// <returns>This builder.</returns>
    public MetricsReportingBuilder AddTendrlAgent(Action<TendrlReporterOptions>? configure = null, string? name = null) =>
        Add("TendrlAgent", name, configure, static (_, registry, options) => new TendrlReporter(registry, options));

    /// <summary>Adds a reporter of <paramref name="kind"/>; the core of every <c>AddX</c>.</summary>
    /// <remarks><paramref name="source"/> is the path of the configuration section the reporter comes from (its problems are named by configuration key), or null for a builder method.</remarks>
    internal MetricsReportingBuilder Add<TOptions>(
        string kind,
        string? name,
        Action<TOptions>? configure,
        Func<IServiceProvider, MetricsRegistry, TOptions, Reporter> create,
        string? source = null)
        where TOptions : ReporterOptions
    {
        if (name is not null && string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException($"A reporter name must not be empty or white space; pass null for the default {kind} reporter.", nameof(name));
        }

        var optionsName = OptionsName(kind, name);
        if (configure is not null)
        {
            Services.Configure(optionsName, configure);
        }

        var existing = Services
            .Select(d => d.ServiceType == typeof(ReporterRegistration) ? d.ImplementationInstance as ReporterRegistration : null)
            .FirstOrDefault(r => r is not null && r.Matches(kind, name));
        if (existing is not null)
        {
            if (source is null)
            {
                existing.CodeAdds++;
            }
        }
        else
        {
            var configurationPath = source;
            source ??= name is null ? $"Add{kind}()" : $"Add{kind}(name: \"{name}\")";
            var where = source;
            Services.AddSingleton(new ReporterRegistration(kind, name, source, sp =>
            {
                var options = sp.GetRequiredService<IOptionsFactory<TOptions>>().Create(optionsName);
                options.LoggerFactory ??= sp.GetService<ILoggerFactory>();
                if (name is not null)
                {
                    // Only a Name left unset takes the instance name: an empty or blank one is refused below.
                    options.Name ??= name;
                }

                var problems = Problems(options, configurationPath, where);
                if (problems.Count > 0)
                {
                    throw new ReporterConfigurationException(problems);
                }

                return registry => create(sp, registry, options);
            })
            {
                CodeAdds = configurationPath is null ? 1 : 0,
            });
        }

        return this;
    }

    /// <summary>Registers a reporter that cannot be built: it fails the host's start with <paramref name="problem"/>.</summary>
    internal MetricsReportingBuilder AddProblem(string source, string problem)
    {
        Services.AddSingleton(new ReporterRegistration("(invalid)", source, source, _ => throw new ReporterConfigurationException(problem)));
        return this;
    }

    /// <summary>
    /// The problems of configuration binding and of <see cref="OptionsValidator"/>: each under its configuration key
    /// when the reporter comes from the section at <paramref name="configurationPath"/>, else after <paramref name="source"/>
    /// (the builder method) with the option's name.
    /// </summary>
    private static List<string> Problems(ReporterOptions options, string? configurationPath, string source)
    {
        var problems = new List<string>(ReporterConfigurationBinder.TakeProblems(options));
        foreach (var problem in OptionsValidator.Problems(options))
        {
            if (configurationPath is null)
            {
                problems.Add($"{source}: {problem.Message}");
                continue;
            }

            var key = configurationPath + ":" + problem.Key;

            // A value that could not be read keeps its default; its binding problem is the one to fix.
            if (!problems.Exists(p => p.StartsWith(key + ":", StringComparison.OrdinalIgnoreCase)))
            {
                problems.Add($"{key}: {problem.Description}");
            }
        }

        return problems;
    }

    // Options of different kinds are different types, so the name only has to tell instances of one kind apart;
    // the kind is included to keep it readable in diagnostics.
    private static string OptionsName(string kind, string? name) => name is null ? "Metrics.Reporters." + kind : "Metrics.Reporters." + kind + "." + name;
}
