namespace Metrics.Reporters.DependencyInjection;

/// <summary>
/// A configuration section given to <c>AddMetricsReporting</c> that has no <c>Reporters</c> section: when no reporter
/// runs at all, the hosted service warns naming it, so that a misspelled or missing section is not silent.
/// </summary>
internal sealed class ReportingSectionNote
{
    public ReportingSectionNote(string path) => Path = path;

    /// <summary>The configuration path of the section given (empty for the root).</summary>
    public string Path { get; }
}
