using BenchmarkDotNet.Attributes;
using Metrics.Reporters;

namespace Metrics.Benchmarks;

/// <summary>The embedded store: batched writes (one transaction) and reads of raw points and hourly rollups.</summary>
public class LocalStoreBenchmarks
{
    private const int Points = 100_000;
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private string _directory = string.Empty;
    private LocalStore _readStore = null!;
    private LocalStore _writeStore = null!;
    private (DateTimeOffset, double)[] _batch = null!;
    private SeriesPoint[] _many = null!;
    private int _round;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "localstore-bench-" + Guid.NewGuid().ToString("N"));
        var options = new LocalStoreOptions { Retention = null };
        _readStore = new LocalStore(Path.Combine(_directory, "read.db"), options);
        _readStore.Write("load", Tags.Empty, Enumerable.Range(0, Points).Select(i => (T0.AddSeconds(i), (double)(i % 100))));
        _writeStore = new LocalStore(Path.Combine(_directory, "write.db"), options);
        _batch = Enumerable.Range(0, 1_000).Select(i => (T0.AddSeconds(i), (double)i)).ToArray();
        var tags = Enumerable.Range(0, 100).Select(i => new Tags(("host", "h" + i))).ToArray();
        _many = Enumerable.Range(0, 1_000).Select(i => new SeriesPoint("cpu", tags[i % 100], T0.AddSeconds(i / 100), i)).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _readStore.Dispose();
        _writeStore.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Description = "Write 1,000 points of one series (one transaction)")]
    public void WriteBatch()
    {
        var offset = TimeSpan.FromDays(++_round);
        _writeStore.Write("bench", Tags.Empty, _batch.Select(p => (p.Item1 + offset, p.Item2)));
    }

    [Benchmark(Description = "WriteMany 1,000 points over 100 series")]
    public int WriteMany()
    {
        var offset = TimeSpan.FromDays(++_round);
        return _writeStore.WriteMany(_many.Select(p => p with { Timestamp = p.Timestamp + offset })).Count;
    }

    [Benchmark(Description = "Read 1 hour raw (3,600 points)")]
    public int ReadRawHour() => _readStore.Read(T0, T0.AddHours(1), "load", interval: "raw")[0].Points.Count;

    [Benchmark(Description = "Read 100,000 points as 1hour sums")]
    public int ReadHourlyRollup() => _readStore.Read(T0, T0.AddDays(2), "load", interval: "1hour", function: "sum")[0].Points.Count;
}
