using Metrics.Reporters.Engine;

namespace Metrics.Reporters;

/// <summary>
/// Writes a readable table of every series to a <see cref="TextWriter"/> (default the console) on each report,
/// like Dropwizard's ConsoleReporter: a header with the time, then each series' name, tags and fields.
/// </summary>
/// <example>
/// <code>
/// var reporter = new ConsoleReporter(registry, new ConsoleReporterOptions { Output = Console.Out, Interval = TimeSpan.FromSeconds(30) });
/// reporter.Start();
/// </code>
/// </example>
/// <remarks>Thread-safe. The writer is not closed when the reporter stops.</remarks>
public sealed class ConsoleReporter : Reporter
{
    /// <summary>Creates a console reporter (call <see cref="Reporter.Start"/> to report on the interval).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="registry"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid (the message names it), e.g. <see cref="ConsoleReporterOptions.Output"/> is null.</exception>
    public ConsoleReporter(MetricsRegistry registry, ConsoleReporterOptions options)
        : this(registry, options, seams: null)
    {
    }

    internal ConsoleReporter(MetricsRegistry registry, ConsoleReporterOptions options, EngineSeams? seams)
        : base(registry, options, CreateBackend(registry, options), seams)
    {
    }

    private static ConsoleBackend CreateBackend(MetricsRegistry registry, ConsoleReporterOptions options)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Output is null)
        {
            throw new ArgumentException("ConsoleReporterOptions.Output must not be null: give a TextWriter such as Console.Out.", nameof(options));
        }

        return new ConsoleBackend(options.Output, registry.TimeProvider, options.Fields ?? FieldNaming.Pyformance);
    }
}
