using Metrics.Reporters.Engine;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Engine;

public class ReportingEngineContextTests
{
    private static readonly AsyncLocal<string?> Ambient = new();

    [Test]
    public async Task Start_CalledWithAnAmbientContext_ScheduledReportsDoNotRunInIt()
    {
        var clock = new ManualTimeProvider();
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new FlowingTimeProvider(clock) });
        var seen = new List<string?>();
        var backend = new FakeBackend
        {
            Respond = batch =>
            {
                lock (seen)
                {
                    seen.Add(Ambient.Value);
                }

                return SendResult.Ok(batch.Count);
            },
        };
        var options = new TestReporterOptions { Interval = TimeSpan.FromSeconds(10), Retry = new RetryOptions { MaxRetries = 0 }, ErrorHandler = _ => { } };
        await using var reporter = new TestReporter(registry, options, backend, new EngineSeams { SnapshotSource = () => [Snap.Counter("orders", 1)] });

        // Started from a request (its trace, its logging scope): a report an interval later is not part of that request.
        Ambient.Value = "request 42";
        reporter.Start();
        Ambient.Value = null;
        clock.Advance(TimeSpan.FromSeconds(10));
        await reporter.Engine.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(seen, Is.Not.Empty);
        Assert.That(seen, Has.All.Null);
    }

    [Test]
    public async Task Start_CalledWithAnAmbientContext_ReplayOfStoredPointsDoesNotRunInIt()
    {
        var dir = Path.Combine(Path.GetTempPath(), "metrics-context-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            Action<TestReporterOptions> offline = o => o.OfflineStorage = new OfflineStorageOptions { Path = Path.Combine(dir, "offline.db") };
            var first = new EngineHarness(offline);
            first.Snapshots = [Snap.Counter("orders", 42)];
            first.Backend.Respond = b => SendResult.Transient(b.Count, "down");
            first.Reporter.Start();
            await first.Reporter.StopAsync();
            await first.Reporter.DisposeAsync();

            await using var second = new EngineHarness(offline);
            var seen = new List<string?>();
            second.Backend.Respond = batch =>
            {
                lock (seen)
                {
                    seen.Add(Ambient.Value);
                }

                return SendResult.Ok(batch.Count);
            };
            Ambient.Value = "request 42";
            second.Reporter.Start();
            Ambient.Value = null;
            await EngineHarness.WaitUntilAsync(() => !second.Backend.Accepted.IsEmpty, "the replay at start");
            await second.Reporter.Engine.WhenIdleAsync();

            Assert.That(second.Accepted("orders").Single().Value, Is.EqualTo(42));
            Assert.That(seen, Has.All.Null);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A manual clock whose timers run their callbacks in the context captured when they were created, as the system clock's do.</summary>
    private sealed class FlowingTimeProvider(ManualTimeProvider inner) : TimeProvider
    {
        public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var context = ExecutionContext.Capture();
            return inner.CreateTimer(
                s =>
                {
                    if (context is null)
                    {
                        callback(s);
                    }
                    else
                    {
                        ExecutionContext.Run(context, c => callback(c), s);
                    }
                },
                state,
                dueTime,
                period);
        }
    }
}
