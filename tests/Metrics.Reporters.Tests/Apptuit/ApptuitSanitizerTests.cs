using Metrics.Reporters.Apptuit;

namespace Metrics.Reporters.Tests.Apptuit;

[TestFixture]
public sealed class ApptuitSanitizerTests
{
    [TestCase("node.load_avg.1m", "node_load_avg_1m")]
    [TestCase("1m_rate", "_1m_rate")]
    [TestCase("proc.cpu.percent", "proc_cpu_percent")]
    [TestCase("already_valid", "already_valid")]
    [TestCase("a..b", "a_b")]
    [TestCase("a__b", "a_b")]
    [TestCase("a-b/c d", "a_b_c_d")]
    [TestCase("_1m", "_1m")]
    [TestCase("9", "_9")]
    [TestCase("ünïcode.näme", "_n_code_n_me")]
    [TestCase("requests.999_percentile", "requests_999_percentile")]
    public void Prometheus_GoldenVectors_MatchProtocol(string input, string expected) =>
        Assert.That(ApptuitSanitizer.Sanitize(input, ApptuitSanitizeMode.Prometheus), Is.EqualTo(expected));

    [TestCase("node.load_avg.1m", "node.load_avg.1m")]
    [TestCase("1m_rate", "1m_rate")]
    [TestCase("a-b/c.d_e", "a-b/c.d_e")]
    [TestCase("a b", "a_b")]
    [TestCase("a  b", "a_b")]
    [TestCase("a _b", "a_b")]
    [TestCase("cpu%usage", "cpu_usage")]
    [TestCase("ünïcode.näme", "ünïcode.näme")]
    [TestCase("日本語.メトリック", "日本語.メトリック")]
    [TestCase("temp°c", "temp_c")]
    [TestCase("rocket🚀launch", "rocket_launch")]
    [TestCase("math𝒜", "math𝒜")]
    [TestCase("digits٣", "digits٣")]
    [TestCase("area.m²", "area.m²")]
    [TestCase("chapterⅫ", "chapterⅫ")]
    [TestCase("half½", "half½")]
    [TestCase("cafe\u0301", "cafe_")]
    public void Apptuit_GoldenVectors_KeepUnicodeLettersAndDigits(string input, string expected) =>
        Assert.That(ApptuitSanitizer.Sanitize(input, ApptuitSanitizeMode.Apptuit), Is.EqualTo(expected));

    [TestCase("node.load_avg.1m")]
    [TestCase("a-b/c_d")]
    [TestCase("ünïcode")]
    [TestCase("area.m²")]
    public void None_ValidName_IsUnchanged(string input) =>
        Assert.That(ApptuitSanitizer.Sanitize(input, ApptuitSanitizeMode.None), Is.EqualTo(input));

    [Test]
    public void None_InvalidCharacter_ThrowsNamingCharacterAndRemedy()
    {
        var ex = Assert.Throws<ArgumentException>(() => ApptuitSanitizer.Sanitize("cpu usage%", ApptuitSanitizeMode.None));
        Assert.That(ex!.Message, Does.Contain("'cpu usage%'").And.Contain("U+0020").And.Contain("position 3").And.Contain("sanitize mode"));
    }

    [Test]
    public void None_PercentSign_QuotesIt()
    {
        var ex = Assert.Throws<ArgumentException>(() => ApptuitSanitizer.Sanitize("cpu%", ApptuitSanitizeMode.None));
        Assert.That(ex!.Message, Does.Contain("'%'"));
    }

    [TestCase(ApptuitSanitizeMode.Prometheus)]
    [TestCase(ApptuitSanitizeMode.Apptuit)]
    [TestCase(ApptuitSanitizeMode.None)]
    public void Sanitize_EmptyName_ThrowsClearError(ApptuitSanitizeMode mode)
    {
        var ex = Assert.Throws<ArgumentException>(() => ApptuitSanitizer.Sanitize(string.Empty, mode));
        Assert.That(ex!.Message, Does.Contain("empty"));
    }

    [Test]
    public void Prometheus_ValidName_ReturnsSameInstance()
    {
        var name = "cpu_usage";
        Assert.That(ApptuitSanitizer.Sanitize(name, ApptuitSanitizeMode.Prometheus), Is.SameAs(name));
    }
}
