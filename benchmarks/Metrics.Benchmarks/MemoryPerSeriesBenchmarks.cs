using BenchmarkDotNet.Attributes;

namespace Metrics.Benchmarks;

/// <summary>
/// Memory of one series at default settings. Each invocation creates a fresh registry and adds <see cref="Series"/>
/// series of one type to it, each with its first values recorded, so the Allocated column is the bytes per series:
/// the metric itself plus its share of the registry's table (entry, key, growth). Names are built beforehand: they
/// belong to the caller. The histogram and timer rows record two values of different magnitudes (two blocks of
/// counts); the "every magnitude" rows record one value in every power of two up to the highest trackable value,
/// which is the most an HDR histogram can ever hold (target: at most 40 KB).
/// </summary>
public class MemoryPerSeriesBenchmarks
{
    private const int Series = 1_000;
    private const int FullSeries = 100;

    private string[] _names = null!;
    private long[] _everyMagnitude = null!;

    [GlobalSetup]
    public void Setup()
    {
        _names = Enumerable.Range(0, Series).Select(i => "series." + i).ToArray();
        var highest = new HistogramOptions().HighestTrackableValue;
        _everyMagnitude = Enumerable.Range(0, 63).Select(b => 1L << b).Where(v => v <= highest).Append(highest).ToArray();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Series, Description = "Counter")]
    public MetricsRegistry CounterSeries()
    {
        var registry = new MetricsRegistry();
        foreach (var name in _names)
        {
            registry.Counter(name).Inc();
        }

        return registry;
    }

    [Benchmark(OperationsPerInvoke = Series, Description = "Meter")]
    public MetricsRegistry MeterSeries()
    {
        var registry = new MetricsRegistry();
        foreach (var name in _names)
        {
            registry.Meter(name).Mark();
        }

        return registry;
    }

    [Benchmark(OperationsPerInvoke = Series, Description = "Histogram (values in 2 magnitudes)")]
    public MetricsRegistry HistogramSeries()
    {
        var registry = new MetricsRegistry();
        foreach (var name in _names)
        {
            var h = registry.Histogram(name);
            h.Update(1_000);
            h.Update(1_000_000);
        }

        return registry;
    }

    [Benchmark(OperationsPerInvoke = Series, Description = "Timer (1 µs and 1 s recorded)")]
    public MetricsRegistry TimerSeries()
    {
        var registry = new MetricsRegistry();
        foreach (var name in _names)
        {
            var t = registry.Timer(name);
            t.UpdateNanoseconds(1_000);
            t.UpdateNanoseconds(1_000_000_000);
        }

        return registry;
    }

    [Benchmark(OperationsPerInvoke = FullSeries, Description = "Histogram, every magnitude (maximum)")]
    public MetricsRegistry HistogramFull()
    {
        var registry = new MetricsRegistry();
        for (var i = 0; i < FullSeries; i++)
        {
            var h = registry.Histogram(_names[i]);
            foreach (var v in _everyMagnitude)
            {
                h.Update(v);
            }
        }

        return registry;
    }

    [Benchmark(OperationsPerInvoke = FullSeries, Description = "Timer, every magnitude (maximum)")]
    public MetricsRegistry TimerFull()
    {
        var registry = new MetricsRegistry();
        for (var i = 0; i < FullSeries; i++)
        {
            var t = registry.Timer(_names[i]);
            foreach (var v in _everyMagnitude)
            {
                t.UpdateNanoseconds(v);
            }
        }

        return registry;
    }
}
