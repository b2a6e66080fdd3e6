namespace Metrics.Reporters.Engine;

/// <summary>
/// Resource-aware batch size (the Tendrl SDK's rule): between <see cref="AdaptiveBatchingOptions.MinBatchSize"/>
/// and the reporter's <see cref="ReporterOptions.BatchSize"/>, smaller as CPU or memory approach their targets,
/// larger as the queue fills.
/// </summary>
internal static class AdaptiveBatchSizer
{
    /// <summary>
    /// pressure = max(cpu / cpuTarget, memory / memoryTarget), clamped to [0, 1];
    /// factor = (1 - pressure) * (1 + queueLoad), clamped to [0, 1];
    /// size = min + round((max - min) * factor).
    /// </summary>
    public static int Compute(AdaptiveBatchingOptions options, int maxBatchSize, ResourceUsage usage)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(usage);
        var min = Math.Min(options.MinBatchSize, maxBatchSize);
        var pressure = Math.Max(usage.CpuPercent / options.CpuTargetPercent, usage.MemoryPercent / options.MemoryTargetPercent);
        pressure = Math.Clamp(double.IsFinite(pressure) ? pressure : 1, 0, 1);
        var queueLoad = Math.Clamp(usage.QueueLoadPercent / 100, 0, 1);
        var factor = Math.Clamp((1 - pressure) * (1 + queueLoad), 0, 1);
        return min + (int)Math.Round((maxBatchSize - min) * factor, MidpointRounding.AwayFromZero);
    }
}
