using BenchmarkDotNet.Attributes;

namespace Metrics.Benchmarks;

/// <summary>Registry lookup of an existing series with 3 tags passed on every call, then one increment.</summary>
public class TaggedLookupBenchmarks
{
    private MetricsRegistry _registry = null!;
    private OpenTelemetryHarness _otel = null!;
    private System.Diagnostics.Metrics.Counter<long> _otelCounter = null!;

    [GlobalSetup]
    public void Setup()
    {
        _registry = new MetricsRegistry();
        _registry.Counter("http.requests", ("method", "GET"), ("route", "/orders/{id}"), ("status", "200")).Inc();
        _otel = new OpenTelemetryHarness("bench.otel.tagged");
        _otelCounter = _otel.Meter.CreateCounter<long>("http.requests");
    }

    [GlobalCleanup]
    public void Cleanup() => _otel.Dispose();

    [Benchmark(Baseline = true, Description = "OpenTelemetry Counter.Add, 3 tags")]
    public void OpenTelemetryThreeTags() => _otelCounter.Add(
        1,
        new KeyValuePair<string, object?>("method", "GET"),
        new KeyValuePair<string, object?>("route", "/orders/{id}"),
        new KeyValuePair<string, object?>("status", "200"));

    [Benchmark(Description = "Metrics registry.Counter(name, 3 tags).Inc()")]
    public void MetricsThreeTags() =>
        _registry.Counter("http.requests", ("method", "GET"), ("route", "/orders/{id}"), ("status", "200")).Inc();
}
