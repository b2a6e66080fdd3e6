using Metrics.Reporters.Apptuit;

namespace Metrics.Reporters.Tests.Apptuit;

[TestFixture]
public sealed class ApptuitEnvironmentTests
{
    private static ApptuitEnvironment Env(params (string Key, string Value)[] vars)
    {
        var map = vars.ToDictionary(v => v.Key, v => v.Value);
        return new ApptuitEnvironment(k => map.TryGetValue(k, out var v) ? v : null);
    }

    [Test]
    public void ResolveToken_OptionGiven_WinsOverEnvironment() =>
        Assert.That(Env(("APPTUIT_API_TOKEN", "from-env")).ResolveToken("from-option"), Is.EqualTo("from-option"));

    [Test]
    public void ResolveToken_NoOption_ReadsEnvironment() =>
        Assert.That(Env(("APPTUIT_API_TOKEN", " from-env ")).ResolveToken(null), Is.EqualTo("from-env"));

    [Test]
    public void ResolveToken_Neither_ThrowsNamingOptionAndVariable()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Env().ResolveToken("  "));
        Assert.That(ex!.Message, Does.Contain("Token").And.Contain("APPTUIT_API_TOKEN"));
    }

    [TestCase("abc def")]
    [TestCase("abc\ndef")]
    [TestCase("abcéef")]
    public void ResolveToken_CharacterNotAllowedInHeader_ThrowsWithoutShowingToken(string token)
    {
        var fromOption = Assert.Throws<ArgumentException>(() => Env().ResolveToken(token));
        var fromEnv = Assert.Throws<ArgumentException>(() => Env(("APPTUIT_API_TOKEN", token)).ResolveToken(null));
        Assert.Multiple(() =>
        {
            Assert.That(fromOption!.Message, Does.Contain("Token option").And.Contain("position 3").And.Not.Contain("abc"));
            Assert.That(fromEnv!.Message, Does.Contain("APPTUIT_API_TOKEN").And.Not.Contain("def"));
        });
    }

    [Test]
    public void ParseTags_SpacedList_ParsesEveryPair() =>
        Assert.That(ApptuitEnvironment.ParseTags("k1:v1, k2:v2,k3 : v3 ,"), Is.EqualTo(new Tags(("k1", "v1"), ("k2", "v2"), ("k3", "v3"))));

    [TestCase(null)]
    [TestCase("")]
    [TestCase("  ")]
    [TestCase(" , ")]
    public void ParseTags_Blank_IsEmpty(string? text) =>
        Assert.That(ApptuitEnvironment.ParseTags(text), Is.EqualTo(Tags.Empty));

    [Test]
    public void ParseTags_ValueWithColon_IsRejectedNamingTheItem()
    {
        var ex = Assert.Throws<FormatException>(() => ApptuitEnvironment.ParseTags("k1:v1, k:v:x"));
        Assert.That(ex!.Message, Does.Contain("APPTUIT_TAGS").And.Contain("'k:v:x'").And.Contain("key1:value1"));
    }

    [TestCase("novalue")]
    [TestCase(":v")]
    [TestCase("k:")]
    public void ParseTags_MissingKeyOrValue_IsRejected(string text) =>
        Assert.That(() => ApptuitEnvironment.ParseTags(text), Throws.TypeOf<FormatException>().With.Message.Contain("APPTUIT_TAGS"));

    [Test]
    public void ParseTags_RepeatedKey_LastValueWinsAsInApptuitPy() =>
        Assert.That(ApptuitEnvironment.ParseTags("env:prod, region:eu, env:staging"), Is.EqualTo(new Tags(("env", "staging"), ("region", "eu"))));

    [Test]
    public void ParseTags_EqualsSignInValue_IsPartOfTheValue() =>
        Assert.That(ApptuitEnvironment.ParseTags("build:a=b, x:y"), Is.EqualTo(new Tags(("build", "a=b"), ("x", "y"))));

    [Test]
    public void ResolveTags_OptionGiven_IgnoresEnvironment() =>
        Assert.That(Env(("APPTUIT_TAGS", "a:b")).ResolveTags(new Tags(("x", "y"))), Is.EqualTo(new Tags(("x", "y"))));

    [Test]
    public void ResolveTags_NoOption_ReadsEnvironment() =>
        Assert.That(Env(("APPTUIT_TAGS", "a:b")).ResolveTags(null), Is.EqualTo(new Tags(("a", "b"))));

    [Test]
    public void ResolveTags_OnlyApptuitPyTagsSet_ReadsItAsApptuitPyDoes() =>
        Assert.That(Env(("APPTUIT_PY_TAGS", "env:prod, dc:blr")).ResolveTags(null), Is.EqualTo(new Tags(("env", "prod"), ("dc", "blr"))));

    [Test]
    public void ResolveTags_BothVariablesSet_ApptuitTagsWins() =>
        Assert.That(Env(("APPTUIT_TAGS", "env:new"), ("APPTUIT_PY_TAGS", "env:old, dc:blr")).ResolveTags(null), Is.EqualTo(new Tags(("env", "new"))));

    [Test]
    public void ResolveTags_ApptuitPyTagsMalformed_ThrowsNamingThatVariable() =>
        Assert.That(() => Env(("APPTUIT_PY_TAGS", "k:v:x")).ResolveTags(null),
            Throws.TypeOf<FormatException>().With.Message.StartWith("APPTUIT_PY_TAGS has the item 'k:v:x'"));

    [Test]
    public void ResolveToken_OnlyApptuitPyTokenSet_ReadsItAsApptuitPyDoes() =>
        Assert.That(Env(("APPTUIT_PY_TOKEN", " old-token ")).ResolveToken(null), Is.EqualTo("old-token"));

    [Test]
    public void ResolveToken_BothVariablesSet_ApptuitApiTokenWins() =>
        Assert.That(Env(("APPTUIT_API_TOKEN", "new-token"), ("APPTUIT_PY_TOKEN", "old-token")).ResolveToken(null), Is.EqualTo("new-token"));

    [TestCase("true", true)]
    [TestCase("True", true)]
    [TestCase("YES", true)]
    [TestCase("1", true)]
    [TestCase("on", true)]
    [TestCase("t", true)]
    [TestCase("Y", true)]
    [TestCase("f", false)]
    [TestCase("N", false)]
    [TestCase(" off ", false)]
    [TestCase("false", false)]
    [TestCase("no", false)]
    [TestCase("0", false)]
    [TestCase("off", false)]
    [TestCase("", false)]
    public void ResolveDisableHostTag_Words_AreUnderstood(string text, bool expected) =>
        Assert.That(Env(("APPTUIT_DISABLE_HOST_TAG", text)).ResolveDisableHostTag(null), Is.EqualTo(expected));

    [Test]
    public void ResolveDisableHostTag_Unset_IsFalse() =>
        Assert.That(Env().ResolveDisableHostTag(null), Is.False);

    [Test]
    public void ResolveDisableHostTag_OptionGiven_WinsOverEnvironment() =>
        Assert.That(Env(("APPTUIT_DISABLE_HOST_TAG", "true")).ResolveDisableHostTag(false), Is.False);

    [Test]
    public void ResolveDisableHostTag_NotAWord_ThrowsClearError() =>
        Assert.That(() => Env(("APPTUIT_DISABLE_HOST_TAG", "maybe")).ResolveDisableHostTag(null),
            Throws.TypeOf<FormatException>().With.Message.Contain("APPTUIT_DISABLE_HOST_TAG").And.Message.Contain("'maybe'"));
}
