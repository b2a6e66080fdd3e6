namespace Metrics.Reporters.Engine;

/// <summary>
/// "Send this batch": the only thing a backend implements. The engine owns scheduling, queueing, batching,
/// retry, offline storage and flushing. A backend formats the points (a pure format), writes them with an
/// injected transport, and classifies the outcome. It must not throw for backend or network errors: it returns
/// a <see cref="SendResult"/> instead (the engine still guards against exceptions).
/// </summary>
internal interface IReportBackend : IAsyncDisposable
{
    /// <summary>A short name for messages and self-metrics, e.g. "opentsdb".</summary>
    string Name { get; }

    /// <summary>Points that this backend can never send (invalid names, too many tags...) are rejected here before queueing, each with a reason.</summary>
    /// <returns>null when the point is valid; otherwise the reason.</returns>
    string? Validate(in DataPoint point);

    /// <summary>Sends one batch.</summary>
    ValueTask<SendResult> SendAsync(IReadOnlyList<DataPoint> batch, CancellationToken cancellationToken);
}
