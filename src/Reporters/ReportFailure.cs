namespace Metrics.Reporters;

/// <summary>What went wrong in one failed send, given to a reporter's <see cref="ReporterOptions.ErrorHandler"/>.</summary>
public sealed class ReportFailure
{
    /// <summary>Creates a failure description.</summary>
    public ReportFailure(string reporter, int? statusCode, long succeeded, long failed, IReadOnlyList<string> errors, Exception? exception = null)
    {
        Reporter = reporter;
        StatusCode = statusCode;
        Succeeded = succeeded;
        Failed = failed;
        Errors = errors ?? Array.Empty<string>();
        Exception = exception;
    }

    /// <summary>The reporter's name.</summary>
    public string Reporter { get; }

    /// <summary>The backend's status code, when it gave one (HTTP status).</summary>
    public int? StatusCode { get; }

    /// <summary>Points of the send that the backend accepted.</summary>
    public long Succeeded { get; }

    /// <summary>Points of the send that failed.</summary>
    public long Failed { get; }

    /// <summary>The backend's error messages (or a description of the transport error).</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>The exception behind the failure, if any.</summary>
    public Exception? Exception { get; }

    /// <summary>A one-line summary: how many points failed out of the total, the status and the first messages.</summary>
    public override string ToString()
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var status = StatusCode is int s ? string.Create(inv, $", status {s}") : string.Empty;
        var errors = Errors.Count == 0 ? string.Empty : ": " + string.Join("; ", Errors.Take(5)) + (Errors.Count > 5 ? string.Create(inv, $" (+{Errors.Count - 5} more)") : string.Empty);
        return string.Create(inv, $"{Reporter}: {Failed} of {Succeeded + Failed} points failed{status}{errors}");
    }

    /// <summary>
    /// What happens to a failure when no <see cref="ReporterOptions.ErrorHandler"/> is set: a warning through the
    /// reporter's logger when it has a <see cref="ReporterOptions.LoggerFactory"/>, otherwise the one-line summary on
    /// standard error, so a failing reporter is never silent by default.
    /// </summary>
    internal static void WriteDefault(Microsoft.Extensions.Logging.ILogger? logger, ReportFailure failure)
    {
        if (logger is not null)
        {
            Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(logger, "{Failure}", failure.ToString());
            return;
        }

        try
        {
            Console.Error.WriteLine(failure.ToString());
        }
#pragma warning disable CA1031 // Standard error that cannot be written must not break the reporter.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
