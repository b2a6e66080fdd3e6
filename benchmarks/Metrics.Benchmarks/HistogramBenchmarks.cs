using BenchmarkDotNet.Attributes;

namespace Metrics.Benchmarks;

/// <summary>Recording one value into a histogram and a timer, against OpenTelemetry's histogram with default bounds.</summary>
public class HistogramBenchmarks
{
    private Histogram _histogram = null!;
    private Timer _timer = null!;
    private OpenTelemetryHarness _otel = null!;
    private System.Diagnostics.Metrics.Histogram<double> _otelHistogram = null!;
    private long _i;

    [GlobalSetup]
    public void Setup()
    {
        var registry = new MetricsRegistry();
        _histogram = registry.Histogram("bench.histogram");
        _timer = registry.Timer("bench.timer");
        _otel = new OpenTelemetryHarness("bench.otel.histogram");
        _otelHistogram = _otel.Meter.CreateHistogram<double>("bench.histogram");
    }

    [GlobalCleanup]
    public void Cleanup() => _otel.Dispose();

    [Benchmark(Baseline = true, Description = "OpenTelemetry Histogram<double>.Record, default bounds")]
    public void OpenTelemetryRecord() => _otelHistogram.Record((_i++ & 1023) + 0.5);

    [Benchmark(Description = "Metrics Histogram.Update(long)")]
    public void MetricsHistogramUpdate() => _histogram.Update((_i++ & 1023) + 1);

    [Benchmark(Description = "Metrics Timer.UpdateNanoseconds")]
    public void MetricsTimerRecord() => _timer.UpdateNanoseconds(((_i++ & 1023) + 1) * 1000);

    [Benchmark(Description = "Metrics Timer.Time() + Dispose")]
    public void MetricsTimerContext()
    {
        using var context = _timer.Time();
    }
}
