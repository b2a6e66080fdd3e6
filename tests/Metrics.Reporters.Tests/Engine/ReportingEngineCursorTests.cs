using Metrics.Reporters.Engine;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Engine;

/// <summary>Every reporter reads the registry with its own cursor: one reporter's report never resets another's deltas.</summary>
public class ReportingEngineCursorTests
{
    [Test]
    public async Task Report_TwoReportersOnOneRegistry_EachSeesDeltasSinceItsOwnLastReport()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        var orders = registry.Counter("orders");
        var a = new DeltaBackend("a");
        var b = new DeltaBackend("b");
        var options = () => new TestReporterOptions { Filter = s => s.Name == "orders", Retry = new RetryOptions { MaxRetries = 0 } };
        await using var first = new TestReporter(registry, options(), a);
        await using var second = new TestReporter(registry, options(), b);

        orders.Inc(5);
        await first.ReportNowAsync();
        orders.Inc(2);
        await second.ReportNowAsync();
        await first.ReportNowAsync();

        Assert.That(a.Deltas, Is.EqualTo(new double[] { 5, 2 }), "first: 5, then only the 2 added since its own report");
        Assert.That(b.Deltas, Is.EqualTo(new double[] { 7 }), "second: everything since it was created, untouched by the first's reports");
    }

    /// <summary>A backend whose expander sends counters as deltas (like Wavefront), recording what it was sent.</summary>
    private sealed class DeltaBackend(string name) : IExpandingBackend
    {
        private readonly List<double> _deltas = new();

        public string Name => name;

        public IReadOnlyList<double> Deltas
        {
            get
            {
                lock (_deltas)
                {
                    return _deltas.ToArray();
                }
            }
        }

        public PointExpander CreateExpander(FieldNaming fields) => new DeltaExpander(fields);

        public string? Validate(in DataPoint point) => null;

        public ValueTask<SendResult> SendAsync(IReadOnlyList<DataPoint> batch, CancellationToken cancellationToken)
        {
            lock (_deltas)
            {
                _deltas.AddRange(batch.Where(p => p.Kind == PointKind.DeltaCounter).Select(p => p.Value));
            }

            return ValueTask.FromResult(SendResult.Ok(batch.Count));
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class DeltaExpander(FieldNaming fields) : PointExpander(fields)
    {
        protected override void ExpandCounter(MetricSnapshot snapshot, string name, Tags tags, PointBuffer output)
        {
            if (snapshot.Delta > 0)
            {
                output.Add(new DataPoint(Key(name, "count"), tags, snapshot.Timestamp, snapshot.Delta) { Kind = PointKind.DeltaCounter });
            }
        }
    }
}
