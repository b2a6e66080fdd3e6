using System.Text;
using System.Text.Json;
using Metrics.AspNetCore.Exposition;

namespace Metrics.Integrations.AspNetCore.Tests.Exposition;

public class MetricsJsonFormatTests
{
    private static readonly DateTimeOffset Time = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static string Write(IEnumerable<MetricSnapshot> snapshots, Tags globalTags)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            MetricsJsonFormat.Write(writer, snapshots, globalTags, Time);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    [Test]
    public void Write_CounterGaugeMeter_MatchesGoldenJson()
    {
        var json = Write(
            new[]
            {
                new MetricSnapshot { Name = "queue.depth", Tags = Tags.Empty, Type = MetricType.Gauge, Timestamp = Time, Value = double.NaN },
                new MetricSnapshot { Name = "orders", Tags = new Tags(("region", "eu")), Type = MetricType.Counter, Timestamp = Time, Count = 3 },
                new MetricSnapshot { Name = "logins", Tags = Tags.Empty, Type = MetricType.Meter, Timestamp = Time, Count = 2, MeanRate = 0.5, OneMinuteRate = 0.25, FiveMinuteRate = 0.125, FifteenMinuteRate = 0 },
            },
            new Tags(("app", "shop")));

        Assert.That(json, Is.EqualTo(
            "{\"timestamp\":\"2026-01-01T00:00:00+00:00\",\"metrics\":[" +
            "{\"name\":\"logins\",\"tags\":{\"app\":\"shop\"},\"type\":\"meter\",\"count\":2,\"mean_rate\":0.5,\"1m_rate\":0.25,\"5m_rate\":0.125,\"15m_rate\":0}," +
            "{\"name\":\"orders\",\"tags\":{\"app\":\"shop\",\"region\":\"eu\"},\"type\":\"counter\",\"count\":3}," +
            "{\"name\":\"queue.depth\",\"tags\":{\"app\":\"shop\"},\"type\":\"gauge\",\"value\":null}]}"));
    }

    [Test]
    public void Write_Timer_DurationsInSeconds()
    {
        var registry = new MetricsRegistry();
        registry.Timer("db.query").Update(TimeSpan.FromMilliseconds(250));

        using var json = JsonDocument.Parse(Write(registry.CreateReader().Read(), Tags.Empty));

        var timer = json.RootElement.GetProperty("metrics")[0];
        Assert.That(timer.GetProperty("type").GetString(), Is.EqualTo("timer"));
        Assert.That(timer.GetProperty("count").GetInt64(), Is.EqualTo(1));
        Assert.That(timer.GetProperty("max").GetDouble(), Is.EqualTo(0.25).Within(1).Percent);
        Assert.That(timer.GetProperty("99_percentile").GetDouble(), Is.EqualTo(0.25).Within(1).Percent);
    }
}
