using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Metrics.Reporters.DependencyInjection;

/// <summary>
/// Reads the <c>"Metrics"</c> configuration section: <c>GlobalTags</c>, and one section per reporter under
/// <c>Reporters</c>, keyed by kind or by instance name with a <c>Type</c>.
/// </summary>
internal static class ReporterConfiguration
{
    /// <summary>Reporter kinds that can be configured, with the builder call that adds one from a section.</summary>
    private static readonly Dictionary<string, Action<MetricsReportingBuilder, string?, IConfigurationSection>> Kinds =
        new(StringComparer.OrdinalIgnoreCase)
        {
            ["Console"] = static (b, name, section) => b.Add("Console", name, Binder<ConsoleReporterOptions>(section, "Console"), static (_, r, o) => new ConsoleReporter(r, o), section.Path),
            ["Apptuit"] = static (b, name, section) => b.Add("Apptuit", name, Binder<ApptuitReporterOptions>(section, "Apptuit"), static (_, r, o) => new ApptuitReporter(r, ApptuitToken.Require(o)), section.Path),
            ["OpenTsdb"] = static (b, name, section) => b.Add("OpenTsdb", name, Binder<OpenTsdbReporterOptions>(section, "OpenTsdb"), static (_, r, o) => new OpenTsdbReporter(r, o), section.Path),
            ["WavefrontProxy"] = static (b, name, section) => b.Add("WavefrontProxy", name, Binder<WavefrontReporterOptions>(section, "WavefrontProxy"), static (_, r, o) => new WavefrontReporter(r, WavefrontMode.RequireProxy(o)), section.Path),
            ["WavefrontDirect"] = static (b, name, section) => b.Add("WavefrontDirect", name, Binder<WavefrontReporterOptions>(section, "WavefrontDirect"), static (_, r, o) => new WavefrontReporter(r, WavefrontMode.RequireDirect(o)), section.Path),
            ["TendrlAgent"] = static (b, name, section) => b.Add("TendrlAgent", name, Binder<TendrlReporterOptions>(section, "TendrlAgent"), static (_, r, o) => new TendrlReporter(r, o), section.Path),
            ["LocalStore"] = static (b, name, section) => b.Add("LocalStore", name, Binder<LocalStoreReporterOptions>(section, "LocalStore"), static (_, r, o) => new LocalStoreReporter(r, o), section.Path),
        };

    public static void Apply(MetricsReportingBuilder builder, IConfiguration configuration) => Apply(builder, configuration, Kinds);

    /// <summary>Applies <paramref name="configuration"/> with the given reporter kinds (tests pass their own).</summary>
    internal static void Apply(MetricsReportingBuilder builder, IConfiguration configuration, IReadOnlyDictionary<string, Action<MetricsReportingBuilder, string?, IConfigurationSection>> kinds)
    {
        // Passing the whole configuration instead of its "Metrics" section is an easy slip: accept it.
        if (!configuration.GetSection("Reporters").Exists() && !configuration.GetSection("GlobalTags").Exists() && configuration.GetSection("Metrics").Exists())
        {
            configuration = configuration.GetSection("Metrics");
        }

        ReportMisspelledSections(builder, configuration);

        var globalTags = configuration.GetSection("GlobalTags");
        if (globalTags.Exists())
        {
            // Checked with the reporters when they are built, so that a bad value is one of the problems listed at start.
            builder.Services.AddSingleton(new ConfigurationCheck(() =>
            {
                var problems = new List<string>();
                ReporterConfigurationBinder.BindTags(globalTags, problems);
                return problems;
            }));

            // The registry can be created before the host starts (UseRequestMetrics does): fail it with the same list.
            builder.Services.AddOptions<MetricsOptions>().Configure<IServiceProvider>((o, sp) =>
            {
                var problems = new List<string>();
                if (ReporterConfigurationBinder.BindTags(globalTags, problems) is { } tags)
                {
                    o.GlobalTags = o.GlobalTags.Merge(tags);
                    return;
                }

                throw sp.GetService<ReporterSet>()?.Misconfiguration() ?? ReporterSet.Misconfigured(problems);
            });
        }

        var reporters = configuration.GetSection("Reporters");
        if (!reporters.Exists())
        {
            builder.Services.AddSingleton(new ReportingSectionNote((configuration as IConfigurationSection)?.Path ?? string.Empty));
        }

        if (!string.IsNullOrEmpty(reporters.Value))
        {
            builder.AddProblem(reporters.Path, $"{reporters.Path}: expected a section with one section per reporter, found a single value; write e.g. \"Reporters\": {{ \"Console\": {{ \"Interval\": \"00:01:00\" }} }}");
        }

        foreach (var section in reporters.GetChildren())
        {
            var type = section["Type"];
            var kind = string.IsNullOrWhiteSpace(type) ? section.Key : type.Trim();
            string? name = string.IsNullOrWhiteSpace(type) || string.Equals(kind, section.Key, StringComparison.OrdinalIgnoreCase) ? null : section.Key;
            var enabled = section["Enabled"];
            if (enabled is not null)
            {
                if (!bool.TryParse(enabled.Trim(), out var on))
                {
                    builder.AddProblem(section.Path, $"{section.Path}:Enabled: '{enabled}' is not a valid boolean (use true or false)");
                    continue;
                }

                if (!on)
                {
                    continue;
                }
            }

            if (!kinds.TryGetValue(kind, out var add))
            {
                var known = string.Join(", ", kinds.Keys.Order(StringComparer.Ordinal));
                builder.AddProblem(section.Path, string.IsNullOrWhiteSpace(type)
                    ? $"{section.Path}: unknown reporter '{section.Key}' (known: {known}); to name an instance, add \"Type\": one of those"
                    : $"{section.Path}:Type: unknown reporter type '{type}' (known: {known})");
                continue;
            }

            add(builder, name, section);
        }
    }

    /// <summary>The keys of the <c>"Metrics"</c> section that this library reads.</summary>
    private static readonly string[] SectionKeys = { "GlobalTags", "Reporters" };

    /// <summary>
    /// Reports a key of the <c>"Metrics"</c> section that is one slip from <c>Reporters</c> or <c>GlobalTags</c>
    /// (<c>"Reporter"</c>, <c>"Reportres"</c>, <c>"GlobalTag"</c>): without this, the reporters under it would silently
    /// never run. Other keys are left alone: the host also reads this section for System.Diagnostics.Metrics
    /// (<c>EnabledMetrics</c> and listener names), so they are not this library's to refuse.
    /// </summary>
    private static void ReportMisspelledSections(MetricsReportingBuilder builder, IConfiguration configuration)
    {
        // The whole configuration (with no "Metrics" section in it) holds every other library's sections too.
        if (configuration is IConfigurationRoot)
        {
            return;
        }

        foreach (var child in configuration.GetChildren())
        {
            if (SectionKeys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var meant = Array.Find(SectionKeys, k => IsNearMiss(child.Key, k));
            if (meant is not null)
            {
                builder.AddProblem(child.Path, $"{child.Path}: unknown section '{child.Key}'; did you mean '{meant}'? (this section reads GlobalTags and Reporters)");
            }
        }
    }

    /// <summary>
    /// True when <paramref name="key"/> is one slip (a letter left out, added or changed, or two neighbours swapped; case
    /// ignored) from <paramref name="known"/>.
    /// </summary>
    private static bool IsNearMiss(string key, string known)
    {
        var a = key.ToUpperInvariant();
        var b = known.ToUpperInvariant();
        var prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix])
        {
            prefix++;
        }

        var restA = a.AsSpan(prefix);
        var restB = b.AsSpan(prefix);
        return (restA.Length, restB.Length) switch
        {
            var (x, y) when x == y + 1 => restA[1..].SequenceEqual(restB),
            var (x, y) when y == x + 1 => restB[1..].SequenceEqual(restA),
            var (x, y) when x == y && x > 0 => restA[1..].SequenceEqual(restB[1..])
                || (x > 1 && restA[0] == restB[1] && restA[1] == restB[0] && restA[2..].SequenceEqual(restB[2..])),
            _ => false,
        };
    }

    /// <summary>
    /// Binds a reporter section onto options, naming the kind in messages. The problems are kept with the options and
    /// reported, with the options' validation problems, by the reporter registration of <c>MetricsReportingBuilder.Add</c>.
    /// </summary>
    public static Action<TOptions> Binder<TOptions>(IConfigurationSection section, string kind)
        where TOptions : class =>
        options => ReporterConfigurationBinder.BindDeferred(section, options, kind);
}
