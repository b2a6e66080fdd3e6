using System.Diagnostics;
using System.Globalization;
using Metrics.Reporters;

namespace Metrics.Benchmarks;

/// <summary>
/// End-to-end throughput: a registry of gauges reported again and again, each report one second after the previous
/// one on the registry's clock, so every point is a distinct sample (series × timestamp) with a non-integral value.
/// <list type="number">
/// <item>OpenTSDB telnet reporter into a local VictoriaMetrics: points/s sent (the reports' wall time, from reading
/// the registry to the last line written on the socket), then every point counted back through <c>/api/v1/export</c>.</item>
/// <item>The embedded store: points/s written by the LocalStore reporter, then a 1-minute sum rollup read over every
/// series, timed, whose counts must add up to the points written.</item>
/// </list>
/// Usage: <c>e2e [--points N] [--series S] [--store-points N] [--victoria-metrics PATH]</c>.
/// </summary>
internal static class EndToEnd
{
    private const double TargetPointsPerSecond = 500_000;

    public static async Task<int> RunAsync(string[] args)
    {
        E2eOptions options;
        try
        {
            options = E2eOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }

        var rows = new List<string[]>();
        var ok = true;
        try
        {
            ok &= await RunOpenTsdbAsync(options, rows);
            ok &= await RunOpenTsdbDiscardingAsync(options, rows);
            ok &= await RunLocalStoreAsync(options, rows);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or HttpRequestException or TimeoutException)
        {
            Console.Error.WriteLine("End-to-end run failed: " + ex.Message);
            ok = false;
        }

        Console.WriteLine();
        Console.WriteLine($"End-to-end results ({Environment.ProcessorCount} cores, .NET {Environment.Version}):");
        Console.WriteLine();
        PrintTable(["run", "points", "series × reports", "seconds", "points/s", "check"], rows);
        return ok ? 0 : 1;
    }

    private static async Task<bool> RunOpenTsdbAsync(E2eOptions options, List<string[]> rows)
    {
        await using var vm = await VictoriaMetrics.StartAsync(options.VictoriaMetricsPath);
        Console.WriteLine($"VictoriaMetrics on 127.0.0.1:{vm.HttpPort} (OpenTSDB telnet on {vm.TelnetPort}), data in {vm.DataPath}");

        var load = new GaugeLoad(options.Series, options.Points, prefix: "e2e");
        var failures = 0L;
        var reporterOptions = new OpenTsdbReporterOptions
        {
            Endpoint = new Uri($"tcp://127.0.0.1:{vm.TelnetPort}"),
            HostTag = "bench",
            BatchSize = 10_000,
            MaxQueueSize = options.Series * 2,
            Filter = load.IsLoad,
            ErrorHandler = f => Interlocked.Add(ref failures, Math.Max(1, f.Failed)),
            Name = "e2e-opentsdb",
        };
        await using var reporter = new OpenTsdbReporter(load.Registry, reporterOptions);

        var elapsed = await load.ReportAllAsync(reporter);
        var rate = load.TotalPoints / elapsed.TotalSeconds;
        Console.WriteLine($"OpenTSDB telnet: {load.TotalPoints:N0} points in {elapsed.TotalSeconds:F2} s = {rate:N0} points/s sent; failures {failures}");

        var arrived = await vm.CountSamplesAsync("e2e[.].*", load.TotalPoints, TimeSpan.FromSeconds(90));
        var complete = arrived == load.TotalPoints && failures == 0;
        rows.Add(Row("OpenTSDB telnet reporter → VictoriaMetrics", load.TotalPoints, $"{load.SeriesCount:N0} × {load.Reports}", elapsed, rate, $"{arrived:N0} samples exported ({(complete ? "all arrived" : "MISSING " + (load.TotalPoints - arrived).ToString("N0", CultureInfo.InvariantCulture))}); target ≥ {TargetPointsPerSecond:N0}/s {(rate >= TargetPointsPerSecond ? "met" : "NOT met")}"));
        return complete;
    }

    // The same reporter and load with a transport that counts and drops the bytes: the client's own ceiling, with no
    // server sharing the machine's cores.
    private static async Task<bool> RunOpenTsdbDiscardingAsync(E2eOptions options, List<string[]> rows)
    {
        var load = new GaugeLoad(options.Series, options.Points, prefix: "e2e");
        var transport = new DiscardingLineTransport();
        var failures = 0L;
        var reporterOptions = new OpenTsdbReporterOptions
        {
            Endpoint = new Uri("tcp://127.0.0.1:4242"),
            HostTag = "bench",
            BatchSize = 10_000,
            MaxQueueSize = options.Series * 2,
            Filter = load.IsLoad,
            ErrorHandler = f => Interlocked.Add(ref failures, Math.Max(1, f.Failed)),
            Name = "e2e-opentsdb-discard",
        };
        await using var reporter = new OpenTsdbReporter(load.Registry, reporterOptions, transport);
        var elapsed = await load.ReportAllAsync(reporter);
        var rate = load.TotalPoints / elapsed.TotalSeconds;
        Console.WriteLine($"OpenTSDB telnet, discarding transport: {load.TotalPoints:N0} points in {elapsed.TotalSeconds:F2} s = {rate:N0} points/s; {transport.Lines:N0} lines");
        var complete = transport.Lines == load.TotalPoints && failures == 0;
        rows.Add(Row("OpenTSDB telnet reporter → discarding transport", load.TotalPoints, $"{load.SeriesCount:N0} × {load.Reports}", elapsed, rate, $"{transport.Lines:N0} lines, {transport.Bytes / (1024.0 * 1024):F0} MB written (client side only, no server)"));
        return complete;
    }

    private static async Task<bool> RunLocalStoreAsync(E2eOptions options, List<string[]> rows)
    {
        var directory = Path.Combine(Path.GetTempPath(), "metrics-e2e-store-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var load = new GaugeLoad(options.Series, options.StorePoints, prefix: "store");
            var failures = 0L;
            var path = Path.Combine(directory, "metrics.db");
            TimeSpan elapsed;
            using (var reporter = new LocalStoreReporter(load.Registry, new LocalStoreReporterOptions
            {
                Path = path,
                Retention = null,
                BatchSize = 10_000,
                MaxQueueSize = options.Series * 2,
                Filter = load.IsLoad,
                ErrorHandler = f => Interlocked.Add(ref failures, Math.Max(1, f.Failed)),
                Name = "e2e-store",
            }))
            {
                elapsed = await load.ReportAllAsync(reporter);
                await reporter.StopAsync();
            }

            var rate = load.TotalPoints / elapsed.TotalSeconds;
            Console.WriteLine($"Embedded store: {load.TotalPoints:N0} points in {elapsed.TotalSeconds:F2} s = {rate:N0} points/s written; failures {failures}");

            using var store = new LocalStore(path, new LocalStoreOptions { Retention = null });
            var watch = Stopwatch.StartNew();
            var sets = store.Read(load.Start, load.End, interval: "1min", function: "sum");
            watch.Stop();
            var counted = sets.Sum(s => s.Summary.Count);
            var buckets = sets.Sum(s => s.Points.Count);
            var complete = counted == load.TotalPoints && failures == 0 && sets.Count == load.SeriesCount;
            var readRate = counted / watch.Elapsed.TotalSeconds;
            Console.WriteLine($"Rollup read (1min sums, {sets.Count:N0} series): {counted:N0} points in {watch.Elapsed.TotalSeconds:F2} s = {readRate:N0} points/s, {buckets:N0} buckets");

            rows.Add(Row("LocalStore reporter → SQLite file (write)", load.TotalPoints, $"{load.SeriesCount:N0} × {load.Reports}", elapsed, rate, $"{new FileInfo(path).Length / (1024.0 * 1024):F0} MB file; failures {failures}"));
            rows.Add(Row("LocalStore rollup read (1min sum, every series)", counted, $"{sets.Count:N0} series", watch.Elapsed, readRate, $"{buckets:N0} buckets; counts add up to the points written: {(complete ? "yes" : "NO")}"));
            return complete;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void PrintTable(string[] header, List<string[]> rows)
    {
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        string Line(string[] cells) => "| " + string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i]))) + " |";
        Console.WriteLine(Line(header));
        Console.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
        foreach (var row in rows)
        {
            Console.WriteLine(Line(row));
        }
    }

    private sealed record E2eOptions(int Points, int Series, int StorePoints, string VictoriaMetricsPath)
    {
        public static E2eOptions Parse(string[] args)
        {
            var points = 1_000_000;
            var series = 10_000;
            int? storePoints = null;
            var vm = "victoria-metrics";
            for (var i = 0; i < args.Length; i++)
            {
                var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--points":
                        points = ParsePositive(args[i], value);
                        break;
                    case "--series":
                        series = ParsePositive(args[i], value);
                        break;
                    case "--store-points":
                        storePoints = ParsePositive(args[i], value);
                        break;
                    case "--victoria-metrics":
                        vm = value;
                        break;
                    default:
                        throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: e2e [--points N] [--series S] [--store-points N] [--victoria-metrics PATH]");
                }

                i++;
            }

            if (points < series)
            {
                throw new ArgumentException($"--points ({points}) must be at least --series ({series}): every report sends one point per series.");
            }

            return new E2eOptions(points, series, storePoints ?? points, vm);
        }

        private static int ParsePositive(string name, string value) =>
            int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"{name} must be a positive whole number, not '{value}'.");
    }

    /// <summary>One line of the results table: what ran, how many points, their shape, seconds, points/s, a note.</summary>
    private static string[] Row(string what, long points, string shape, TimeSpan elapsed, double rate, string note) =>
    [
        what,
        points.ToString("N0", CultureInfo.InvariantCulture),
        shape,
        elapsed.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture),
        rate.ToString("N0", CultureInfo.InvariantCulture),
        note,
    ];
}
