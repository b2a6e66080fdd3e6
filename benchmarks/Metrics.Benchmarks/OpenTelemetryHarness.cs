using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Metrics.Benchmarks;

/// <summary>
/// OpenTelemetry .NET with a MeterProvider that really collects: a periodic reader feeding an exporter that only
/// counts what it is given, so the SDK's aggregation runs as in production.
/// </summary>
public sealed class OpenTelemetryHarness : IDisposable
{
    private readonly MeterProvider _provider;

    public OpenTelemetryHarness(string meterName)
    {
        Meter = new System.Diagnostics.Metrics.Meter(meterName);
        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(meterName)
            .AddReader(new PeriodicExportingMetricReader(new CountingExporter(), exportIntervalMilliseconds: 1000))
            .Build()!;
    }

    public System.Diagnostics.Metrics.Meter Meter { get; }

    public void Dispose()
    {
        _provider.Dispose();
        Meter.Dispose();
    }

    private sealed class CountingExporter : BaseExporter<Metric>
    {
        public long Exported { get; private set; }

        public override ExportResult Export(in Batch<Metric> batch)
        {
            foreach (var metric in batch)
            {
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    _ = point.StartTime;
                    Exported++;
                }
            }

            return ExportResult.Success;
        }
    }
}
