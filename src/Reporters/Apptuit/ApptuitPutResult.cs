namespace Metrics.Reporters.Apptuit;

/// <summary>How Apptuit answered one <c>/api/put</c>.</summary>
internal enum ApptuitPutStatus
{
    /// <summary>200 or 204: every point stored.</summary>
    Success,

    /// <summary>400: some points failed; the details body says which.</summary>
    Partial,

    /// <summary>413: the payload is too big; split it.</summary>
    TooLarge,

    /// <summary>401: the token is invalid; nothing stored, retrying cannot help.</summary>
    Unauthorized,

    /// <summary>Any other 4xx (and other non-5xx statuses): nothing stored, never retried.</summary>
    ClientError,

    /// <summary>5xx: nothing stored; worth retrying.</summary>
    ServerError,

    /// <summary>No answer (connection refused or reset, timeout): worth retrying.</summary>
    ConnectionError,
}

/// <summary>The classified answer of one <c>/api/put</c>.</summary>
internal sealed record ApptuitPutResult(
    ApptuitPutStatus Status,
    int? StatusCode,
    long Succeeded,
    long Failed,
    IReadOnlyList<ApptuitPointError> Errors,
    Exception? Exception = null,
    TimeSpan? RetryAfter = null)
{
    public bool IsRetryable => Status is ApptuitPutStatus.ServerError or ApptuitPutStatus.ConnectionError;
}
