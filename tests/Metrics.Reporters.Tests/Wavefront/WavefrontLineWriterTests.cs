using System.Text;
using Metrics.Reporters.Wavefront;

namespace Metrics.Reporters.Tests.Wavefront;

public class WavefrontLineWriterTests
{
    private static readonly Guid TraceId = Guid.Parse("7B3BF470-9456-11E8-9EB6-529269FB1459");
    private static readonly Guid SpanId = Guid.Parse("0313BAFE-9457-11E8-9EB6-529269FB1459");
    private static readonly Guid Parent = Guid.Parse("2F64E538-9457-11E8-9EB6-529269FB1459");
    private static readonly Guid Follows = Guid.Parse("5F64E538-9457-11E8-9EB6-529269FB1458");

    private static string Metric(string name, double value, long? timestamp, string source, params (string, string)[] tags)
    {
        var writer = new WavefrontLineWriter();
        writer.WriteMetric(name, value, timestamp, source, tags.Select(t => new KeyValuePair<string, string>(t.Item1, t.Item2)).ToList());
        return writer.ToString();
    }

    [Test]
    public void WriteMetric_ProtocolsExample_MatchesByteForByte()
    {
        var writer = new WavefrontLineWriter();
        writer.WriteMetric("shop.checkout", 7, 1700000000, "web-1", new Tags(("env", "prod")));

        Assert.That(Encoding.UTF8.GetString(writer.ToUtf8().Span), Is.EqualTo("\"shop.checkout\" 7.0 1700000000 source=\"web-1\" \"env\"=\"prod\"\n"));
    }

    [Test]
    public void WriteMetric_NoTimestampNoTags_OmitsBoth() =>
        Assert.That(Metric("new-york.power.usage", 42422, null, "localhost"), Is.EqualTo("\"new-york.power.usage\" 42422.0 source=\"localhost\"\n"));

    [Test]
    public void WriteMetric_SeveralTags_WritesThemInGivenOrder() =>
        Assert.That(
            Metric("shop.power.usage", 120.5, 1700000000, "web-1", ("region", "eu"), ("az", "b")),
            Is.EqualTo("\"shop.power.usage\" 120.5 1700000000 source=\"web-1\" \"region\"=\"eu\" \"az\"=\"b\"\n"));

    [TestCase("a b/c\"d", "\"a-b-c-d\"")]
    [TestCase("ok-_.,AZaz09", "\"ok-_.,AZaz09\"")]
    [TestCase("~sdk.dotnet", "\"~sdk.dotnet\"")]
    [TestCase("a~b", "\"a-b\"")]
    [TestCase("\u2206~count", "\"\u2206~count\"")]
    [TestCase("\u0394count", "\"\u0394count\"")]
    [TestCase("x\u2206y", "\"x-y\"")]
    [TestCase("caf\u00e9:rate", "\"caf--rate\"")]
    [TestCase("~~a", "\"~-a\"")]
    [TestCase("a\U0001F600b", "\"a-b\"")]
    [TestCase("\U0001F600\U0001F600", "\"--\"")]
    public void WriteMetric_NameWithSpecialCharacters_IsSanitized(string name, string expected) =>
        Assert.That(Metric(name, 1, null, "s"), Does.StartWith(expected + " 1.0 "));

    [Test]
    public void WriteMetric_TagKeyWithSpecialCharacters_IsSanitized() =>
        Assert.That(Metric("m", 1, null, "s", ("http status/code", "200")), Does.EndWith(" \"http-status-code\"=\"200\"\n"));

    [Test]
    public void WriteMetric_TagKeysThatBecomeTheSameOnceSanitized_ThrowsNamingBoth() =>
        Assert.That(() => Metric("m", 1, null, "s", ("a b", "1"), ("a-b", "2")), Throws.ArgumentException.With.Message.Contains("'a b' and 'a-b' of 'm' both become 'a-b'"));

    [Test]
    public void WriteSpan_NegativeDuration_ThrowsAndWritesNothing()
    {
        var writer = new WavefrontLineWriter();

        Assert.That(() => writer.WriteSpan("op", 1, -5, "s", TraceId, SpanId, null, null, null, hasSpanLogs: false), Throws.ArgumentException.With.Message.Contain("negative duration (-5 ms)"));
        Assert.That(writer.Length, Is.Zero);
    }

    [Test]
    public void WriteSpan_RepeatedTagKey_IsKept()
    {
        var writer = new WavefrontLineWriter();
        writer.WriteSpan("op", 1, 2, "s", TraceId, SpanId, null, null, [new("a b", "1"), new("a-b", "2")], hasSpanLogs: false);
        Assert.That(writer.ToString(), Does.Contain("\"a-b\"=\"1\" \"a-b\"=\"2\""));
    }

    [Test]
    public void WriteMetric_NameWithALoneSurrogate_ReplacesItWithOneDash() =>
        Assert.That(Metric("lone" + '\uD83D' + "high", 1, null, "s"), Does.StartWith("\"lone-high\" 1.0 "));

    [Test]
    public void WriteMetric_TagKeyWithAnEmoji_BecomesOneDash() =>
        Assert.That(Metric("m", 1, null, "s", ("a\U0001F600b", "1")), Does.EndWith(" \"a-b\"=\"1\"\n"));

    [Test]
    public void WriteMetric_ValueAndSourceWithQuotesNewlinesAndSpaces_AreTrimmedAndEscaped() =>
        Assert.That(
            Metric("m", 1, null, "  web \"1\"  ", ("k", " line1\nline2 \"x\" a/b ")),
            Is.EqualTo("\"m\" 1.0 source=\"web \\\"1\\\"\" \"k\"=\"line1\\nline2 \\\"x\\\" a/b\"\n"));

    [Test]
    public void WriteMetric_BackslashInValue_IsKeptAsIs() =>
        Assert.That(Metric("m", 1, null, "s", ("path", "C:\\temp")), Does.EndWith("\"path\"=\"C:\\temp\"\n"));

    [TestCase("C:\\temp\\")]
    [TestCase("x\\  ")]
    public void WriteMetric_TagValueEndingInBackslash_ThrowsAndWritesNothing(string value)
    {
        var writer = new WavefrontLineWriter();

        Assert.That(() => writer.WriteMetric("m", 1, null, "s", new Tags(("path", value))), Throws.ArgumentException.With.Message.Contains("tag 'path' of 'm' ends with a backslash"));
        Assert.That(writer.Length, Is.Zero);
    }

    [Test]
    public void WriteMetric_SourceEndingInBackslash_Throws() =>
        Assert.That(() => Metric("m", 1, null, "host\\"), Throws.ArgumentException.With.Message.Contains("source 'host\\' ends with a backslash"));

    [Test]
    public void WriteSpan_NameEndingInBackslash_Throws() =>
        Assert.That(
            () => new WavefrontLineWriter().WriteSpan("GET /a\\", 1, 2, "s", TraceId, SpanId, null, null, null, hasSpanLogs: false),
            Throws.ArgumentException.With.Message.Contains("span name 'GET /a\\' ends with a backslash"));

    [Test]
    public void WriteMetric_NonAsciiValue_IsWrittenAsUtf8()
    {
        var writer = new WavefrontLineWriter();
        writer.WriteMetric("m", 1, null, "s", new Tags(("city", "K\u00f8benhavn")));

        Assert.That(writer.ToUtf8().ToArray(), Is.EqualTo(Encoding.UTF8.GetBytes("\"m\" 1.0 source=\"s\" \"city\"=\"K\u00f8benhavn\"\n")));
    }

    [TestCase(1e16, "1e+16")]
    [TestCase(1e-5, "1e-05")]
    [TestCase(-2.5, "-2.5")]
    [TestCase(0.0, "0.0")]
    public void WriteMetric_Value_UsesPythonFloatForm(double value, string expected) =>
        Assert.That(Metric("m", value, null, "s"), Is.EqualTo($"\"m\" {expected} source=\"s\"\n"));

    [Test]
    public void WriteMetric_SeveralCalls_AppendsLines()
    {
        var writer = new WavefrontLineWriter(initialCapacity: 8);
        writer.WriteMetric("a", 1, null, "s", null);
        writer.WriteMetric("b", 2, null, "s", null);

        Assert.That(writer.ToString(), Is.EqualTo("\"a\" 1.0 source=\"s\"\n\"b\" 2.0 source=\"s\"\n"));
    }

    [TestCase("", "name is blank")]
    [TestCase("   ", "name is blank")]
    public void WriteMetric_BlankName_ThrowsAndWritesNothing(string name, string message)
    {
        var writer = new WavefrontLineWriter();
        writer.WriteMetric("ok", 1, null, "s", null);
        var before = writer.ToString();

        Assert.That(() => writer.WriteMetric(name, 1, null, "s", null), Throws.ArgumentException.With.Message.Contains(message));
        Assert.That(writer.ToString(), Is.EqualTo(before));
    }

    [Test]
    public void WriteMetric_NameAtLimit_IsAcceptedAndOneMoreIsRejected()
    {
        Assert.That(Metric(new string('a', 256), 1, null, "s"), Does.StartWith("\"" + new string('a', 256) + "\""));
        Assert.That(() => Metric(new string('a', 257), 1, null, "s"), Throws.ArgumentException.With.Message.Contains("257 characters").And.Message.Contains("at most 256"));
    }

    [Test]
    public void WriteMetric_SourceOverLimit_Throws()
    {
        Assert.That(Metric("m", 1, null, new string('s', 128)), Does.Contain("source=\"" + new string('s', 128) + "\""));
        Assert.That(() => Metric("m", 1, null, new string('s', 129)), Throws.ArgumentException.With.Message.Contains("at most 128"));
    }

    [Test]
    public void WriteMetric_TagKeyPlusValueOverLimit_Throws()
    {
        Assert.That(Metric("m", 1, null, "s", ("k", new string('v', 253))), Does.EndWith(new string('v', 253) + "\"\n"));
        Assert.That(() => Metric("m", 1, null, "s", ("k", new string('v', 254))), Throws.ArgumentException.With.Message.Contains("at most 254"));
    }

    [TestCase("", "v", "key of 'm' is blank")]
    [TestCase(" ", "v", "key of 'm' is blank")]
    [TestCase("k", "", "blank value")]
    [TestCase("k", "  ", "blank value")]
    public void WriteMetric_BlankTagKeyOrValue_Throws(string key, string value, string message) =>
        Assert.That(() => Metric("m", 1, null, "s", (key, value)), Throws.ArgumentException.With.Message.Contains(message));

    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void WriteMetric_NotFiniteValue_Throws(double value) =>
        Assert.That(() => Metric("m", value, null, "s"), Throws.ArgumentException.With.Message.Contains("never sent"));

    [Test]
    public void WriteMetric_BlankSource_Throws() =>
        Assert.That(() => Metric("m", 1, null, " "), Throws.ArgumentException.With.Message.Contains("source is blank"));

    [Test]
    public void WriteDeltaCounter_PlainName_GetsDeltaPrefixAndNoTimestamp()
    {
        var writer = new WavefrontLineWriter();

        Assert.That(writer.WriteDeltaCounter("orders.count", 3, "web-1", new Tags(("env", "prod"))), Is.True);
        Assert.That(writer.ToString(), Is.EqualTo("\"\u2206orders.count\" 3.0 source=\"web-1\" \"env\"=\"prod\"\n"));
    }

    [TestCase("\u2206orders", "\"\u2206orders\"")]
    [TestCase("\u0394orders", "\"\u0394orders\"")]
    [TestCase("\u2206~orders", "\"\u2206~orders\"")]
    [TestCase("~orders", "\"\u2206~orders\"")]
    public void WriteDeltaCounter_NameWithDeltaSign_KeepsIt(string name, string expected)
    {
        var writer = new WavefrontLineWriter();
        writer.WriteDeltaCounter(name, 1, "s", null);

        Assert.That(writer.ToString(), Is.EqualTo(expected + " 1.0 source=\"s\"\n"));
    }

    [TestCase(0.0)]
    [TestCase(-4.0)]
    public void WriteDeltaCounter_ZeroOrNegative_WritesNothing(double value)
    {
        var writer = new WavefrontLineWriter();

        Assert.That(writer.WriteDeltaCounter("orders", value, "s", null), Is.False);
        Assert.That(writer.Length, Is.Zero);
    }

    [Test]
    public void WriteDeltaCounter_NameAtLimitWithoutPrefix_IsRejectedBecausePrefixCounts() =>
        Assert.That(() => new WavefrontLineWriter().WriteDeltaCounter(new string('a', 256), 1, "s", null), Throws.ArgumentException.With.Message.Contains("257 characters"));

    [Test]
    public void WriteDistribution_ReferenceExample_MatchesByteForByte()
    {
        var writer = new WavefrontLineWriter();
        writer.WriteDistribution("request.latency", [new Centroid(30, 20), new Centroid(5.1, 10)], HistogramGranularities.Minute, 1533531013, "appServer1", new Tags(("region", "us-west")));

        Assert.That(writer.ToString(), Is.EqualTo("!M 1533531013 #20 30.0 #10 5.1 \"request.latency\" source=\"appServer1\" \"region\"=\"us-west\"\n"));
    }

    [Test]
    public void WriteDistribution_AllGranularities_WritesOneLinePerGranularityInMinuteHourDayOrder()
    {
        var writer = new WavefrontLineWriter();
        writer.WriteDistribution("h", [new Centroid(1.5, 2)], HistogramGranularities.Day | HistogramGranularities.Minute | HistogramGranularities.Hour, null, "s", null);

        Assert.That(writer.ToString(), Is.EqualTo(
            "!M #2 1.5 \"h\" source=\"s\"\n" +
            "!H #2 1.5 \"h\" source=\"s\"\n" +
            "!D #2 1.5 \"h\" source=\"s\"\n"));
    }

    [Test]
    public void WriteDistribution_NoCentroids_Throws() =>
        Assert.That(() => new WavefrontLineWriter().WriteDistribution("h", [], HistogramGranularities.Minute, null, "s", null), Throws.ArgumentException.With.Message.Contains("no centroids"));

    [Test]
    public void WriteDistribution_NoGranularity_Throws() =>
        Assert.That(() => new WavefrontLineWriter().WriteDistribution("h", [new Centroid(1, 1)], HistogramGranularities.None, null, "s", null), Throws.ArgumentException.With.Message.Contains("no granularity"));

    [Test]
    public void WriteDistribution_ZeroCountCentroid_Throws() =>
        Assert.That(() => new WavefrontLineWriter().WriteDistribution("h", [new Centroid(1, 0)], HistogramGranularities.Minute, null, "s", null), Throws.ArgumentException.With.Message.Contains("at least 1"));

    [Test]
    public void ToFlags_GranularitySet_MapsEachValue() =>
        Assert.That(new HashSet<HistogramGranularity> { HistogramGranularity.Hour, HistogramGranularity.Day }.ToFlags(), Is.EqualTo(HistogramGranularities.Hour | HistogramGranularities.Day));

    [Test]
    public void WriteSpan_ReferenceExample_MatchesByteForByte()
    {
        var writer = new WavefrontLineWriter();
        writer.WriteSpan(
            "getAllUsers", 1533531013, 343500, "localhost", TraceId, SpanId, [Parent], [Follows],
            [new("application", "Wavefront"), new("http.method", "GET")], hasSpanLogs: false);

        Assert.That(writer.ToString(), Is.EqualTo(
            "\"getAllUsers\" source=\"localhost\" traceId=7b3bf470-9456-11e8-9eb6-529269fb1459 spanId=0313bafe-9457-11e8-9eb6-529269fb1459 " +
            "parent=2f64e538-9457-11e8-9eb6-529269fb1459 followsFrom=5f64e538-9457-11e8-9eb6-529269fb1458 " +
            "\"application\"=\"Wavefront\" \"http.method\"=\"GET\" 1533531013 343500\n"));
    }

    [Test]
    public void WriteSpan_DuplicateTags_AreWrittenOnceButRepeatedKeysWithOtherValuesStay()
    {
        var writer = new WavefrontLineWriter();
        writer.WriteSpan("op", 1, 2, "s", TraceId, SpanId, null, null, [new("a", "1"), new("a", "1"), new("a", "2")], hasSpanLogs: false);

        Assert.That(writer.ToString(), Does.EndWith(" spanId=0313bafe-9457-11e8-9eb6-529269fb1459 \"a\"=\"1\" \"a\"=\"2\" 1 2\n"));
    }

    [Test]
    public void WriteSpan_NameWithSpecialCharacters_IsEscapedNotReplaced()
    {
        var writer = new WavefrontLineWriter();
        writer.WriteSpan(" GET /users/{id} \"x\" ", 1, 2, "s", TraceId, SpanId, null, null, null, hasSpanLogs: false);

        Assert.That(writer.ToString(), Does.StartWith("\"GET /users/{id} \\\"x\\\"\" source=\"s\" "));
    }

    [Test]
    public void WriteSpan_WithSpanLogs_AddsSpanLogsTagOnce()
    {
        var writer = new WavefrontLineWriter();
        writer.WriteSpan("op", 1, 2, "s", TraceId, SpanId, null, null, [new("_spanLogs", "true")], hasSpanLogs: true);

        Assert.That(writer.ToString(), Does.EndWith(" spanId=0313bafe-9457-11e8-9eb6-529269fb1459 \"_spanLogs\"=\"true\" 1 2\n"));
    }

    [Test]
    public void WriteSpanLogs_Logs_WritesPythonJsonDumpsForm()
    {
        var writer = new WavefrontLineWriter();
        writer.WriteSpanLogs(TraceId, SpanId, [new SpanLog(1635123456789000, [new("event", "error"), new("message", "bad \"x\"\n\u00e9")])]);

        Assert.That(writer.ToString(), Is.EqualTo(
            "{\"traceId\": \"7b3bf470-9456-11e8-9eb6-529269fb1459\", \"spanId\": \"0313bafe-9457-11e8-9eb6-529269fb1459\", " +
            "\"logs\": [{\"timestamp\": 1635123456789000, \"fields\": {\"event\": \"error\", \"message\": \"bad \\\"x\\\"\\n\\u00e9\"}}]}\n"));
    }

    [Test]
    public void SpanLog_NullFieldValue_ThrowsNamingTheField() =>
        Assert.That(() => new SpanLog(1, new Dictionary<string, string> { ["event"] = null! }), Throws.ArgumentException.With.Message.Contains("'event' has a null value"));

    [Test]
    public void WriteSpan_BlankTagValue_Throws() =>
        Assert.That(() => new WavefrontLineWriter().WriteSpan("op", 1, 2, "s", TraceId, SpanId, null, null, [new("k", "")], false), Throws.ArgumentException.With.Message.Contains("blank value"));

    [Test]
    public void WriteRaw_LineWithoutNewline_GetsOne()
    {
        var writer = new WavefrontLineWriter();
        writer.WriteRaw("\"a\" 1.0 source=\"s\"");
        writer.WriteRaw("\"b\" 2.0 source=\"s\"\n");

        Assert.That(writer.ToString(), Is.EqualTo("\"a\" 1.0 source=\"s\"\n\"b\" 2.0 source=\"s\"\n"));
    }

    [Test]
    public void WriteMetric_WarmWriterAndTags_AllocatesNothingPerPoint()
    {
        var writer = new WavefrontLineWriter(256 * 1024);
        var tags = new Tags(("env", "prod"), ("region", "eu-west-1"));
        writer.WriteMetric("shop.checkout.latency", 123.456789, 1700000000, "web-1", tags);
        writer.Clear();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            writer.WriteMetric("shop.checkout.latency", 123.456789 + i, 1700000000, "web-1", tags);
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1000));
    }
}
