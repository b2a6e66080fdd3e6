namespace Metrics.Reporters;

/// <summary>
/// What drives resource-aware batching (<see cref="ReporterOptions.AdaptiveBatching"/>): the process's CPU use,
/// the machine's memory load and how full the reporter's queue is, each in percent.
/// </summary>
/// <param name="CpuPercent">CPU time the process used since the previous measurement, as a percentage of all cores (0-100).</param>
/// <param name="MemoryPercent">Memory load of the machine (or container limit) as the GC sees it (0-100).</param>
/// <param name="QueueLoadPercent">Points queued as a percentage of <see cref="ReporterOptions.MaxQueueSize"/> (0-100).</param>
public sealed record ResourceUsage(double CpuPercent, double MemoryPercent, double QueueLoadPercent);
