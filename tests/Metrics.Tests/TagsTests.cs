namespace Metrics.Tests;

public class TagsTests
{
    [Test]
    public void Constructor_SortsByKeyOrdinally()
    {
        var tags = new Tags(("zone", "a"), ("Region", "eu"), ("code", "200"));

        Assert.That(tags.Select(p => p.Key), Is.EqualTo(new[] { "Region", "code", "zone" }));
    }

    [Test]
    public void Equality_IgnoresConstructionOrder()
    {
        var a = new Tags(("region", "eu"), ("code", "200"));
        var b = new Tags(new Dictionary<string, string> { ["code"] = "200", ["region"] = "eu" });

        Assert.Multiple(() =>
        {
            Assert.That(a, Is.EqualTo(b));
            Assert.That(a == b, Is.True);
            Assert.That(a.GetHashCode(), Is.EqualTo(b.GetHashCode()));
        });
    }

    [Test]
    public void Equality_DiffersOnAnyValue()
    {
        var a = new Tags(("region", "eu"));
        var b = new Tags(("region", "EU"));

        Assert.Multiple(() =>
        {
            Assert.That(a, Is.Not.EqualTo(b));
            Assert.That(a != b, Is.True);
        });
    }

    [Test]
    public void HashOf_Span_EqualsTheHashOfTheTagsInAnyOrder()
    {
        var tags = new Tags(("a", "1"), ("b", "2"), ("c", "3"));

        Assert.Multiple(() =>
        {
            Assert.That(Tags.HashOf([("c", "3"), ("a", "1"), ("b", "2")]), Is.EqualTo(tags.GetHashCode()));
            Assert.That(tags.SetEquals([("b", "2"), ("c", "3"), ("a", "1")]), Is.True);
            Assert.That(tags.SetEquals([("b", "2"), ("c", "3")]), Is.False);
            Assert.That(tags.SetEquals([("b", "2"), ("c", "3"), ("a", "9")]), Is.False);
            Assert.That(tags.SetEquals([("a", "1"), ("a", "1"), ("b", "2")]), Is.False, "a repeated key must not stand in for the missing one");
        });
    }

    [Test]
    public void Constructor_DuplicateKey_ThrowsNamingIt()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new Tags(("region", "eu"), ("region", "us")));

        Assert.That(ex!.Message, Does.Contain("'region'").And.Contain("more than once"));
    }

    [TestCase(null)]
    [TestCase("")]
    public void Constructor_EmptyKey_Throws(string? key)
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new Tags((key!, "v")));

        Assert.That(ex!.Message, Does.Contain("tag key is null or empty"));
    }

    [Test]
    public void Constructor_NullValue_ThrowsNamingTheKey()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new Tags(("region", null!)));

        Assert.That(ex!.Message, Does.Contain("'region'"));
    }

    [Test]
    public void Merge_OverridesWin()
    {
        var global = new Tags(("env", "prod"), ("region", "eu"));
        var own = new Tags(("region", "us"), ("host", "h1"));

        var merged = global.Merge(own);

        Assert.That(merged, Is.EqualTo(new Tags(("env", "prod"), ("host", "h1"), ("region", "us"))));
    }

    [Test]
    public void Merge_WithEmpty_ReturnsTheOtherSide()
    {
        var tags = new Tags(("a", "1"));

        Assert.Multiple(() =>
        {
            Assert.That(tags.Merge(Tags.Empty), Is.SameAs(tags));
            Assert.That(Tags.Empty.Merge(tags), Is.SameAs(tags));
        });
    }

    [Test]
    public void WithAndWithout_ReturnNewSetsAndLeaveTheOriginal()
    {
        var tags = new Tags(("a", "1"));

        var added = tags.With("b", "2").With("a", "9");
        var removed = added.Without("b");

        Assert.Multiple(() =>
        {
            Assert.That(tags, Is.EqualTo(new Tags(("a", "1"))));
            Assert.That(added, Is.EqualTo(new Tags(("a", "9"), ("b", "2"))));
            Assert.That(removed, Is.EqualTo(new Tags(("a", "9"))));
            Assert.That(removed.Without("missing"), Is.SameAs(removed));
        });
    }

    [Test]
    public void Indexer_MissingKey_ThrowsNamingIt()
    {
        var tags = new Tags(("a", "1"));

        Assert.Multiple(() =>
        {
            Assert.That(tags["a"], Is.EqualTo("1"));
            Assert.That(() => tags["b"], Throws.TypeOf<KeyNotFoundException>().With.Message.Contain("'b'"));
            Assert.That(tags.ContainsKey("b"), Is.False);
        });
    }

    [Test]
    public void TryGetValue_PresentAndMissingKeys()
    {
        var tags = new Tags(("region", "eu"), ("code", "200"));

        var found = tags.TryGetValue("code", out var code);
        var missing = tags.TryGetValue("host", out var host);

        Assert.Multiple(() =>
        {
            Assert.That((found, code), Is.EqualTo((true, "200")));
            Assert.That((missing, host), Is.EqualTo((false, (string?)null)));
            Assert.That(tags.ToDictionary(p => p.Key, p => p.Value), Is.EqualTo(new Dictionary<string, string> { ["code"] = "200", ["region"] = "eu" }));
        });
    }

    [Test]
    public void ToString_ListsPairsInKeyOrder()
    {
        Assert.That(new Tags(("region", "eu"), ("code", "200")).ToString(), Is.EqualTo("{code=200, region=eu}"));
    }
}
