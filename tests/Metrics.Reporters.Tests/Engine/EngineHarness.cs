using Metrics.Reporters.Engine;
using Metrics.Reporters.Tests.Offline;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Engine;

/// <summary>A reporter over a fake backend and a settable snapshot source, on a manual clock.</summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    public EngineHarness(Action<TestReporterOptions>? configure = null, IResourceMonitor? monitor = null, string backendName = "fake", MetricsRegistry? registry = null)
    {
        Time = registry?.TimeProvider as ManualTimeProvider ?? new ManualTimeProvider();
        Registry = registry ?? new MetricsRegistry(new MetricsOptions { TimeProvider = Time });
        Backend = new FakeBackend(backendName);
        Options = new TestReporterOptions
        {
            Interval = TimeSpan.FromSeconds(10),
            Retry = new RetryOptions { MaxRetries = 0 },
            ErrorHandler = Failures.Add,
            LoggerFactory = Log,
        };
        configure?.Invoke(Options);
        Reporter = new TestReporter(Registry, Options, Backend, new EngineSeams { SnapshotSource = () => Snapshots, ResourceMonitor = monitor, Random = new Random(42) });
    }

    public ManualTimeProvider Time { get; }

    public MetricsRegistry Registry { get; }

    public FakeBackend Backend { get; }

    public TestReporterOptions Options { get; }

    public TestReporter Reporter { get; }

    public List<ReportFailure> Failures { get; } = new();

    public RecordingLogger Log { get; } = new();

    /// <summary>What the next report reads.</summary>
    public IReadOnlyList<MetricSnapshot> Snapshots { get; set; } = [];

    /// <summary>Points the backend accepted whose name starts with <paramref name="prefix"/> (self-metrics left out by default).</summary>
    public IReadOnlyList<DataPoint> Accepted(string prefix = "") =>
        Backend.Accepted.Where(p => p.Metric.StartsWith(prefix, StringComparison.Ordinal) && !p.Metric.StartsWith(SelfMetrics.Prefix, StringComparison.Ordinal)).ToArray();

    public long SelfCounter(string name) => Registry.Counter(name, new Tags(("reporter", Reporter.Name))).Count;

    /// <summary>Advances the clock and waits for the report it triggered.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        Time.Advance(by);
        await Reporter.Engine.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Advances the clock in steps until <paramref name="task"/> completes (bounded by a real-time deadline).</summary>
    public async Task DriveAsync(Task task, TimeSpan step)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!task.IsCompleted)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("the operation did not complete while the clock was advanced");
            }

            Time.Advance(step);
            await Task.Delay(5);
        }

        await task;
    }

    /// <summary>Waits until <paramref name="condition"/> holds (real-time deadline).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("timed out waiting for " + what);
            }

            await Task.Delay(2);
        }
    }

    public async ValueTask DisposeAsync()
    {
        var stop = Reporter.StopAsync();
        if (!stop.IsCompleted)
        {
            await DriveAsync(stop, TimeSpan.FromSeconds(1));
        }

        await Reporter.DisposeAsync();
    }
}
