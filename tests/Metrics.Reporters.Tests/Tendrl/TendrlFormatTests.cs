using System.Buffers;
using System.Globalization;
using System.Text;
using Metrics.Reporters.Tendrl;

namespace Metrics.Reporters.Tests.Tendrl;

/// <summary>Golden bytes of the publish messages written to the Tendrl agent.</summary>
public class TendrlFormatTests
{
    private static readonly DateTimeOffset Ten = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Test]
    public void Write_NoMessageTagsEntityOrWait_LeavesContextAndDestOut()
    {
        var format = new TendrlFormat(null, [], wait: false);

        var json = Write(format, new DataPoint("orders.count", new Tags(("region", "eu")), Ten, 3));

        Assert.That(json, Is.EqualTo(
            "{\"msg_type\":\"publish\",\"data\":{\"metric\":\"orders.count\",\"value\":3.0,\"tags\":{\"region\":\"eu\"}},\"timestamp\":\"2026-11-22T10:00:00.000Z\"}"));
    }

    [Test]
    public void Write_MessageTagsEntityAndWait_WritesContextThenDest()
    {
        var format = new TendrlFormat("web-1", ["metrics", "shop"], wait: true);

        var json = Write(format, new DataPoint("latency.mean", Tags.Empty, Ten, 12.5));

        Assert.That(json, Is.EqualTo(
            "{\"msg_type\":\"publish\",\"data\":{\"metric\":\"latency.mean\",\"value\":12.5},\"context\":{\"wait\":true,\"tags\":[\"metrics\",\"shop\"]},\"dest\":\"web-1\",\"timestamp\":\"2026-11-22T10:00:00.000Z\"}"));
    }

    [Test]
    public void Write_WaitOnly_ContextHasWaitAndNoTags()
    {
        var json = Write(new TendrlFormat(null, [], wait: true), new DataPoint("a", Tags.Empty, Ten, 1));

        Assert.That(json, Does.Contain(",\"context\":{\"wait\":true},\"timestamp\""));
    }

    [Test]
    public void Write_MessageTagsWithoutWait_ContextHasOnlyTags()
    {
        var json = Write(new TendrlFormat(null, ["x"], wait: false), new DataPoint("a", Tags.Empty, Ten, 1));

        Assert.That(json, Does.Contain(",\"context\":{\"tags\":[\"x\"]},\"timestamp\""));
    }

    [TestCase(3.0, "3.0")]
    [TestCase(0.1, "0.1")]
    [TestCase(-2.5, "-2.5")]
    [TestCase(1e16, "1e+16")]
    [TestCase(1.5e-5, "1.5e-05")]
    public void Write_Value_WrittenAsPythonFloat(double value, string expected)
    {
        var json = Write(new TendrlFormat(null, [], wait: false), new DataPoint("a", Tags.Empty, Ten, value));

        Assert.That(json, Does.Contain("\"value\":" + expected + "}"));
    }

    [Test]
    public void Write_TimestampWithOffsetAndSubMilliseconds_UtcWithThreeFractionalDigits()
    {
        var time = new DateTimeOffset(2026, 11, 22, 11, 0, 5, 123, TimeSpan.FromHours(1)).AddTicks(9_999);

        var json = Write(new TendrlFormat(null, [], wait: false), new DataPoint("a", Tags.Empty, time, 1));

        Assert.That(json, Does.EndWith(",\"timestamp\":\"2026-11-22T10:00:05.123Z\"}"));
    }

    [Test]
    public void Write_QuotesAndNonAscii_EscapedOnlyAsJsonRequires()
    {
        var format = new TendrlFormat("caf\u00e9 \"1\"", [], wait: false);

        var json = Write(format, new DataPoint("r\u00e9sum\u00e9", new Tags(("path", "a\\b")), Ten, 1));

        Assert.That(json, Does.Contain("\"metric\":\"r\u00e9sum\u00e9\""));
        Assert.That(json, Does.Contain("\"tags\":{\"path\":\"a\\\\b\"}"));
        Assert.That(json, Does.Contain("\"dest\":\"caf\u00e9 \\\"1\\\"\""));
    }

    [Test]
    public void Write_TwoPoints_ObjectsBackToBackWithoutDelimiter()
    {
        var format = new TendrlFormat(null, [], wait: false);
        var buffer = new ArrayBufferWriter<byte>();
        using var writer = TendrlFormat.CreateWriter(buffer);

        format.Write(writer, new DataPoint("a", Tags.Empty, Ten, 1));
        format.Write(writer, new DataPoint("b", Tags.Empty, Ten, 2));

        Assert.That(Encoding.UTF8.GetString(buffer.WrittenSpan), Is.EqualTo(
            "{\"msg_type\":\"publish\",\"data\":{\"metric\":\"a\",\"value\":1.0},\"timestamp\":\"2026-11-22T10:00:00.000Z\"}"
            + "{\"msg_type\":\"publish\",\"data\":{\"metric\":\"b\",\"value\":2.0},\"timestamp\":\"2026-11-22T10:00:00.000Z\"}"));
    }

    [Test]
    public void Write_TurkishCulture_SameBytes()
    {
        var format = new TendrlFormat("web-1", ["ids"], wait: true);
        var point = new DataPoint("orders.id", new Tags(("id", "i")), Ten.AddMilliseconds(7), 1234.5);
        var invariant = Write(format, point);
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("tr-TR");
            Assert.That(Write(format, point), Is.EqualTo(invariant));
            Assert.That(invariant, Does.Contain("\"value\":1234.5").And.Contain("\"timestamp\":\"2026-11-22T10:00:00.007Z\""));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    [TestCase(double.NegativeInfinity)]
    public void Validate_NonFiniteValue_RejectedSayingWhy(double value)
    {
        var error = TendrlFormat.Validate(new DataPoint("cpu.load", Tags.Empty, Ten, value));

        Assert.That(error, Does.StartWith("value").And.Contain("not a finite number"));
    }

    [Test]
    public void Validate_FiniteValue_Accepted()
    {
        Assert.That(TendrlFormat.Validate(new DataPoint("cpu.load", Tags.Empty, Ten, 0.5)), Is.Null);
    }

    private static string Write(TendrlFormat format, DataPoint point)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using var writer = TendrlFormat.CreateWriter(buffer);
        format.Write(writer, point);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
