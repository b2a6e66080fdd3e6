namespace Metrics.Reporters.DependencyInjection;

/// <summary>One reporter asked for through <see cref="Microsoft.Extensions.DependencyInjection.MetricsReportingBuilder"/>: its kind, its name and how to build it.</summary>
internal sealed class ReporterRegistration
{
    public ReporterRegistration(string kind, string? name, string source, Func<IServiceProvider, Func<MetricsRegistry, Reporter>> prepare)
    {
        Kind = kind;
        Name = name;
        Source = source;
        Prepare = prepare;
    }

    /// <summary>Where the reporter was asked for, for messages: a configuration path or the builder method.</summary>
    public string Source { get; }

    /// <summary>The reporter kind, e.g. "Console" or "OpenTsdb".</summary>
    public string Kind { get; }

    /// <summary>The instance name; null for the default instance of <see cref="Kind"/>.</summary>
    public string? Name { get; }

    /// <summary>
    /// Creates and validates the reporter's options, without the registry: throws <see cref="ReporterConfigurationException"/>
    /// listing every problem of invalid options; else returns what builds the reporter on the registry (which may
    /// still throw for checks of the reporter's own).
    /// </summary>
    public Func<IServiceProvider, Func<MetricsRegistry, Reporter>> Prepare { get; }

    /// <summary>
    /// How many builder calls in code (not configuration sections) added this kind and name: more than one for an
    /// unnamed reporter is said at start, as it may have been meant as a second reporter.
    /// </summary>
    public int CodeAdds { get; set; }

    public bool Matches(string kind, string? name) =>
        string.Equals(Kind, kind, StringComparison.Ordinal) && string.Equals(Name, name, StringComparison.Ordinal);
}
