namespace Metrics.Reporters;

/// <summary>Options of the <see cref="ConsoleReporter"/>.</summary>
public sealed class ConsoleReporterOptions : ReporterOptions
{
    /// <summary>Where the tables are written. Default <see cref="Console.Out"/> (taken when the options are created).</summary>
    public TextWriter Output { get; set; } = Console.Out;
}
