using System.Collections.Immutable;

namespace Metrics.Reporters.Wavefront;

/// <summary>The kinds of Wavefront data; each has its own queue, port (proxy) and <c>f=</c> format (direct).</summary>
internal enum WavefrontDataKind
{
    Metric,
    Distribution,
    Span,
    SpanLog,
}

internal static class WavefrontDataKinds
{
    /// <summary>Every kind, in flush order. Read-only: a shared array could be changed by any caller.</summary>
    public static readonly ImmutableArray<WavefrontDataKind> All = [WavefrontDataKind.Metric, WavefrontDataKind.Distribution, WavefrontDataKind.Span, WavefrontDataKind.SpanLog];

    /// <summary>The direct-ingestion <c>f=</c> parameter.</summary>
    public static string Format(this WavefrontDataKind kind) => kind switch
    {
        WavefrontDataKind.Metric => "wavefront",
        WavefrontDataKind.Distribution => "histogram",
        WavefrontDataKind.Span => "trace",
        _ => "spanLogs",
    };

    /// <summary>The segment of the SDK's own metric names (<c>~sdk.dotnet.core.sender.proxy.points.valid</c>).</summary>
    public static string MetricSegment(this WavefrontDataKind kind) => kind switch
    {
        WavefrontDataKind.Metric => "points",
        WavefrontDataKind.Distribution => "histograms",
        WavefrontDataKind.Span => "spans",
        _ => "span_logs",
    };

    /// <summary>How the kind is named in messages.</summary>
    public static string Describe(this WavefrontDataKind kind) => kind switch
    {
        WavefrontDataKind.Metric => "metrics",
        WavefrontDataKind.Distribution => "distributions",
        WavefrontDataKind.Span => "spans",
        _ => "span logs",
    };
}
