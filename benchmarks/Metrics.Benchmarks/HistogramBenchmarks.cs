using BenchmarkDotNet.Attributes;

namespace Metrics.Benchmarks;

/// <summary>
/// Recording one value into a histogram and a timer (cached handles, default settings), against OpenTelemetry's
/// <c>Histogram&lt;double&gt;.Record</c> with default bounds and no tags on a collecting MeterProvider (the baseline;
/// target: Metrics ratio at most 0.25, i.e. at least 4x faster, with 0 B allocated). Values cycle over 1,024
/// different ones so several buckets are hit; the no-listener BCL histogram is shown as the floor of the BCL API, and
/// a bare thread-static read as the part of a record spent finding the calling thread's share of the histogram.
/// </summary>
public class HistogramBenchmarks
{
    [ThreadStatic]
    private static int t_slot;

    private Histogram _histogram = null!;
    private Timer _timer = null!;
    private OpenTelemetryHarness _otel = null!;
    private System.Diagnostics.Metrics.Histogram<double> _otelHistogram = null!;
    private System.Diagnostics.Metrics.Meter _bclMeter = null!;
    private System.Diagnostics.Metrics.Histogram<double> _bclNoListener = null!;
    private long _i;

    [GlobalSetup]
    public void Setup()
    {
        t_slot = 1;
        var registry = new MetricsRegistry();
        _histogram = registry.Histogram("bench.histogram");
        _timer = registry.Timer("bench.timer");
        _otel = new OpenTelemetryHarness("bench.otel.histogram");
        _otelHistogram = _otel.Meter.CreateHistogram<double>("bench.histogram");
        _bclMeter = new System.Diagnostics.Metrics.Meter("bench.nolistener.histogram");
        _bclNoListener = _bclMeter.CreateHistogram<double>("bench.histogram");

        // Touch every value once so no benchmark pays for first-use allocation (HDR blocks) inside the measurement.
        for (var v = 0; v < 1024; v++)
        {
            _histogram.Update(v + 1);
            _histogram.Update(v + 0.5);
            _timer.UpdateNanoseconds((v + 1) * 1000L);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _otel.Dispose();
        _bclMeter.Dispose();
    }

    [Benchmark(Baseline = true, Description = "OpenTelemetry Histogram<double>.Record, default bounds, no tags")]
    public void OpenTelemetryRecord() => _otelHistogram.Record((_i++ & 1023) + 0.5);

    [Benchmark(Description = "Metrics Histogram.Update(long)")]
    public void MetricsHistogramUpdate() => _histogram.Update((_i++ & 1023) + 1);

    [Benchmark(Description = "Metrics Histogram.Update(double), non-integral")]
    public void MetricsHistogramUpdateDouble() => _histogram.Update((_i++ & 1023) + 0.5);

    [Benchmark(Description = "Metrics Timer.UpdateNanoseconds")]
    public void MetricsTimerRecord() => _timer.UpdateNanoseconds(((_i++ & 1023) + 1) * 1000);

    [Benchmark(Description = "Metrics Timer.Time() + Dispose (two clock reads)")]
    public void MetricsTimerContext()
    {
        using var context = _timer.Time();
    }

    [Benchmark(Description = "System.Diagnostics.Metrics Histogram.Record, no listener")]
    public void BclNoListenerRecord() => _bclNoListener.Record((_i++ & 1023) + 0.5);

    [Benchmark(Description = "[ThreadStatic] int read (a record's lookup of its thread's part, for reference)")]
    public int ThreadStaticRead() => t_slot;
}
