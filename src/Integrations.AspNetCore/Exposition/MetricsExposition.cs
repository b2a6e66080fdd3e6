using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Metrics.AspNetCore.Exposition;

/// <summary>Serves a registry's current snapshot over HTTP, as Prometheus text or JSON.</summary>
/// <remarks>One reader per endpoint, read under a lock (a reader is not thread-safe); scrapes never reset anything a reporter sees.</remarks>
internal sealed class MetricsExposition
{
    private readonly MetricsRegistry _registry;
    private readonly MetricsReader _reader;
    private readonly Lock _lock = new();

    public MetricsExposition(MetricsRegistry registry)
    {
        _registry = registry;
        _reader = registry.CreateReader();
    }

    public Task WritePrometheusAsync(HttpContext context)
    {
        var text = PrometheusTextFormat.Format(Read(), _registry.GlobalTags);
        context.Response.ContentType = PrometheusTextFormat.ContentType;
        return context.Response.WriteAsync(text, Encoding.UTF8, context.RequestAborted);
    }

    public async Task WriteJsonAsync(HttpContext context)
    {
        var snapshots = Read();
        context.Response.ContentType = MetricsJsonFormat.ContentType;
        var writer = new Utf8JsonWriter(context.Response.BodyWriter, new JsonWriterOptions { Indented = false });
        await using (writer.ConfigureAwait(false))
        {
            MetricsJsonFormat.Write(writer, snapshots, _registry.GlobalTags, _registry.TimeProvider.GetUtcNow());
            await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }

    private IReadOnlyList<MetricSnapshot> Read()
    {
        lock (_lock)
        {
            return _reader.Read();
        }
    }
}
