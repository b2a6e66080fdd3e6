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
        var status = StatusCode is int s ? $", status {s}" : string.Empty;
        var errors = Errors.Count == 0 ? string.Empty : ": " + string.Join("; ", Errors.Take(5)) + (Errors.Count > 5 ? $" (+{Errors.Count - 5} more)" : string.Empty);
        return $"{Reporter}: {Failed} of {Succeeded + Failed} points failed{status}{errors}";
    }
}
