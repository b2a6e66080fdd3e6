using BenchmarkDotNet.Attributes;

namespace Metrics.Benchmarks;

/// <summary><c>Counter.Inc()</c> on a cached handle, single thread, against raw and OpenTelemetry baselines.</summary>
public class CounterBenchmarks
{
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
        _bclMeter = new System.Diagnostics.Metrics.Meter("bench.nolistener");
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

    [Benchmark(Baseline = true, Description = "raw Interlocked.Increment (shared field)")]
    public long RawInterlocked() => Interlocked.Increment(ref _shared);

    [Benchmark(Description = "Metrics Counter.Inc()")]
    public void MetricsCounterInc() => _counter.Inc();

    [Benchmark(Description = "System.Diagnostics.Metrics Counter.Add, no listener")]
    public void BclCounterNoListener() => _bclNoListener.Add(1);

    [Benchmark(Description = "OpenTelemetry Counter<long>.Add, no tags")]
    public void OpenTelemetryCounterAdd() => _otelCounter.Add(1);
}
