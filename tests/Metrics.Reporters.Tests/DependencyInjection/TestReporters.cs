using System.Collections.Concurrent;
using Metrics.Reporters.DependencyInjection;
using Metrics.Reporters.Engine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Metrics.Reporters.Tests.DependencyInjection;

internal enum SampleMode
{
    Fast,
    Safe,
}

/// <summary>Options of the in-test reporter: the common options plus the kinds of values real reporters have.</summary>
internal sealed class SampleReporterOptions : ReporterOptions
{
    public Uri? Endpoint { get; set; }

    public string? Token { get; set; }

    public int Port { get; set; } = 4242;

    public SampleMode Mode { get; set; }

    public Dictionary<string, string>? Headers { get; set; }

    public string[] Hosts { get; set; } = Array.Empty<string>();
}

/// <summary>A backend that keeps every point it is sent.</summary>
internal sealed class RecordingBackend : IReportBackend
{
    public ConcurrentQueue<DataPoint> Points { get; } = new();

    public Func<SendResult>? Result { get; set; }

    public string Name => "sample";

    public string? Validate(in DataPoint point) => null;

    public ValueTask<SendResult> SendAsync(IReadOnlyList<DataPoint> batch, CancellationToken cancellationToken)
    {
        if (Result is { } result)
        {
            return ValueTask.FromResult(result());
        }

        foreach (var p in batch)
        {
            Points.Enqueue(p);
        }

        return ValueTask.FromResult(SendResult.Ok(batch.Count));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

internal sealed class SampleReporter : Reporter
{
    public SampleReporter(MetricsRegistry registry, SampleReporterOptions options, RecordingBackend backend)
        : base(registry, options, backend)
    {
        Options = options;
        Backend = backend;
    }

    public SampleReporterOptions Options { get; }

    public RecordingBackend Backend { get; }
}

internal static class SampleKinds
{
    /// <summary>Reporter kinds for configuration tests: "Sample" and "Other", both building a <see cref="SampleReporter"/>.</summary>
    public static readonly IReadOnlyDictionary<string, Action<MetricsReportingBuilder, string?, IConfigurationSection>> Kinds =
        new Dictionary<string, Action<MetricsReportingBuilder, string?, IConfigurationSection>>(StringComparer.OrdinalIgnoreCase)
        {
            ["Sample"] = (b, name, section) => b.AddSample(name: name, configure: ReporterConfiguration.Binder<SampleReporterOptions>(section, "Sample"), source: section.Path),
            ["Other"] = (b, name, section) => b.AddSample(name: name, configure: ReporterConfiguration.Binder<SampleReporterOptions>(section, "Other"), source: section.Path, kind: "Other"),
        };

    public static MetricsReportingBuilder AddSample(
        this MetricsReportingBuilder builder,
        Action<SampleReporterOptions>? configure = null,
        string? name = null,
        string? source = null,
        string kind = "Sample") =>
        builder.Add(kind, name, configure, (sp, registry, options) => new SampleReporter(registry, options, new RecordingBackend()), source);

    public static IServiceCollection AddReportingFromConfiguration(this IServiceCollection services, IConfiguration metricsSection)
    {
        var builder = services.AddMetricsReporting(_ => { });
        ReporterConfiguration.Apply(builder, metricsSection, Kinds);
        return services;
    }
}
