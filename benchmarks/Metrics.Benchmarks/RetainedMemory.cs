using System.Globalization;

namespace Metrics.Benchmarks;

/// <summary>
/// Memory per series as retained (live) bytes, which BenchmarkDotNet's Allocated column cannot show: it also counts
/// garbage such as the registry table's discarded arrays as it grows. For each type, a fresh registry gets
/// <c>N</c> series with their first values recorded; the live heap after a full collection, minus the live heap
/// before, divided by <c>N</c>, is the memory one series costs (the metric plus its registry entry). Names are built
/// beforehand: they belong to the caller. Usage: <c>memory [--series N]</c>.
/// </summary>
internal static class RetainedMemory
{
    private const long HistogramLimit = 40 * 1024;

    public static int Run(string[] args)
    {
        var n = 10_000;
        if (args.Length == 2 && args[0] == "--series"
            && int.TryParse(args[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed > 0)
        {
            n = parsed;
        }
        else if (args.Length != 0)
        {
            Console.Error.WriteLine("Usage: memory [--series N]   (N a positive whole number, default 10000)");
            return 2;
        }

        var names = Enumerable.Range(0, n).Select(i => "series." + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var highest = new HistogramOptions().HighestTrackableValue;
        var everyMagnitude = Enumerable.Range(0, 63).Select(b => 1L << b).Where(v => v <= highest).Append(highest).ToArray();
        var full = Math.Min(n, 1_000);

        var rows = new List<(string Type, double Bytes)>
        {
            ("Counter (Inc once)", Measure(n, registry => { foreach (var name in names) { registry.Counter(name).Inc(); } })),
            ("Meter (Mark once)", Measure(n, registry => { foreach (var name in names) { registry.Meter(name).Mark(); } })),
            ("Gauge (callback)", Measure(n, registry => { foreach (var name in names) { registry.Gauge(name, static () => 1.5); } })),
            ("Histogram (values in 2 magnitudes)", Measure(n, registry =>
            {
                foreach (var name in names)
                {
                    var h = registry.Histogram(name);
                    h.Update(1_000);
                    h.Update(1_000_000);
                }
            })),
            ("Timer (1 µs and 1 s recorded)", Measure(n, registry =>
            {
                foreach (var name in names)
                {
                    var t = registry.Timer(name);
                    t.UpdateNanoseconds(1_000);
                    t.UpdateNanoseconds(1_000_000_000);
                }
            })),
            ("Histogram, every magnitude (maximum)", Measure(full, registry =>
            {
                for (var i = 0; i < full; i++)
                {
                    var h = registry.Histogram(names[i]);
                    foreach (var v in everyMagnitude)
                    {
                        h.Update(v);
                    }
                }
            })),
            ("Timer, every magnitude (maximum)", Measure(full, registry =>
            {
                for (var i = 0; i < full; i++)
                {
                    var t = registry.Timer(names[i]);
                    foreach (var v in everyMagnitude)
                    {
                        t.UpdateNanoseconds(v);
                    }
                }
            })),
        };

        Console.WriteLine($"Retained memory per series (default settings; {n:N0} series per registry, {full:N0} for the maxima; .NET {Environment.Version}):");
        Console.WriteLine();
        Console.WriteLine("| series type | bytes per series |");
        Console.WriteLine("|---|---:|");
        foreach (var (type, bytes) in rows)
        {
            Console.WriteLine($"| {type} | {bytes:N0} |");
        }

        var histogramMax = Math.Max(rows[5].Bytes, rows[6].Bytes);
        Console.WriteLine();
        Console.WriteLine($"Histogram at most {HistogramLimit:N0} bytes (40 KB): largest {histogramMax:N0} bytes, {(histogramMax <= HistogramLimit ? "met" : "NOT met")}.");
        return histogramMax <= HistogramLimit ? 0 : 1;
    }

    private static double Measure(int series, Action<MetricsRegistry> fill)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var registry = new MetricsRegistry();
        fill(registry);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(registry);
        return (after - before) / (double)series;
    }
}
