namespace Metrics.Reporters.Engine;

/// <summary>How a backend classifies one send.</summary>
internal enum SendOutcome
{
    /// <summary>Every point was accepted.</summary>
    Success,

    /// <summary>Some points were accepted and the rest failed for good (bad data): nothing is resent.</summary>
    PartialFailure,

    /// <summary>Nothing (known to be) accepted; worth retrying (5xx, connection errors, timeouts).</summary>
    Transient,

    /// <summary>Nothing accepted and retrying cannot help (4xx, bad token): the points are dropped and reported.</summary>
    Permanent,

    /// <summary>The batch was too large for the backend (HTTP 413): the engine splits it and sends the halves.</summary>
    TooLarge,
}

/// <summary>The result of one backend send.</summary>
internal readonly record struct SendResult(
    SendOutcome Outcome,
    long Succeeded,
    long Failed,
    IReadOnlyList<string> Errors,
    int? StatusCode = null,
    TimeSpan? RetryAfter = null,
    Exception? Exception = null)
{
    public static SendResult Ok(int count, int? status = null) => new(SendOutcome.Success, count, 0, Array.Empty<string>(), status);

    public static SendResult Transient(int count, string error, int? status = null, Exception? exception = null, TimeSpan? retryAfter = null) =>
        new(SendOutcome.Transient, 0, count, new[] { error }, status, retryAfter, exception);

    public static SendResult Permanent(int count, string error, int? status = null, Exception? exception = null) =>
        new(SendOutcome.Permanent, 0, count, new[] { error }, status, null, exception);
}
