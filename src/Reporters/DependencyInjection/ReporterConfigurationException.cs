namespace Metrics.Reporters.DependencyInjection;

/// <summary>Configuration values that cannot be used, each message naming its configuration key.</summary>
internal sealed class ReporterConfigurationException : Exception
{
    public ReporterConfigurationException()
        : this(Array.Empty<string>())
    {
    }

    public ReporterConfigurationException(string message)
        : this(new[] { message })
    {
    }

    public ReporterConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = new[] { message };
    }

    public ReporterConfigurationException(IReadOnlyList<string> problems)
        : base(string.Join(Environment.NewLine, problems))
    {
        Problems = problems;
    }

    /// <summary>One line per problem: "Key:Path: what is wrong (what to do)".</summary>
    public IReadOnlyList<string> Problems { get; }
}
