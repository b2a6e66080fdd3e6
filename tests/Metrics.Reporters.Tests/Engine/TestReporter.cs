using Metrics.Reporters.Engine;

namespace Metrics.Reporters.Tests.Engine;

/// <summary>Options of <see cref="TestReporter"/>.</summary>
internal sealed class TestReporterOptions : ReporterOptions
{
}

/// <summary>A reporter over a <see cref="FakeBackend"/>, with the engine's seams open.</summary>
internal sealed class TestReporter : Reporter
{
    public TestReporter(MetricsRegistry registry, ReporterOptions options, IReportBackend backend, EngineSeams? seams = null)
        : base(registry, options, backend, seams)
    {
    }
}

/// <summary>Builds snapshots without a registry.</summary>
internal static class Snap
{
    public static readonly DateTimeOffset Time = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static MetricSnapshot Counter(string name, long count, Tags? tags = null, long? delta = null) => new()
    {
        Name = name,
        Tags = tags ?? Tags.Empty,
        Type = MetricType.Counter,
        Timestamp = Time,
        Count = count,
        Delta = delta ?? count,
    };

    public static MetricSnapshot Gauge(string name, double value, Tags? tags = null) => new()
    {
        Name = name,
        Tags = tags ?? Tags.Empty,
        Type = MetricType.Gauge,
        Timestamp = Time,
        Value = value,
    };

    public static MetricSnapshot Meter(string name, long count, double mean, double m1, double m5, double m15) => new()
    {
        Name = name,
        Tags = Tags.Empty,
        Type = MetricType.Meter,
        Timestamp = Time,
        Count = count,
        MeanRate = mean,
        OneMinuteRate = m1,
        FiveMinuteRate = m5,
        FifteenMinuteRate = m15,
    };

    /// <summary>Many counters named <c>c0 ... cN-1</c>: N points with the default expansion.</summary>
    public static IReadOnlyList<MetricSnapshot> Counters(int n, string prefix = "c") =>
        Enumerable.Range(0, n).Select(i => Counter(prefix + i, i)).ToArray();
}
