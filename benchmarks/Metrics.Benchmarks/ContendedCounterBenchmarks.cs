using BenchmarkDotNet.Attributes;

namespace Metrics.Benchmarks;

/// <summary>
/// One counter incremented by one thread and by two threads at once; each invocation performs
/// <see cref="Operations"/> increments in total, so the per-operation time shows total throughput.
/// </summary>
public class ContendedCounterBenchmarks
{
    private const int Operations = 2_000_000;
    private static long _shared;
    private Counter _counter = null!;

    [GlobalSetup]
    public void Setup() => _counter = new MetricsRegistry().Counter("bench.contended");

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations, Description = "Counter.Inc, 1 thread")]
    public void OneThread() => IncrementMany(_counter, Operations);

    [Benchmark(OperationsPerInvoke = Operations, Description = "Counter.Inc, 2 threads")]
    public void TwoThreads() => Parallel.Invoke(
        new ParallelOptions { MaxDegreeOfParallelism = 2 },
        () => IncrementMany(_counter, Operations / 2),
        () => IncrementMany(_counter, Operations / 2));

    [Benchmark(OperationsPerInvoke = Operations, Description = "raw Interlocked (shared field), 1 thread")]
    public void RawOneThread() => RawMany(Operations);

    [Benchmark(OperationsPerInvoke = Operations, Description = "raw Interlocked (shared field), 2 threads")]
    public void RawTwoThreads() => Parallel.Invoke(
        new ParallelOptions { MaxDegreeOfParallelism = 2 },
        () => RawMany(Operations / 2),
        () => RawMany(Operations / 2));

    private static void IncrementMany(Counter counter, int n)
    {
        for (var i = 0; i < n; i++)
        {
            counter.Inc();
        }
    }

    private static void RawMany(int n)
    {
        for (var i = 0; i < n; i++)
        {
            Interlocked.Increment(ref _shared);
        }
    }
}
