using System.Text;
using System.Text.Json;
using Metrics.Reporters.Apptuit;

namespace Metrics.Reporters.Tests.Apptuit;

[TestFixture]
public sealed class ApptuitJsonFormatTests
{
    [Test]
    public void Write_OnePoint_MatchesGoldenBody()
    {
        var body = ApptuitJsonFormat.Write([new ApptuitPoint("proc.cpu.percent", new Tags(("ip", "127.0.0.1"), ("host", "a")), 1479496100, 42)]);
        Assert.That(Encoding.UTF8.GetString(body), Is.EqualTo(
            """[{"metric":"proc.cpu.percent","timestamp":1479496100,"value":42.0,"tags":{"host":"a","ip":"127.0.0.1"}}]"""));
    }

    [Test]
    public void Write_SeveralPoints_WritesArrayInOrderWithPythonFloats()
    {
        var tags = new Tags(("host", "a"));
        var body = ApptuitJsonFormat.Write([
            new ApptuitPoint("a", tags, 1, 0.5),
            new ApptuitPoint("b", tags, 2, 1e16),
            new ApptuitPoint("c", tags, 3, 1e-5),
        ]);
        Assert.That(Encoding.UTF8.GetString(body), Is.EqualTo(
            """[{"metric":"a","timestamp":1,"value":0.5,"tags":{"host":"a"}},{"metric":"b","timestamp":2,"value":1e+16,"tags":{"host":"a"}},{"metric":"c","timestamp":3,"value":1e-05,"tags":{"host":"a"}}]"""));
    }

    [Test]
    public void Write_NonAsciiAndQuotes_IsValidJsonThatReadsBackTheSameText()
    {
        var body = ApptuitJsonFormat.Write([new ApptuitPoint("日本", new Tags(("city", "Zürich \"old\"")), 10, 1)]);
        using var doc = JsonDocument.Parse(body);
        var point = doc.RootElement[0];
        Assert.Multiple(() =>
        {
            Assert.That(point.GetProperty("metric").GetString(), Is.EqualTo("日本"));
            Assert.That(point.GetProperty("tags").GetProperty("city").GetString(), Is.EqualTo("Zürich \"old\""));
            Assert.That(point.GetProperty("value").GetDouble(), Is.EqualTo(1.0));
        });
    }

    [Test]
    public void Write_NoPoints_IsEmptyArray() =>
        Assert.That(Encoding.UTF8.GetString(ApptuitJsonFormat.Write([])), Is.EqualTo("[]"));

    [Test]
    public void Write_UnderAnotherCulture_StaysInvariant()
    {
        var previous = Thread.CurrentThread.CurrentCulture;
        try
        {
            Thread.CurrentThread.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            var body = ApptuitJsonFormat.Write([new ApptuitPoint("m", new Tags(("host", "a")), 1, 1234.5)]);
            Assert.That(Encoding.UTF8.GetString(body), Does.Contain("\"value\":1234.5,"));
        }
        finally
        {
            Thread.CurrentThread.CurrentCulture = previous;
        }
    }
}
