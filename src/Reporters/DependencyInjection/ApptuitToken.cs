using Metrics.Reporters.Apptuit;

namespace Metrics.Reporters.DependencyInjection;

/// <summary>
/// Checks that an Apptuit reporter added through dependency injection has a token, as a configuration problem: a
/// missing token fails the host's start with the other problems instead of leaving the reporter out with a log line.
/// </summary>
internal static class ApptuitToken
{
    public static ApptuitReporterOptions Require(ApptuitReporterOptions options) => Require(options, ApptuitEnvironment.Process);

    /// <summary>Returns <paramref name="options"/>; throws <see cref="ArgumentException"/> when neither the option nor the environment gives a token.</summary>
    internal static ApptuitReporterOptions Require(ApptuitReporterOptions options, ApptuitEnvironment environment)
    {
        try
        {
            environment.ResolveToken(options.Token);
        }
        catch (InvalidOperationException ex)
        {
            throw new ArgumentException(ex.Message, nameof(options), ex);
        }

        return options;
    }
}
