namespace Metrics.Reporters.DependencyInjection;

/// <summary>
/// A check of configuration outside the reporter sections (<c>Metrics:GlobalTags</c>), run by <see cref="ReporterSet"/>
/// with the reporters' options so that its problems are listed in the same exception.
/// </summary>
internal sealed class ConfigurationCheck
{
    private readonly Func<IReadOnlyList<string>> _problems;

    public ConfigurationCheck(Func<IReadOnlyList<string>> problems) => _problems = problems;

    /// <summary>One line per problem, each naming its configuration key; empty when the configuration is valid.</summary>
    public IReadOnlyList<string> Problems() => _problems();
}
