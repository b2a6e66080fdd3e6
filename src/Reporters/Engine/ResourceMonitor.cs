using System.Diagnostics;

namespace Metrics.Reporters.Engine;

/// <summary>Measures the process's resource use for adaptive batching. Tests inject fixed values.</summary>
internal interface IResourceMonitor
{
    /// <summary>CPU use of the process since the previous call, in percent of all cores (0-100).</summary>
    double SampleCpuPercent();

    /// <summary>Memory load in percent (0-100).</summary>
    double SampleMemoryPercent();
}

/// <summary>
/// CPU from <see cref="Process.TotalProcessorTime"/> deltas over real elapsed time divided by
/// <see cref="Environment.ProcessorCount"/>; memory from <see cref="GC.GetGCMemoryInfo()"/>'s memory load.
/// </summary>
internal sealed class ProcessResourceMonitor : IResourceMonitor
{
    private readonly object _lock = new();
    private TimeSpan _lastCpu;
    private long _lastTimestamp;
    private double _lastPercent;

    public ProcessResourceMonitor()
    {
        _lastCpu = ReadProcessorTime();
        _lastTimestamp = Stopwatch.GetTimestamp();
    }

    public double SampleCpuPercent()
    {
        lock (_lock)
        {
            var cpu = ReadProcessorTime();
            var now = Stopwatch.GetTimestamp();
            var wall = Stopwatch.GetElapsedTime(_lastTimestamp, now);
            // Too short an interval gives noise: keep the previous figure.
            if (wall < TimeSpan.FromMilliseconds(50))
            {
                return _lastPercent;
            }

            var used = (cpu - _lastCpu).TotalMilliseconds / (wall.TotalMilliseconds * Environment.ProcessorCount) * 100;
            _lastCpu = cpu;
            _lastTimestamp = now;
            _lastPercent = Math.Clamp(used, 0, 100);
            return _lastPercent;
        }
    }

    public double SampleMemoryPercent()
    {
        var info = GC.GetGCMemoryInfo();
        return info.TotalAvailableMemoryBytes <= 0
            ? 0
            : Math.Clamp(100.0 * info.MemoryLoadBytes / info.TotalAvailableMemoryBytes, 0, 100);
    }

    private static TimeSpan ReadProcessorTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }
}
