using System.Text;

namespace Metrics.Reporters;

/// <summary>An Apptuit API call failed. The message never contains the API token.</summary>
public class ApptuitException : Exception
{
    /// <summary>Creates an exception with a message.</summary>
    public ApptuitException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    public ApptuitException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with a message, the HTTP status and the cause.</summary>
    public ApptuitException(string message, int? statusCode, Exception? innerException = null)
        : base(message, innerException) => StatusCode = statusCode;

    /// <summary>Creates an exception with no message.</summary>
    public ApptuitException()
    {
    }

    /// <summary>The HTTP status of the failing answer; null when there was none (connection error).</summary>
    public int? StatusCode { get; }
}

/// <summary>One point that Apptuit did not store, with the reason.</summary>
/// <param name="Datapoint">The point as JSON (as Apptuit echoed it, or as it was sent).</param>
/// <param name="Error">Why it failed.</param>
public sealed record ApptuitPointError(string Datapoint, string Error)
{
    /// <summary><c>&lt;error&gt; error occurred in the datapoint &lt;datapoint&gt;</c>, as apptuit-py prints it.</summary>
    public override string ToString() => $"{Error} error occurred in the datapoint {Datapoint}";
}

/// <summary>
/// Some or all points of an <see cref="ApptuitClient"/> send failed. The message says how many points failed, the
/// status, and one line per error: <c>&lt;error&gt; error occurred in the datapoint &lt;datapoint&gt;</c>.
/// </summary>
public sealed class ApptuitSendException : ApptuitException
{
    /// <summary>Creates the exception; the message is built from the counts and errors.</summary>
    public ApptuitSendException(int? statusCode, long succeeded, long failed, IReadOnlyList<ApptuitPointError> errors, Exception? innerException = null)
        : base(BuildMessage(statusCode, failed, errors ?? Array.Empty<ApptuitPointError>()), statusCode, innerException)
    {
        Succeeded = succeeded;
        Failed = failed;
        Errors = errors ?? Array.Empty<ApptuitPointError>();
    }

    /// <summary>Points that were stored.</summary>
    public long Succeeded { get; }

    /// <summary>Points that were not stored.</summary>
    public long Failed { get; }

    /// <summary>The per-point (or per-request) errors.</summary>
    public IReadOnlyList<ApptuitPointError> Errors { get; }

    private static string BuildMessage(int? statusCode, long failed, IReadOnlyList<ApptuitPointError> errors)
    {
        var sb = new StringBuilder();
        sb.Append(failed.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(" points failed");
        if (statusCode is int status)
        {
            sb.Append(" with status: ").Append(status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (var error in errors)
        {
            sb.Append('\n').Append(error);
        }

        return sb.ToString();
    }
}
