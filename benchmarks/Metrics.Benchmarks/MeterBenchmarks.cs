using BenchmarkDotNet.Attributes;

namespace Metrics.Benchmarks;

/// <summary>
/// <c>Meter.Mark()</c> against <c>Counter.Inc()</c> (the baseline; target: Meter ratio at most 2). A mark adds to a
/// per-thread cell like a counter and also compares a cached time (a static field a process-wide timer refreshes every
/// 250 ms) with the last tick, to see whether a 5-second rate tick is due; it reads no clock.
/// </summary>
public class MeterBenchmarks
{
    private Counter _counter = null!;
    private Meter _meter = null!;

    [GlobalSetup]
    public void Setup()
    {
        var registry = new MetricsRegistry();
        _counter = registry.Counter("bench.counter");
        _meter = registry.Meter("bench.meter");
    }

    [Benchmark(Baseline = true, Description = "Metrics Counter.Inc()")]
    public void CounterInc() => _counter.Inc();

    [Benchmark(Description = "Metrics Meter.Mark()")]
    public void MeterMark() => _meter.Mark();

    [Benchmark(Description = "Stopwatch.GetTimestamp() (the precise clock, for reference)")]
    public long PreciseClock() => System.Diagnostics.Stopwatch.GetTimestamp();

    [Benchmark(Description = "Environment.TickCount64 (the coarse clock, for reference)")]
    public long CoarseClock() => Environment.TickCount64;
}
