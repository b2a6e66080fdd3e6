namespace Metrics.Reporters.Wavefront;

/// <summary>How one write of lines to Wavefront ended.</summary>
/// <param name="Ok">True when delivered.</param>
/// <param name="Permanent">For failures: true when resending cannot help (bad token, rejected data).</param>
/// <param name="StatusCode">The HTTP status, for direct ingestion.</param>
/// <param name="Error">For failures: what went wrong, without secrets.</param>
/// <param name="RetryAfter">The server's <c>Retry-After</c>, when given.</param>
/// <param name="Exception">The exception behind a failure, if any.</param>
internal readonly record struct WavefrontSendStatus(bool Ok, bool Permanent, int? StatusCode, string? Error, TimeSpan? RetryAfter = null, Exception? Exception = null)
{
    public static WavefrontSendStatus Delivered(int? status = null) => new(true, false, status, null);

    public static WavefrontSendStatus Transient(string error, int? status = null, Exception? exception = null, TimeSpan? retryAfter = null) =>
        new(false, false, status, error, retryAfter, exception);

    public static WavefrontSendStatus Rejected(string error, int? status = null) => new(false, true, status, error);
}

/// <summary>
/// Where lines go: the proxy's ports over TCP or the direct-ingestion endpoint over HTTP. Never throws for network
/// or server errors: it returns a failed <see cref="WavefrontSendStatus"/>.
/// </summary>
internal interface IWavefrontSink : IAsyncDisposable
{
    /// <summary>"proxy" or "direct", for metric names and messages.</summary>
    string Name { get; }

    /// <summary>True when this sink has somewhere to send <paramref name="kind"/> (the proxy needs a port for it).</summary>
    bool Supports(WavefrontDataKind kind);

    /// <summary>Why <paramref name="kind"/> cannot be sent, for the exception when it is not supported.</summary>
    string Unsupported(WavefrontDataKind kind);

    /// <summary>Writes whole lines (UTF-8, each ending in a line feed) of one kind.</summary>
    ValueTask<WavefrontSendStatus> SendAsync(WavefrontDataKind kind, ReadOnlyMemory<byte> lines, CancellationToken cancellationToken);
}
