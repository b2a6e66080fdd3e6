using System.Diagnostics;
using System.Globalization;

namespace Metrics;

/// <summary>
/// Gauges describing the current process: CPU time, memory, threads, garbage collections and, on Linux, page
/// faults and context switches.
/// </summary>
/// <remarks>
/// <see cref="Register"/> adds callback gauges (values are read when a reporter reads the registry) named
/// <c>{prefix}.cpu.user_seconds</c>, <c>{prefix}.cpu.system_seconds</c>, <c>{prefix}.memory.working_set_bytes</c>,
/// <c>{prefix}.memory.private_bytes</c>, <c>{prefix}.memory.gc_heap_bytes</c>, <c>{prefix}.threads</c>,
/// <c>{prefix}.gc.gen0_collections</c>, <c>{prefix}.gc.gen1_collections</c>, <c>{prefix}.gc.gen2_collections</c> and, where
/// <c>/proc/self</c> exists (Linux), <c>{prefix}.page_faults.minor</c>, <c>{prefix}.page_faults.major</c>,
/// <c>{prefix}.context_switches.voluntary</c> and <c>{prefix}.context_switches.involuntary</c>.
/// </remarks>
public static class ProcessMetrics
{
    private const string StatPath = "/proc/self/stat";
    private const string StatusPath = "/proc/self/status";

    /// <summary>
    /// Registers the process gauges in <paramref name="registry"/> under <paramref name="prefix"/> (default
    /// <c>process</c>). Idempotent: registering again keeps the gauges already there. Thread-safe.
    /// </summary>
    /// <exception cref="ArgumentException">The prefix is empty, or one of the names is already registered as another metric type.</exception>
    public static void Register(MetricsRegistry registry, string prefix = "process")
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);

        registry.Gauge(prefix + ".cpu.user_seconds", static () => ReadProcess(static p => p.UserProcessorTime.TotalSeconds));
        registry.Gauge(prefix + ".cpu.system_seconds", static () => ReadProcess(static p => p.PrivilegedProcessorTime.TotalSeconds));
        registry.Gauge(prefix + ".memory.working_set_bytes", static () => ReadProcess(static p => p.WorkingSet64));
        registry.Gauge(prefix + ".memory.private_bytes", static () => ReadProcess(static p => p.PrivateMemorySize64));
        registry.Gauge(prefix + ".memory.gc_heap_bytes", static () => GC.GetTotalMemory(forceFullCollection: false));
        registry.Gauge(prefix + ".threads", static () => ReadProcess(static p => p.Threads.Count));
        registry.Gauge(prefix + ".gc.gen0_collections", static () => GC.CollectionCount(0));
        registry.Gauge(prefix + ".gc.gen1_collections", static () => GC.CollectionCount(1));
        registry.Gauge(prefix + ".gc.gen2_collections", static () => GC.CollectionCount(2));

        if (OperatingSystem.IsLinux() && File.Exists(StatPath) && File.Exists(StatusPath))
        {
            // Field numbers from proc(5): 10 minflt (minor faults), 12 majflt (major faults).
            registry.Gauge(prefix + ".page_faults.minor", static () => ReadStatField(10));
            registry.Gauge(prefix + ".page_faults.major", static () => ReadStatField(12));
            registry.Gauge(prefix + ".context_switches.voluntary", static () => ReadStatusField("voluntary_ctxt_switches:"));
            registry.Gauge(prefix + ".context_switches.involuntary", static () => ReadStatusField("nonvoluntary_ctxt_switches:"));
        }
    }

    private static double ReadProcess(Func<Process, double> read)
    {
        using var process = Process.GetCurrentProcess();
        return read(process);
    }

    /// <summary>Reads field <paramref name="field"/> (1-based, as numbered in proc(5)) of <c>/proc/self/stat</c>.</summary>
    internal static double ReadStatField(int field) => ParseStatField(File.ReadAllText(StatPath), field);

    /// <summary>Parses field <paramref name="field"/> (1-based) of a <c>/proc/[pid]/stat</c> line; NaN when absent.</summary>
    internal static double ParseStatField(string stat, int field)
    {
        // Field 2 (the command) is in parentheses and may hold spaces; count fields from after its closing one.
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return double.NaN;
        }

        var rest = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var index = field - 3;
        return index >= 0 && index < rest.Length && long.TryParse(rest[index], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : double.NaN;
    }

    internal static double ReadStatusField(string key) => ParseStatusField(File.ReadAllLines(StatusPath), key);

    /// <summary>Parses the value of <paramref name="key"/> (for example <c>voluntary_ctxt_switches:</c>) in <c>/proc/[pid]/status</c> lines; NaN when absent.</summary>
    internal static double ParseStatusField(IEnumerable<string> lines, string key)
    {
        foreach (var line in lines)
        {
            if (line.StartsWith(key, StringComparison.Ordinal)
                && long.TryParse(line.AsSpan(key.Length).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
        }

        return double.NaN;
    }
}
