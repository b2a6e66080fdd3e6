using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Metrics.Benchmarks;

// Times 30 rounds of 5,000,000 calls of each row, the rows alternating round by round, and prints the best round of
// each in ns per call with its ratio to OpenTelemetry's row. Each call goes through a method that is never inlined,
// as a BenchmarkDotNet invocation does, so nothing (the thread-static read above all) is hoisted out of the loop.
const int Rounds = 30;

using var harness = new OpenTelemetryHarness("Metrics.Benchmarks.NativeAot");
var otelHistogram = harness.Meter.CreateHistogram<double>("otel.histogram");
var otelCounter = harness.Meter.CreateCounter<long>("otel.counter");
var registry = new Metrics.MetricsRegistry();
var histogram = registry.Histogram("metrics.histogram");
var timer = registry.Timer("metrics.timer");
var counter = registry.Counter("metrics.counter");

var random = new Random(42);
var values = new long[1024];
for (var i = 0; i < values.Length; i++)
{
    values[i] = random.Next(1, 100_000);
}

var rows = new (string Name, Action Run)[]
{
    ("OpenTelemetry Histogram<double>.Record", () => Loops.Record(otelHistogram, values)),
    ("Metrics Histogram.Update(long)", () => Loops.Update(histogram, values)),
    ("Metrics Timer.UpdateNanoseconds", () => Loops.Update(timer, values)),
    ("OpenTelemetry Counter<long>.Add(1)", () => Loops.Add(otelCounter)),
    ("Metrics Counter.Inc()", () => Loops.Inc(counter)),
};
var best = new double[rows.Length];
Array.Fill(best, double.MaxValue);
for (var round = 0; round < Rounds; round++)
{
    for (var r = 0; r < rows.Length; r++)
    {
        var watch = Stopwatch.StartNew();
        rows[r].Run();
        best[r] = Math.Min(best[r], watch.Elapsed.TotalNanoseconds / Loops.Calls);
    }
}

Console.WriteLine(RuntimeFeature.IsDynamicCodeSupported ? "JIT" : "NativeAOT");
for (var r = 0; r < rows.Length; r++)
{
    var baseline = r < 3 ? best[0] : best[3];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {rows[r].Name,-40} {best[r],7:F2} ns   ratio {best[r] / baseline:F2}"));
}

internal static class Loops
{
    public const int Calls = 5_000_000;

    public static void Record(System.Diagnostics.Metrics.Histogram<double> histogram, long[] values)
    {
        for (var i = 0; i < Calls; i++)
        {
            One(histogram, values[i & 1023]);
        }
    }

    public static void Update(Metrics.Histogram histogram, long[] values)
    {
        for (var i = 0; i < Calls; i++)
        {
            One(histogram, values[i & 1023]);
        }
    }

    public static void Update(Metrics.Timer timer, long[] values)
    {
        for (var i = 0; i < Calls; i++)
        {
            One(timer, values[i & 1023] * 500);
        }
    }

    public static void Add(System.Diagnostics.Metrics.Counter<long> counter)
    {
        for (var i = 0; i < Calls; i++)
        {
            One(counter);
        }
    }

    public static void Inc(Metrics.Counter counter)
    {
        for (var i = 0; i < Calls; i++)
        {
            One(counter);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void One(System.Diagnostics.Metrics.Histogram<double> histogram, long value) => histogram.Record(value + 0.5);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void One(Metrics.Histogram histogram, long value) => histogram.Update(value);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void One(Metrics.Timer timer, long value) => timer.UpdateNanoseconds(value);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void One(System.Diagnostics.Metrics.Counter<long> counter) => counter.Add(1);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void One(Metrics.Counter counter) => counter.Inc();
}
