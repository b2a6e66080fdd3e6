using Metrics.Reporters.Wavefront;

namespace Metrics.Reporters.Tests.Wavefront;

// A writer with a metric-line cache must write exactly what a writer without one writes, report after report.
public class WavefrontMetricLinesTests
{
    private static readonly Tags Tagged = new(("env", "prod"), ("path", "/a \"b\""), ("µ key", " spaced "));

    [Test]
    public void WriteMetric_CachedTwice_SameTextAsUncachedWithNewValueAndTimestamp()
    {
        var lines = new WavefrontMetricLines();
        var cached = new WavefrontLineWriter(lines: lines);
        var plain = new WavefrontLineWriter();
        const string name = "shop checkout.latency~avg";

        foreach (var (value, timestamp) in new (double, long?)[] { (123.456789, 1700000000), (0.1, 1700000000), (1e20, 1700000060), (-0.0, null), (42, 1700000060) })
        {
            cached.WriteMetric(name, value, timestamp, "web-1", Tagged);
            plain.WriteMetric(name, value, timestamp, "web-1", Tagged);
        }

        Assert.That(cached.ToString(), Is.EqualTo(plain.ToString()));
        Assert.That(cached.ToString(), Does.StartWith("\"shop-checkout.latency-avg\" 123.456789 1700000000 source=\"web-1\" \"env\"=\"prod\" \"path\"=\"/a \\\"b\\\"\" \"--key\"=\"spaced\"\n"));
        Assert.That(cached.ToString(), Does.EndWith("\"shop-checkout.latency-avg\" 42.0 1700000060 source=\"web-1\" \"env\"=\"prod\" \"path\"=\"/a \\\"b\\\"\" \"--key\"=\"spaced\"\n"));
    }

    [Test]
    public void ToUtf8_NonAsciiNamesAndValues_EncodedAsUtf8()
    {
        var writer = new WavefrontLineWriter(lines: new WavefrontMetricLines());
        var tags = new Tags(("unit", "µs ✓ 😀"));

        writer.WriteMetric("latency", 0.5, 1700000000, "wéb-1", tags);
        writer.WriteDeltaCounter("orders", 2, "wéb-1", tags);

        var expected = "\"latency\" 0.5 1700000000 source=\"wéb-1\" \"unit\"=\"µs ✓ 😀\"\n"
            + "\"\u2206orders\" 2.0 source=\"wéb-1\" \"unit\"=\"µs ✓ 😀\"\n";
        Assert.That(writer.ToUtf8().ToArray(), Is.EqualTo(System.Text.Encoding.UTF8.GetBytes(expected)));
        Assert.That(writer.ToString(), Is.EqualTo(expected));
    }

    [Test]
    public void WriteMetric_InvalidSeriesCached_ThrowsTheSameMessageEveryTimeAndWritesNothing()
    {
        var writer = new WavefrontLineWriter(lines: new WavefrontMetricLines());
        var tags = new Tags(("bad", "ends with \\"));
        var plainError = Assert.Throws<ArgumentException>(() => new WavefrontLineWriter().WriteMetric("m", 1, 1, "web-1", tags))!.Message;

        var first = Assert.Throws<ArgumentException>(() => writer.WriteMetric("m", 1, 1, "web-1", tags))!.Message;
        var second = Assert.Throws<ArgumentException>(() => writer.WriteMetric("m", 1, 1, "web-1", tags))!.Message;

        Assert.That(first, Is.EqualTo(plainError));
        Assert.That(second, Is.EqualTo(plainError));
        Assert.That(writer.Length, Is.Zero);
    }

    [Test]
    public void WriteMetric_NonFiniteValueOfCachedSeries_ThrowsValueMessage()
    {
        var writer = new WavefrontLineWriter(lines: new WavefrontMetricLines());
        writer.WriteMetric("m", 1, 1, "web-1", Tagged);
        var length = writer.Length;

        Assert.That(() => writer.WriteMetric("m", double.NaN, 1, "web-1", Tagged), Throws.ArgumentException.With.Message.Contains("NaN"));
        Assert.That(writer.Length, Is.EqualTo(length));
    }

    [Test]
    public void Validate_CachedSeries_SameReasonsAsChecksInOrder()
    {
        var backend = new WavefrontBackend(new MetricOnlySink(), "web-1", HistogramGranularities.Minute);
        var badTag = new Tags(("bad", "ends with \\"));
        var longName = new string('n', 300);

        Assert.That(backend.Validate(new DataPoint("m", Tagged, 1, 1.5)), Is.Null);
        Assert.That(backend.Validate(new DataPoint("m", Tagged, 1, 1.5)), Is.Null);
        Assert.That(backend.Validate(new DataPoint("m", Tagged, 1, double.PositiveInfinity)), Does.Contain("NaN and infinities"));
        Assert.That(backend.Validate(new DataPoint("m", badTag, 1, 1)), Is.EqualTo(WavefrontValidation.Tags(badTag, "m")));
        Assert.That(backend.Validate(new DataPoint(longName, badTag, 1, double.NaN)), Is.EqualTo(WavefrontValidation.Name(longName, "metric")), "the name is checked first");
    }

    private sealed class MetricOnlySink : IWavefrontSink
    {
        public string Name => "test";

        public bool Supports(WavefrontDataKind kind) => kind == WavefrontDataKind.Metric;

        public string Unsupported(WavefrontDataKind kind) => "unsupported";

        public ValueTask<WavefrontSendStatus> SendAsync(WavefrontDataKind kind, ReadOnlyMemory<byte> lines, CancellationToken cancellationToken) =>
            ValueTask.FromResult(WavefrontSendStatus.Delivered());

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
