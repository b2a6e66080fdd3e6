using BenchmarkDotNet.Attributes;

namespace Metrics.Benchmarks;

/// <summary><c>Meter.Mark()</c> against <c>Counter.Inc()</c>.</summary>
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
}
