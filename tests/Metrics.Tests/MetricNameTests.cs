namespace Metrics.Tests;

public class MetricNameTests
{
    [Test]
    public void Encode_GoldenVector_MatchesPyformance()
    {
        var encoded = MetricName.Encode("requests", new Tags(("region", "eu"), ("code", "200")));

        Assert.That(encoded, Is.EqualTo("requests{\"code\": \"200\", \"region\": \"eu\"}"));
    }

    [Test]
    public void Encode_NonAscii_EscapesAsLowercaseUnicode()
    {
        var encoded = MetricName.Encode("order_count", new Tags(("city", "Zürich"), ("name", "東京")));

        Assert.That(encoded, Is.EqualTo("order_count{\"city\": \"Z\\u00fcrich\", \"name\": \"\\u6771\\u4eac\"}"));
    }

    [Test]
    public void Encode_KeysBeyondTheBasicPlane_SortedByCodePointLikePython()
    {
        // python3 -c 'import json; print("m" + json.dumps({"\uff01": "a", "\U0001F600": "b", "z": "c"}, sort_keys=True))'
        var encoded = MetricName.Encode("m", new Tags(("\U0001F600", "b"), ("\uFF01", "a"), ("z", "c")));

        Assert.That(encoded, Is.EqualTo("m{\"z\": \"c\", \"\\uff01\": \"a\", \"\\ud83d\\ude00\": \"b\"}"));
    }

    [Test]
    public void Encode_QuotesBackslashesAndControls_AreEscapedLikeJsonDumps()
    {
        var encoded = MetricName.Encode("m", new Tags(("k", "a\"b\\c\nd\te\u0001")));

        Assert.That(encoded, Is.EqualTo("m{\"k\": \"a\\\"b\\\\c\\nd\\te\\u0001\"}"));
    }

    [Test]
    public void Encode_NoTags_IsTheNameAlone()
    {
        Assert.Multiple(() =>
        {
            Assert.That(MetricName.Encode("orders", Tags.Empty), Is.EqualTo("orders"));
            Assert.That(MetricName.Encode("orders", null), Is.EqualTo("orders"));
        });
    }

    [TestCase("order_count{\"city\": \"blr\"}")]
    [TestCase("order_count{\"city\":\"blr\"}")]
    [TestCase("  order_count  {  \"city\"  :  \"blr\"  }  ")]
    [TestCase("order_count{\n  \"city\": \"blr\"\n}")]
    [TestCase("order_count{\"c\\u0069ty\": \"\\u0062lr\"}")]
    public void Decode_AnySpacingOrEscaping_GivesTheSameId(string encoded)
    {
        var id = MetricName.Decode(encoded);

        Assert.That(id, Is.EqualTo(new MetricId("order_count", new Tags(("city", "blr")))));
    }

    [Test]
    public void Decode_NonAsciiEscapes_AreDecoded()
    {
        var id = MetricName.Decode("order_count{\"city\": \"Z\\u00fcrich\"}");

        Assert.That(id.Tags["city"], Is.EqualTo("Zürich"));
    }

    [Test]
    public void Decode_NumbersAndBooleans_KeepTheirJsonText()
    {
        var id = MetricName.Decode("m{\"code\": 200, \"ok\": true, \"ratio\": 0.5}");

        Assert.That(id.Tags, Is.EqualTo(new Tags(("code", "200"), ("ok", "true"), ("ratio", "0.5"))));
    }

    [Test]
    public void EncodeThenDecode_RoundTrips()
    {
        var tags = new Tags(("city", "Zürich"), ("quote", "a\"b"), ("k", "v"));

        var id = MetricName.Decode(MetricName.Encode("name", tags));

        Assert.That(id, Is.EqualTo(new MetricId("name", tags)));
    }

    [TestCase("orders{", TestName = "Decode_UnclosedBrace_ThrowsFormatExceptionQuotingIt")]
    [TestCase("orders{\"region\": }", TestName = "Decode_MissingValue_ThrowsFormatExceptionQuotingIt")]
    [TestCase("orders{\"region\": [1]}", TestName = "Decode_ArrayValue_ThrowsFormatExceptionQuotingIt")]
    [TestCase("{\"region\": \"eu\"}", TestName = "Decode_EmptyName_ThrowsFormatExceptionQuotingIt")]
    [TestCase("orders{\"a\": \"1\", \"a\": \"2\"}", TestName = "Decode_RepeatedKey_ThrowsFormatExceptionQuotingIt")]
    [TestCase("   ", TestName = "Decode_Blank_ThrowsFormatExceptionQuotingIt")]
    public void Decode_Malformed_ThrowsFormatExceptionQuotingTheText(string encoded)
    {
        var ex = Assert.Throws<FormatException>(() => MetricName.Decode(encoded));

        Assert.That(ex!.Message, Does.Contain("'" + encoded + "'"));
    }

    [Test]
    public void Decode_LoneSurrogateEscape_ThrowsFormatException()
    {
        var ex = Assert.Throws<FormatException>(() => MetricName.Decode("m{\"k\": \"\\ud800\"}"));

        Assert.That(ex!.Message, Does.Contain("not valid Unicode text"));
    }

    [TestCase("m{x")]
    [TestCase("  ")]
    public void Encode_NameThatCannotBeDecoded_ThrowsArgumentException(string name) =>
        Assert.That(() => MetricName.Encode(name, new Tags(("k", "v"))), Throws.ArgumentException.With.Property("ParamName").EqualTo("name"));

    [Test]
    public void MetricId_ToString_IsTheEncodedForm()
    {
        Assert.That(new MetricId("orders", new Tags(("region", "eu"))).ToString(), Is.EqualTo("orders{\"region\": \"eu\"}"));
    }
}
