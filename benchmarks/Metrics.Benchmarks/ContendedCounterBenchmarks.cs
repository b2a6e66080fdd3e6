using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Metrics.Benchmarks;

/// <summary>
/// One counter incremented by one thread, then by two threads at once (dedicated threads, released together).
/// Each invocation performs <see cref="Operations"/> increments in total (<see cref="CounterOperations"/> for the
/// Metrics counter), so the per-operation time is the inverse of total throughput and the Ratio column of the
/// 2-thread row is 1-thread throughput / 2-thread throughput (target for the Metrics counter: at most 0.67, i.e.
/// 2 threads give at least 1.5x the throughput of one).
/// The same pair for a raw <c>Interlocked.Increment</c> on one shared field shows what contention costs without striping,
/// and the control pair (each thread on its own field, 128 bytes apart: nothing shared) shows how much two threads can
/// gain on this machine at all.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ContendedCounterBenchmarks
{
    private const int Operations = 2_000_000;

    // The Metrics counter's increment is about 0.5 ns: 2,000,000 of them take about as long as waking two workers and
    // letting both start (a millisecond or more on this virtual machine), so its pair does fifty times as many, and
    // its per-increment mean measures the increments rather than the wake-up.
    private const int CounterOperations = 100_000_000;
    private const string MetricsCounter = "Metrics Counter.Inc()";
    private const string Raw = "raw Interlocked (shared field)";
    private const string Control = "control: Interlocked on a private field per thread";

    private long _shared;
    private long[] _private = null!;
    private Counter _counter = null!;
    private Workers _workers = null!;
    private Action<int> _counterWork = null!;
    private Action<int> _counterWorkHalf = null!;
    private Action<int> _rawWork = null!;
    private Action<int> _rawWorkHalf = null!;
    private Action<int> _controlWork = null!;
    private Action<int> _controlWorkHalf = null!;

    [GlobalSetup]
    public void Setup()
    {
        _counter = new MetricsRegistry().Counter("bench.contended");
        _workers = new Workers(2);
        _counterWork = _ => IncrementMany(_counter, CounterOperations);
        _counterWorkHalf = _ => IncrementMany(_counter, CounterOperations / 2);
        _rawWork = _ => RawMany(ref _shared, Operations);
        _rawWorkHalf = _ => RawMany(ref _shared, Operations / 2);
        _private = new long[64];
        _controlWork = i => RawMany(ref _private[16 + (i * 16)], Operations);
        _controlWorkHalf = i => RawMany(ref _private[16 + (i * 16)], Operations / 2);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _workers.Dispose();

        // Every invocation adds exactly Operations in total: anything else means the striped counter lost increments.
        var count = _counter.Count;
        if (count % CounterOperations != 0)
        {
            throw new InvalidOperationException($"The counter lost increments: {count} is not a multiple of {CounterOperations}.");
        }
    }

    [BenchmarkCategory(MetricsCounter)]
    [Benchmark(Baseline = true, OperationsPerInvoke = CounterOperations, Description = "Counter.Inc, 1 thread")]
    public void CounterOneThread() => _workers.Run(1, _counterWork);

    [BenchmarkCategory(MetricsCounter)]
    [Benchmark(OperationsPerInvoke = CounterOperations, Description = "Counter.Inc, 2 threads")]
    public void CounterTwoThreads() => _workers.Run(2, _counterWorkHalf);

    [BenchmarkCategory(Raw)]
    [Benchmark(Baseline = true, OperationsPerInvoke = Operations, Description = "raw Interlocked, 1 thread")]
    public void RawOneThread() => _workers.Run(1, _rawWork);

    [BenchmarkCategory(Raw)]
    [Benchmark(OperationsPerInvoke = Operations, Description = "raw Interlocked, 2 threads")]
    public void RawTwoThreads() => _workers.Run(2, _rawWorkHalf);

    [BenchmarkCategory(Control)]
    [Benchmark(Baseline = true, OperationsPerInvoke = Operations, Description = "private field, 1 thread")]
    public void ControlOneThread() => _workers.Run(1, _controlWork);

    [BenchmarkCategory(Control)]
    [Benchmark(OperationsPerInvoke = Operations, Description = "private fields, 2 threads")]
    public void ControlTwoThreads() => _workers.Run(2, _controlWorkHalf);

    private static void IncrementMany(Counter counter, int n)
    {
        for (var i = 0; i < n; i++)
        {
            counter.Inc();
        }
    }

    private static void RawMany(ref long target, int n)
    {
        for (var i = 0; i < n; i++)
        {
            Interlocked.Increment(ref target);
        }
    }
}
