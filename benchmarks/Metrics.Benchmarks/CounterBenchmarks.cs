using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Metrics.Benchmarks;

/// <summary>
/// <c>Counter.Inc()</c> on a cached handle, single thread. Two groups, each with its own baseline so the Ratio
/// column reads as the target does: against a raw <c>Interlocked.Increment</c> on a shared field (target: ratio at
/// most 1), and against OpenTelemetry's <c>Counter&lt;long&gt;.Add</c> with no tags on a collecting MeterProvider
/// (target: ratio at most 0.2, i.e. at least 5x faster). The no-listener <c>System.Diagnostics.Metrics</c> counter
/// is shown in the second group as the floor of the BCL API.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CounterBenchmarks
{
    private const string VsRaw = "vs raw Interlocked";
    private const string VsOtel = "vs OpenTelemetry";

    private static long _shared;
    private Counter _counter = null!;
    private System.Diagnostics.Metrics.Counter<long> _bclNoListener = null!;
    private System.Diagnostics.Metrics.Meter _bclMeter = null!;
    private OpenTelemetryHarness _otel = null!;
    private System.Diagnostics.Metrics.Counter<long> _otelCounter = null!;

    [GlobalSetup]
    public void Setup()
    {
        _counter = new MetricsRegistry().Counter("bench.counter");
        _bclMeter = new System.Diagnostics.Metrics.Meter("bench.nolistener.counter");
        _bclNoListener = _bclMeter.CreateCounter<long>("bench.counter");
        _otel = new OpenTelemetryHarness("bench.otel.counter");
        _otelCounter = _otel.Meter.CreateCounter<long>("bench.counter");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _otel.Dispose();
        _bclMeter.Dispose();
    }

    [BenchmarkCategory(VsRaw)]
    [Benchmark(Baseline = true, Description = "raw Interlocked.Increment (shared field)")]
    public void RawInterlocked() => Interlocked.Increment(ref _shared);

    [BenchmarkCategory(VsRaw)]
    [Benchmark(Description = "Metrics Counter.Inc()")]
    public void MetricsCounterInc() => _counter.Inc();

    [BenchmarkCategory(VsOtel)]
    [Benchmark(Baseline = true, Description = "OpenTelemetry Counter<long>.Add(1), no tags")]
    public void OpenTelemetryCounterAdd() => _otelCounter.Add(1);

    [BenchmarkCategory(VsOtel)]
    [Benchmark(Description = "Metrics Counter.Inc()")]
    public void MetricsCounterIncVsOtel() => _counter.Inc();

    [BenchmarkCategory(VsOtel)]
    [Benchmark(Description = "System.Diagnostics.Metrics Counter.Add(1), no listener")]
    public void BclCounterNoListener() => _bclNoListener.Add(1);
}
