using BenchmarkDotNet.Attributes;

namespace Metrics.Benchmarks;

/// <summary>
/// Memory of one series at default settings: the "Allocated" column is the bytes allocated to create one series
/// of each type in a registry (the series itself plus the registry's entry), after the first value is recorded.
/// </summary>
public class MemoryPerSeriesBenchmarks
{
    private MetricsRegistry _registry = null!;
    private int _n;

    [IterationSetup]
    public void Setup()
    {
        _registry = new MetricsRegistry();
        _n = 0;
    }

    [Benchmark(Baseline = true)]
    public Counter CounterSeries()
    {
        var c = _registry.Counter("c" + _n++);
        c.Inc();
        return c;
    }

    [Benchmark]
    public Meter MeterSeries()
    {
        var m = _registry.Meter("m" + _n++);
        m.Mark();
        return m;
    }

    [Benchmark]
    public Histogram HistogramSeries()
    {
        var h = _registry.Histogram("h" + _n++);
        h.Update(1_000);
        h.Update(1_000_000);
        return h;
    }

    [Benchmark]
    public Timer TimerSeries()
    {
        var t = _registry.Timer("t" + _n++);
        t.UpdateNanoseconds(1_000);
        t.UpdateNanoseconds(1_000_000_000);
        return t;
    }
}
