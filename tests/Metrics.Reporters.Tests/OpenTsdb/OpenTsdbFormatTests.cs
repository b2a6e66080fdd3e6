using System.Buffers;
using System.Text;
using System.Text.Json;
using Metrics.Reporters.OpenTsdb;

namespace Metrics.Reporters.Tests.OpenTsdb;

public class OpenTsdbFormatTests
{
    private const long Ts = 1479496100;

    private static OpenTsdbFormat Format(string? host = null, int maxTags = 8, OpenTsdbInvalidCharacters mode = OpenTsdbInvalidCharacters.Replace) =>
        new(host, maxTags, mode);

    private static string Line(OpenTsdbFormat format, DataPoint point)
    {
        var writer = new ArrayBufferWriter<byte>();
        var error = format.WriteLine(writer, point);
        Assert.That(error, Is.Null);
        return Encoding.UTF8.GetString(writer.WrittenSpan);
    }

    private static string? LineError(OpenTsdbFormat format, DataPoint point)
    {
        var writer = new ArrayBufferWriter<byte>();
        var error = format.WriteLine(writer, point);
        Assert.That(writer.WrittenCount, Is.Zero, "nothing is written for a point that fails");
        return error;
    }

    [Test]
    public void WriteLine_ProtocolExample_MatchesDocumentedLine()
    {
        var line = Line(Format(), new DataPoint("sys.procs", new Tags(("host", "web01")), Ts, 42));

        Assert.That(line, Is.EqualTo("put sys.procs 1479496100 42 host=web01\n"));
    }

    [Test]
    public void WriteLine_HostTagConfigured_AddsHostInKeyOrder()
    {
        var line = Line(Format(host: "web01"), new DataPoint("sys.cpu", new Tags(("core", "0"), ("zone", "a")), Ts, 42.5));

        Assert.That(line, Is.EqualTo("put sys.cpu 1479496100 42.5 core=0 host=web01 zone=a\n"));
    }

    [Test]
    public void WriteLine_PointHasOwnHostTag_PointTagWins()
    {
        var line = Line(Format(host: "auto"), new DataPoint("m", new Tags(("host", "mine")), Ts, 1));

        Assert.That(line, Is.EqualTo("put m 1479496100 1 host=mine\n"));
    }

    [Test]
    public void WriteLine_HostTagAfterAllKeys_IsLast()
    {
        var line = Line(Format(host: "h1"), new DataPoint("m", new Tags(("dc", "x")), Ts, 1));

        Assert.That(line, Is.EqualTo("put m 1479496100 1 dc=x host=h1\n"));
    }

    [TestCase(42.0, "42")]
    [TestCase(-7.0, "-7")]
    [TestCase(0.0, "0")]
    [TestCase(-0.0, "0")]
    [TestCase(42.5, "42.5")]
    [TestCase(0.1, "0.1")]
    [TestCase(1.0 / 3, "0.3333333333333333")]
    [TestCase(0.0001, "0.0001")]
    [TestCase(0.00001, "1e-05")]
    [TestCase(1.5e-7, "1.5e-07")]
    [TestCase(9007199254740993.0, "9007199254740992")]
    [TestCase(1e20, "1e+20")]
    [TestCase(-1e300, "-1e+300")]
    [TestCase(123456789.125, "123456789.125")]
    public void WriteNumber_Value_IntegralWithoutPointOtherwiseShortestRoundTrip(double value, string expected)
    {
        var text = OpenTsdbNumber.Format(value);

        Assert.That(text, Is.EqualTo(expected));
        Assert.That(double.Parse(text, System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(value == 0 ? 0 : value), "round-trips");
    }

    [Test]
    public void WriteNumber_UnderNonInvariantCulture_UsesDotAsDecimalSeparator()
    {
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            var line = Line(Format(), new DataPoint("m", new Tags(("k", "v")), Ts, 1234.5));

            Assert.That(line, Is.EqualTo("put m 1479496100 1234.5 k=v\n"));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = saved;
        }
    }

    [Test]
    public void WriteLine_InvalidCharactersReplaceMode_ReplacesEachWithUnderscore()
    {
        var point = new DataPoint("disk used %", new Tags(("mount point", "/var:log"), ("emoji", "a😀b")), Ts, 1);

        var line = Line(Format(), point);

        Assert.That(line, Is.EqualTo("put disk_used__ 1479496100 1 emoji=a_b mount_point=/var_log\n"));
    }

    [Test]
    public void WriteLine_KeysThatBecomeTheSameOnceReplaced_AreNotSentAndTheErrorNamesBoth()
    {
        var point = new DataPoint("m", new Tags(("a b", "1"), ("a_b", "2")), Ts, 1);

        var error = LineError(Format(), point);

        Assert.That(error, Does.Contain("'a b' and 'a_b' both become 'a_b'").And.Contain("rename one of them"));
        Assert.That(Format().Validate(point, telnet: true), Is.EqualTo(error));
        Assert.That(Format().Validate(point, telnet: false), Is.EqualTo(error));
    }

    [Test]
    public void WriteLine_KeysWithAnEmojiAndAnUnderscore_CollideAsOneReplacedCharacter()
    {
        var error = LineError(Format(host: "web01"), new DataPoint("m", new Tags(("hos😀", "x"), ("hos_", "y")), Ts, 1));

        Assert.That(error, Does.Contain("both become 'hos_'"));
    }

    [Test]
    public void WriteJson_KeysThatBecomeTheSameOnceReplaced_LeavesThePointOut()
    {
        var writer = new ArrayBufferWriter<byte>();
        var errors = new List<string>();

        var count = Format().WriteJson(writer, [new DataPoint("m", new Tags(("a b", "1"), ("a_b", "2")), Ts, 1), new DataPoint("n", new Tags(("a b", "1")), Ts, 1)], errors);

        Assert.That(count, Is.EqualTo(1));
        Assert.That(errors.Single(), Does.Contain("both become 'a_b'"));
        Assert.That(Encoding.UTF8.GetString(writer.WrittenSpan), Does.Contain("\"metric\":\"n\"").And.Not.Contain("\"metric\":\"m\""));
    }

    [Test]
    public void WriteLine_UnicodeLetters_AreKeptAsUtf8()
    {
        var line = Line(Format(), new DataPoint("température.café", new Tags(("ville", "Zürich"), ("都市", "東京")), Ts, 3));

        Assert.That(line, Is.EqualTo("put température.café 1479496100 3 ville=Zürich 都市=東京\n"));
    }

    [Test]
    public void Sanitize_InvalidCharacters_FollowsSameRuleAsWriter()
    {
        Assert.That(OpenTsdbFormat.Sanitize("a b=c,d😀é/-_."), Is.EqualTo("a_b_c_d_é/-_."));
        Assert.That(OpenTsdbFormat.Sanitize("ok.name"), Is.SameAs("ok.name").Or.EqualTo("ok.name"));
    }

    [Test]
    public void WriteLine_InvalidCharacterRejectMode_FailsNamingFieldAndCharacter()
    {
        var error = LineError(Format(mode: OpenTsdbInvalidCharacters.Reject), new DataPoint("m", new Tags(("k", "a b")), Ts, 1));

        Assert.That(error, Does.Contain("value of tag 'k'").And.Contain("'a b'").And.Contain("U+0020").And.Contain("InvalidCharacters = Replace"));
    }

    [Test]
    public void WriteLine_InvalidMetricRejectMode_FailsNamingMetric()
    {
        var error = LineError(Format(mode: OpenTsdbInvalidCharacters.Reject), new DataPoint("cpu:user", new Tags(("k", "v")), Ts, 1));

        Assert.That(error, Does.Contain("metric name 'cpu:user'").And.Contain("':'"));
    }

    [Test]
    public void WriteLine_NoTagsAndNoHostTag_FailsAskingForATag()
    {
        var error = LineError(Format(host: ""), new DataPoint("m", Tags.Empty, Ts, 1));

        Assert.That(error, Does.Contain("no tags").And.Contain("at least one"));
    }

    [Test]
    public void WriteLine_NoTagsWithHostTag_SendsHostOnly()
    {
        var line = Line(Format(host: "web01"), new DataPoint("m", Tags.Empty, Ts, 1));

        Assert.That(line, Is.EqualTo("put m 1479496100 1 host=web01\n"));
    }

    [Test]
    public void WriteLine_MoreTagsThanMax_FailsWithCountAndLimit()
    {
        var tags = new Tags(Enumerable.Range(0, 8).Select(i => new KeyValuePair<string, string>("k" + i, "v")));

        var error = LineError(Format(host: "web01"), new DataPoint("m", tags, Ts, 1));

        Assert.That(error, Does.Contain("9 tags").And.Contain("host").And.Contain("MaxTags = 8"));
    }

    [Test]
    public void WriteLine_ExactlyMaxTags_IsWritten()
    {
        var tags = new Tags(Enumerable.Range(0, 7).Select(i => new KeyValuePair<string, string>("k" + i, "v")));

        var line = Line(Format(host: "h"), new DataPoint("m", tags, Ts, 1));

        Assert.That(line, Does.StartWith("put m 1479496100 1 h").Or.StartWith("put m 1479496100 1 k0=v"));
        Assert.That(line.Split(' ').Length, Is.EqualTo(4 + 8));
    }

    [Test]
    public void WriteLine_LineOf1024Bytes_IsWrittenAndOneMoreFails()
    {
        // "put " + name + " 1479496100 1 k=v" = 4 + n + 17 bytes.
        var fits = new string('a', 1024 - 21);
        var tooLong = fits + "a";

        var line = Line(Format(), new DataPoint(fits, new Tags(("k", "v")), Ts, 1));
        var error = LineError(Format(), new DataPoint(tooLong, new Tags(("k", "v")), Ts, 1));

        Assert.That(Encoding.UTF8.GetByteCount(line), Is.EqualTo(1025));
        Assert.That(error, Does.Contain("1025 bytes").And.Contain("1024"));
    }

    [Test]
    public void WriteLine_MultiByteCharactersPushLinePastLimit_Fails()
    {
        // 400 'é' are 400 characters but 800 bytes; with 300 more the line is over 1024 bytes.
        var name = new string('é', 400) + new string('a', 300);

        var error = LineError(Format(), new DataPoint(name, new Tags(("k", "v")), Ts, 1));

        Assert.That(error, Does.Contain("1024"));
    }

    [Test]
    public void WriteLine_EmojiReplacedByOneByteEach_FitsUnderTheLimit()
    {
        // 600 emoji are 1,200 UTF-16 characters; replaced, each is one '_', so the line is about 620 bytes.
        var point = new DataPoint("m", new Tags(("k", string.Concat(Enumerable.Repeat("\U0001F600", 600)))), Ts, 1);

        var line = Line(Format(), point);

        Assert.That(line, Is.EqualTo("put m 1479496100 1 k=" + new string('_', 600) + "\n"));
        Assert.That(Format().Validate(point, telnet: true), Is.Null);
    }

    [Test]
    public void WriteLine_MoreEmojiThanTheLimitHoldsEvenReplaced_Fails()
    {
        var point = new DataPoint("m", new Tags(("k", string.Concat(Enumerable.Repeat("\U0001F600", 1100)))), Ts, 1);

        Assert.That(LineError(Format(), point), Does.Contain("1024"));
    }

    [Test]
    public void WriteLine_HugeName_FailsWithoutFormatting()
    {
        var error = LineError(Format(), new DataPoint(new string('a', 100_000), new Tags(("k", "v")), Ts, 1));

        Assert.That(error, Does.Contain("1024").And.Contain("..."));
    }

    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    [TestCase(double.NegativeInfinity)]
    public void WriteLine_NonFiniteValue_Fails(double value)
    {
        var error = LineError(Format(), new DataPoint("m", new Tags(("k", "v")), Ts, value));

        Assert.That(error, Does.Contain("not a finite number"));
    }

    [Test]
    public void WriteLine_EmptyTagValue_Fails()
    {
        var error = LineError(Format(), new DataPoint("m", new Tags(("k", "")), Ts, 1));

        Assert.That(error, Does.Contain("value of tag 'k' is empty"));
    }

    [Test]
    public void WriteLine_SeveralPoints_AppendsLines()
    {
        var format = Format(host: "h");
        var writer = new ArrayBufferWriter<byte>(16);
        Assert.That(format.WriteLine(writer, new DataPoint("a", Tags.Empty, Ts, 1)), Is.Null);
        Assert.That(format.WriteLine(writer, new DataPoint("b", Tags.Empty, Ts + 1, 2.5)), Is.Null);

        Assert.That(Encoding.UTF8.GetString(writer.WrittenSpan), Is.EqualTo("put a 1479496100 1 host=h\nput b 1479496101 2.5 host=h\n"));
    }

    [Test]
    public void Validate_TelnetAndJson_LineLimitOnlyForTelnet()
    {
        var point = new DataPoint(new string('a', 2000), new Tags(("k", "v")), Ts, 1);

        Assert.That(Format().Validate(point, telnet: true), Does.Contain("1024"));
        Assert.That(Format().Validate(point, telnet: false), Is.Null);
        Assert.That(Format().Validate(new DataPoint("ok", new Tags(("k", "v")), Ts, 1), telnet: true), Is.Null);
    }

    [TestCase(OpenTsdbInvalidCharacters.Replace)]
    [TestCase(OpenTsdbInvalidCharacters.Reject)]
    public void Validate_Telnet_AgreesWithWriteLine(OpenTsdbInvalidCharacters mode)
    {
        // Short and long lines, invalid and multi-byte characters, empty tag values: Validate must accept
        // exactly the points WriteLine writes, whether or not it formats them to decide. (Tags refuses empty keys itself.)
        var points = new List<DataPoint>
        {
            new("ok", new Tags(("k", "v")), Ts, 1.25),
            new("bad name", new Tags(("k", "v w")), Ts, 1),
            new("m", new Tags(("k", "")), Ts, 1),
            new("m", Tags.Empty, Ts, 1),
        };
        foreach (var length in new[] { 300, 330, 340, 500, 1000, 1010, 1020 })
        {
            points.Add(new DataPoint(new string('a', length), new Tags(("k", "v")), Ts, 1234.5678));
            points.Add(new DataPoint(new string('é', length / 2), new Tags(("k", "v")), Ts, 0.1));
            points.Add(new DataPoint(new string('€', length / 3), new Tags(("k", "v")), Ts, 2));
        }

        var format = Format(host: "web01", mode: mode);
        Assert.Multiple(() =>
        {
            foreach (var point in points)
            {
                var written = format.WriteLine(new ArrayBufferWriter<byte>(), point);
                Assert.That(format.Validate(point, telnet: true) is null, Is.EqualTo(written is null), $"{point.Metric.Length}-char name {point.Metric[..Math.Min(10, point.Metric.Length)]}, tags {point.Tags}");
            }
        });
    }

    [Test]
    public void WriteJson_Points_WritesApiPutArray()
    {
        var format = Format(host: "web01");
        var writer = new ArrayBufferWriter<byte>();
        var errors = new List<string>();
        var points = new[]
        {
            new DataPoint("sys.cpu.nice", new Tags(("dc", "lga")), Ts, 18),
            new DataPoint("sys.cpu.user", new Tags(("host", "web02"), ("cpu", "0")), Ts, 9.25),
        };

        var count = format.WriteJson(writer, points, errors);

        Assert.That(count, Is.EqualTo(2));
        Assert.That(errors, Is.Empty);
        Assert.That(
            Encoding.UTF8.GetString(writer.WrittenSpan),
            Is.EqualTo("[{\"metric\":\"sys.cpu.nice\",\"timestamp\":1479496100,\"value\":18,\"tags\":{\"dc\":\"lga\",\"host\":\"web01\"}},"
                + "{\"metric\":\"sys.cpu.user\",\"timestamp\":1479496100,\"value\":9.25,\"tags\":{\"cpu\":\"0\",\"host\":\"web02\"}}]"));
    }

    [Test]
    public void WriteJson_InvalidPointAmongValid_LeavesItOutWithReason()
    {
        var format = Format(host: "", mode: OpenTsdbInvalidCharacters.Reject);
        var writer = new ArrayBufferWriter<byte>();
        var errors = new List<string>();
        var points = new[]
        {
            new DataPoint("a", new Tags(("k", "v")), Ts, 1),
            new DataPoint("bad name", new Tags(("k", "v")), Ts, 1),
            new DataPoint("c", new Tags(("k", "v é")), Ts, 1e-05),
            new DataPoint("d", new Tags(("k", "é")), Ts, 1e-05),
        };

        var count = format.WriteJson(writer, points, errors);

        Assert.That(count, Is.EqualTo(2));
        Assert.That(errors, Has.Count.EqualTo(2));
        using var doc = JsonDocument.Parse(writer.WrittenMemory);
        Assert.That(doc.RootElement.EnumerateArray().Select(e => e.GetProperty("metric").GetString()), Is.EqualTo(new[] { "a", "d" }));
        Assert.That(doc.RootElement[1].GetProperty("tags").GetProperty("k").GetString(), Is.EqualTo("é"));
        Assert.That(doc.RootElement[1].GetProperty("value").GetDouble(), Is.EqualTo(1e-05));
    }

    [Test]
    public void WriteJson_NoPoints_WritesEmptyArray()
    {
        var writer = new ArrayBufferWriter<byte>();

        var count = Format().WriteJson(writer, Array.Empty<DataPoint>(), new List<string>());

        Assert.That(count, Is.Zero);
        Assert.That(Encoding.UTF8.GetString(writer.WrittenSpan), Is.EqualTo("[]"));
    }
}

public class OpenTsdbNumberTests
{
    [Test]
    public void Write_ManyRandomValues_MatchesGeneralRoundTripForm()
    {
        var random = new Random(12345);
        for (var i = 0; i < 200_000; i++)
        {
            var value = (i % 4) switch
            {
                0 => Math.Round(random.NextDouble() * Math.Pow(10, random.Next(-3, 12)), random.Next(0, 8)),
                1 => random.NextDouble() * Math.Pow(10, random.Next(-8, 16)),
                2 => random.Next(-100000, 100000) / Math.Pow(10, random.Next(1, 7)),
                _ => BitConverter.Int64BitsToDouble(random.NextInt64()),
            };
            if (!double.IsFinite(value) || value == Math.Floor(value))
            {
                continue;
            }

            var general = value.ToString("R", System.Globalization.CultureInfo.InvariantCulture).Replace('E', 'e');
            Assert.That(OpenTsdbNumber.Format(value), Is.EqualTo(general));
        }
    }

    [TestCase(0.05, "0.05")]
    [TestCase(-0.0001, "-0.0001")]
    [TestCase(0.00012, "0.00012")]
    [TestCase(-42.125, "-42.125")]
    [TestCase(123456789012.5, "123456789012.5")]
    [TestCase(0.1 + 0.2, "0.30000000000000004")]
    public void Write_EdgeValues_ShortestRoundTrip(double value, string expected)
    {
        Assert.That(OpenTsdbNumber.Format(value), Is.EqualTo(expected));
    }
}

// Lines written again for the same series reuse its checked text: the output must not change with it.
public class OpenTsdbFormatLineReuseTests
{
    private static readonly Tags Shard = new(("shard", "s1"), ("zone", "a"));

    private static string Write(OpenTsdbFormat format, params DataPoint[] points)
    {
        var writer = new ArrayBufferWriter<byte>();
        foreach (var point in points)
        {
            Assert.That(format.WriteLine(writer, point), Is.Null);
        }

        return Encoding.UTF8.GetString(writer.WrittenSpan);
    }

    [Test]
    public void WriteLine_SameSeriesAgain_NewTimestampAndValue()
    {
        var format = new OpenTsdbFormat("web-1", 8, OpenTsdbInvalidCharacters.Replace);
        const string metric = "app.queue.value";

        var text = Write(format, new DataPoint(metric, Shard, 1700000000, 1.5), new DataPoint(metric, Shard, 1700000000, 2.25), new DataPoint(metric, Shard, 1700000010, 7));

        Assert.That(text, Is.EqualTo(
            "put app.queue.value 1700000000 1.5 host=web-1 shard=s1 zone=a\n"
            + "put app.queue.value 1700000000 2.25 host=web-1 shard=s1 zone=a\n"
            + "put app.queue.value 1700000010 7 host=web-1 shard=s1 zone=a\n"));
    }

    [Test]
    public void WriteLine_InvalidCharactersReplacedOnce_SameLineEveryReport()
    {
        var format = new OpenTsdbFormat(null, 8, OpenTsdbInvalidCharacters.Replace);
        var tags = new Tags(("path", "/a b"), ("ünit", "µs"));
        const string metric = "app lat€ncy";

        var first = Write(format, new DataPoint(metric, tags, 1, 0.5));
        var second = Write(format, new DataPoint(metric, tags, 1, 0.5));
        var fresh = Write(new OpenTsdbFormat(null, 8, OpenTsdbInvalidCharacters.Replace), new DataPoint(new string(metric.AsSpan()), new Tags(("path", "/a b"), ("ünit", "µs")), 1, 0.5));

        Assert.That(first, Is.EqualTo("put app_lat_ncy 1 0.5 path=/a_b ünit=µs\n"));
        Assert.That(second, Is.EqualTo(first));
        Assert.That(fresh, Is.EqualTo(first));
    }

    [Test]
    public void WriteLineAndValidate_RejectedSeries_SameReasonEveryTimeAndNothingWritten()
    {
        var format = new OpenTsdbFormat(null, 8, OpenTsdbInvalidCharacters.Reject);
        var point = new DataPoint("app.queue", new Tags(("path", "a b")), 1, 1.5);
        var writer = new ArrayBufferWriter<byte>();

        var first = format.WriteLine(writer, point);
        var second = format.WriteLine(writer, point);
        var validated = format.Validate(point, telnet: true);

        Assert.That(first, Does.Contain("'path'").And.Contain("U+0020"));
        Assert.That(second, Is.EqualTo(first));
        Assert.That(validated, Is.EqualTo(first));
        Assert.That(writer.WrittenCount, Is.Zero);
    }

    [Test]
    public void WriteLine_LineNearTheLimit_TheValueDecidesWhetherItFits()
    {
        var format = new OpenTsdbFormat(null, 8, OpenTsdbInvalidCharacters.Replace);
        // "put " + name + " 1 " + value + " k=v": 4 + n + 3 + value + 4 bytes; exactly 1,024 with n = 1,011 and a 2-byte value.
        var name = new string('m', 1011);
        var tags = new Tags(("k", "v"));

        var fits = format.WriteLine(new ArrayBufferWriter<byte>(), new DataPoint(name, tags, 1, 42));
        var writer = new ArrayBufferWriter<byte>();
        var tooLong = format.WriteLine(writer, new DataPoint(name, tags, 1, 0.125));

        Assert.That(fits, Is.Null);
        Assert.That(tooLong, Does.Contain("at least 1027 bytes"));
        Assert.That(writer.WrittenCount, Is.Zero);
        Assert.That(format.Validate(new DataPoint(name, tags, 1, 0.125), telnet: true), Is.EqualTo(tooLong));
        Assert.That(format.Validate(new DataPoint(name, tags, 1, 42), telnet: true), Is.Null);
    }

    [Test]
    public void WriteLine_ThreadsSharingOneFormat_EveryLineExact()
    {
        var format = new OpenTsdbFormat("web-1", 8, OpenTsdbInvalidCharacters.Replace);
        var names = Enumerable.Range(0, 3_000).Select(i => "app.m" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var wrong = 0;
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            var random = new Random(t);
            var writer = new ArrayBufferWriter<byte>(256);
            for (var i = 0; i < 100_000; i++)
            {
                var index = random.Next(names.Length);
                var seconds = 1700000000L + random.Next(3);
                writer.ResetWrittenCount();
                format.WriteLine(writer, new DataPoint(names[index], Shard, seconds, index + 0.5));
                var expected = $"put {names[index]} {seconds} {index}.5 host=web-1 shard=s1 zone=a\n";
                if (Encoding.UTF8.GetString(writer.WrittenSpan) != expected)
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            Assert.That(thread.Join(TimeSpan.FromMinutes(1)), Is.True);
        }

        Assert.That(wrong, Is.Zero);
    }
}
