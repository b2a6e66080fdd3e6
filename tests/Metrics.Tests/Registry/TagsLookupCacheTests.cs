namespace Metrics.Tests.Registry;

public class TagsLookupCacheTests
{
    private static readonly Tags Eu = new(("region", "eu"), ("code", "200"));

    [Test]
    public void PrebuiltTagsLookup_IsServedByReferenceAfterTheFirstLookup()
    {
        var registry = new MetricsRegistry();
        var counter = registry.Counter("orders", Eu);
        registry.Counter("orders", Eu);

        Assert.That(registry.Table.FindCachedByTags("orders", Eu)?.Metric, Is.SameAs(counter));
    }

    [Test]
    public void PrebuiltTagsLookup_AfterRemove_NeverReturnsTheRemovedSeries()
    {
        var registry = new MetricsRegistry();
        var old = registry.Counter("orders", Eu);
        registry.Counter("orders", Eu).Inc(5);

        registry.Remove("orders", Eu);
        var fresh = registry.Counter("orders", Eu);

        Assert.Multiple(() =>
        {
            Assert.That(fresh, Is.Not.SameAs(old));
            Assert.That(fresh.Count, Is.Zero);
            Assert.That(registry.Counter("orders", Eu), Is.SameAs(fresh));
            Assert.That(registry.Counter("orders", new Tags(("code", "200"), ("region", "eu"))), Is.SameAs(fresh));
        });
    }

    [Test]
    public void PrebuiltTagsLookup_OfAnotherTypeAfterRemove_GetsTheNewType()
    {
        var registry = new MetricsRegistry();
        registry.Counter("orders", Eu);
        registry.Counter("orders", Eu);

        registry.Remove("orders", Eu);

        Assert.That(registry.Meter("orders", Eu).Count, Is.Zero);
    }

    [Test]
    public void PrebuiltTagsLookup_ManyInstances_EachFindsItsOwnSeries()
    {
        var registry = new MetricsRegistry(new MetricsOptions { MaxSeriesPerName = 10_000 });
        var tags = Enumerable.Range(0, 3000).Select(i => new Tags(("shard", "s" + i))).ToArray();
        for (var round = 0; round < 3; round++)
        {
            foreach (var t in tags)
            {
                registry.Counter("requests", t).Inc();
            }
        }

        Assert.That(tags.Select(t => registry.Counter("requests", new Tags(t.Select(p => (p.Key, p.Value)).ToArray())).Count), Has.All.EqualTo(3));
    }

    [Test]
    public void PrebuiltTagsLookup_ConcurrentWithRemoves_ReachesTheHeldSeriesAfterwards()
    {
        var registry = new MetricsRegistry();
        Hammer.RemoveWhileIncrementing(() => registry.Remove("hot", Eu), () => registry.Counter("hot", Eu).Inc());

        var held = registry.Counter("hot", new Tags(("region", "eu"), ("code", "200")));
        var before = held.Count;
        registry.Counter("hot", Eu).Inc();

        Assert.That(held.Count, Is.EqualTo(before + 1));
    }
}
