using System.Globalization;
using System.Text;
using Metrics;
using Metrics.Reporters;

namespace QuickStart;

/// <summary>
/// The QuickStart: simulate an order service for a few seconds, report every second to the console and to an
/// embedded store file, then read the stored series back and print them as a table with a small chart each.
/// </summary>
internal sealed class QuickStartDemo
{
    private const string Blocks = "▁▂▃▄▅▆▇█";

    /// <summary>Where everything is printed.</summary>
    public required TextWriter Output { get; init; }

    /// <summary>The store file; an old one is deleted at start. Default <c>metrics.db</c> in the current directory.</summary>
    public string DbPath { get; init; } = "metrics.db";

    /// <summary>How long the simulation runs. Default 5 seconds.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The registry's clock. Default the system clock.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>How the simulation waits between steps. Default a real delay on <see cref="Clock"/>.</summary>
    public Func<TimeSpan, CancellationToken, Task>? Wait { get; init; }

    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        DeleteStore(DbPath);
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = Clock });
        var shop = new OrderService(registry, seed: 42);
        var interval = TimeSpan.FromSeconds(1);
        var step = TimeSpan.FromMilliseconds(100);
        var wait = Wait ?? ((d, ct) => Task.Delay(d, Clock, ct));

        Output.WriteLine($"QuickStart: simulating an order service for {Duration.TotalSeconds:0} s.");
        Output.WriteLine($"Reporting every {interval.TotalSeconds:0} s to {Path.GetFullPath(DbPath)} (every series) and to the console (orders by region).");
        Output.WriteLine();

        var start = Clock.GetUtcNow();
        var console = new ConsoleReporter(registry, new ConsoleReporterOptions
        {
            Output = Output,
            Interval = interval,
            Filter = s => s.Name == "orders",
        });
        var store = new LocalStoreReporter(registry, new LocalStoreReporterOptions { Path = DbPath, Interval = interval });
        await using (console.ConfigureAwait(false))
        await using (store.ConfigureAwait(false))
        {
            console.Start();
            store.Start();
            var steps = (int)(Duration / step);
            for (var i = 0; i < steps; i++)
            {
                // Traffic ramps up over the run, with a spike in the middle.
                var progress = (double)i / steps;
                var load = 1 + (2 * progress) + (progress is > 0.5 and < 0.65 ? 3 : 0);
                shop.Step(load);
                await wait(step, cancellationToken).ConfigureAwait(false);
            }

            await console.StopAsync(cancellationToken).ConfigureAwait(false);
            await store.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        PrintStored(start, Clock.GetUtcNow().AddSeconds(1));
    }

    private static void DeleteStore(string path)
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            File.Delete(file);
        }
    }

    private void PrintStored(DateTimeOffset start, DateTimeOffset end)
    {
        using var store = new LocalStore(DbPath, new LocalStoreOptions { TimeProvider = Clock });

        // No interval: the store picks one by the range (raw for anything up to two days).
        var all = store.Read(start, end);
        var mine = all.Where(s => OrderService.MetricNames.Any(n => IsFieldOf(s.Series.Name, n)) && s.Summary.Count > 0).ToList();
        var points = all.Sum(s => s.Summary.Count);

        Output.WriteLine($"Read back from {store.Path}: {all.Count} series, {points} points, interval '{(all.Count > 0 ? all[0].Interval : "raw")}' (chosen by the store for a {(end - start).TotalSeconds:0} s range).");
        Output.WriteLine($"The service's {mine.Count} series ({all.Count - mine.Count} more are the reporters' own metrics.reporter.* series):");
        Output.WriteLine();
        var width = Math.Max(6, mine.Count == 0 ? 0 : mine.Max(s => Label(s.Series).Length));
        Output.WriteLine($"{"series".PadRight(width)} {"n",3} {"min",10} {"mean",10} {"max",10} {"last",10}  trend");
        Output.WriteLine(new string('-', width + 59));
        foreach (var set in mine)
        {
            var s = set.Summary;
            Output.WriteLine($"{Label(set.Series).PadRight(width)} {s.Count,3} {Num(s.Min),10} {Num(s.Mean),10} {Num(s.Max),10} {Num(set.Points[^1].Value),10}  {Sparkline(set.Points)}");
        }

        // A rollup: the busiest one-minute bucket of each region's order count.
        Output.WriteLine();
        Output.WriteLine("Rollup of orders.count by region, interval 1min, function max:");
        foreach (var set in store.Read(start, end, name: "orders.count", interval: "1min", function: "max"))
        {
            foreach (var p in set.Points)
            {
                Output.WriteLine($"  {Label(set.Series).PadRight(28)} {p.Timestamp.UtcDateTime:HH:mm} UTC  {Num(p.Value),8}");
            }
        }
    }

    private static bool IsFieldOf(string series, string metric) =>
        series.StartsWith(metric + ".", StringComparison.Ordinal) && series.IndexOf('.', metric.Length + 1) < 0;

    private static string Label(Series series) => series.Tags.IsEmpty ? series.Name : series.Name + " " + series.Tags;

    private static string Num(double value) => double.IsNaN(value) ? "-" : value.ToString(Math.Abs(value) >= 1e5 ? "0.###e0" : "0.####", CultureInfo.InvariantCulture);

    /// <summary>One block per point, scaled between the series' min and max (flat series sit at the bottom).</summary>
    internal static string Sparkline(IReadOnlyList<TimeValue> points)
    {
        if (points.Count == 0)
        {
            return string.Empty;
        }

        var min = points.Min(p => p.Value);
        var max = points.Max(p => p.Value);
        var sb = new StringBuilder(points.Count);
        foreach (var p in points)
        {
            var level = max > min ? (int)Math.Round((p.Value - min) / (max - min) * (Blocks.Length - 1)) : 0;
            sb.Append(Blocks[level]);
        }

        return sb.ToString();
    }
}
