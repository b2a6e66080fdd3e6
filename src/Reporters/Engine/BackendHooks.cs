namespace Metrics.Reporters.Engine;

/// <summary>
/// Implemented by a backend whose points differ from the default field expansion (e.g. Wavefront delta counters
/// and distributions). The engine asks once, when the reporter is built.
/// </summary>
internal interface IExpandingBackend : IReportBackend
{
    /// <summary>Creates the expander this reporter uses, with the reporter's field names.</summary>
    PointExpander CreateExpander(FieldNaming fields);
}

/// <summary>
/// Implemented by a backend that keeps its own self-metrics besides the engine's (e.g. Apptuit's
/// <c>apptuit.reporter.send.*</c>). The engine calls it once at construction and after every backend call.
/// </summary>
internal interface ISelfMetricsBackend : IReportBackend
{
    /// <summary>Creates the backend's metrics in <paramref name="registry"/>; <paramref name="reporterTags"/> identify this reporter (<c>reporter=&lt;Name&gt;</c>).</summary>
    void RegisterSelfMetrics(MetricsRegistry registry, Tags reporterTags);

    /// <summary>Called after each backend call (each attempt, retries included) with its result and duration.</summary>
    void OnSendCompleted(int points, in SendResult result, TimeSpan elapsed);

    /// <summary>
    /// Called once per batch with the result its retries ended on (a transient result only when they are exhausted);
    /// not called when the delivery was cancelled. A batch answered too large is followed by calls for its halves.
    /// </summary>
    void OnDelivered(int points, in SendResult result);
}

/// <summary>
/// Implemented by a backend that shows points replayed from offline storage differently from a report's own (the
/// console table heads a replayed batch with the time it is written, so that its newest point is not taken for a
/// live one). The engine sets <see cref="Replaying"/> around each batch it replays; sends never overlap.
/// </summary>
internal interface IReplayAwareBackend : IReportBackend
{
    /// <summary>True while the engine sends a batch read back from offline storage.</summary>
    bool Replaying { get; set; }
}
