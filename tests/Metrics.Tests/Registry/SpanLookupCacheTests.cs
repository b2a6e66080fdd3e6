using System.Globalization;

namespace Metrics.Tests.Registry;

public class SpanLookupCacheTests
{
    [Test]
    public void SpanLookup_FromALiteralCallSite_IsServedByReferenceAfterTheFirstLookup()
    {
        var registry = new MetricsRegistry();
        var counter = registry.Counter("http.requests", ("method", "GET"), ("route", "/orders/{id}"), ("status", "200"));
        registry.Counter("http.requests", ("method", "GET"), ("route", "/orders/{id}"), ("status", "200"));

        var cached = registry.Table.FindCached("http.requests", [("status", "200"), ("method", "GET"), ("route", "/orders/{id}")]);

        Assert.That(cached?.Metric, Is.SameAs(counter));
    }

    [Test]
    public void SpanLookup_AfterRemove_NeverReturnsTheRemovedSeries()
    {
        var registry = new MetricsRegistry();
        var old = registry.Counter("orders", ("region", "eu"), ("code", "200"));
        registry.Counter("orders", ("code", "200"), ("region", "eu"));
        registry.Counter("orders", ("region", "eu"), ("code", "200")).Inc(5);

        registry.Remove("orders", new Tags(("region", "eu"), ("code", "200")));
        var fresh = registry.Counter("orders", ("region", "eu"), ("code", "200"));

        Assert.Multiple(() =>
        {
            Assert.That(fresh, Is.Not.SameAs(old));
            Assert.That(fresh.Count, Is.Zero);
            Assert.That(registry.Counter("orders", ("code", "200"), ("region", "eu")), Is.SameAs(fresh));
        });
    }

    [Test]
    public void SpanLookup_WithStringsBuiltAtRunTime_FindsTheSameSeries()
    {
        var registry = new MetricsRegistry();
        var literal = registry.Counter("orders", ("code", "200"));

        for (var i = 0; i < 3; i++)
        {
            var code = (200 + (i * 0)).ToString(CultureInfo.InvariantCulture);
            Assert.That(registry.Counter("orders", ("code", code)), Is.SameAs(literal));
        }

        Assert.That(registry.Counter("orders", ("code", "200")), Is.SameAs(literal));
    }

    [Test]
    public void SpanLookup_ManySeriesOfSimilarShape_EachFindsItsOwn()
    {
        // Values of the same length and first/last characters collide in the cache's index; lookups must still be exact.
        var registry = new MetricsRegistry();
        var codes = new[] { "200", "210", "220", "230", "240", "250", "260", "270", "280", "290" };
        foreach (var code in codes)
        {
            registry.Counter("http", ("code", code)).Inc();
        }

        for (var round = 0; round < 3; round++)
        {
            foreach (var code in codes)
            {
                registry.Counter("http", ("code", code)).Inc();
            }
        }

        Assert.That(codes.Select(c => registry.Counter("http", new Tags(("code", c))).Count), Has.All.EqualTo(4));
    }

    [Test]
    public void SpanLookup_ConcurrentWithRemoves_EveryIncrementLandsInAHeldSeriesOrARemovedOne()
    {
        var registry = new MetricsRegistry();
        var incs = Hammer.RemoveWhileIncrementing(
            () => registry.Remove("hot", new Tags(("k", "v"))), () => registry.Counter("hot", ("k", "v")).Inc());

        // After the removals stop, the span lookup must reach the series the registry holds, not a removed one.
        var held = registry.Counter("hot", new Tags(("k", "v")));
        var before = held.Count;
        registry.Counter("hot", ("k", "v")).Inc();

        Assert.Multiple(() =>
        {
            Assert.That(held.Count, Is.EqualTo(before + 1));
            Assert.That(incs, Is.GreaterThan(0));
        });
    }

    [Test]
    public void SpanLookup_OfAFoldedSeries_ReachesTheOverflowSeries()
    {
        var registry = new MetricsRegistry(new MetricsOptions { MaxSeriesPerName = 1 });
        registry.Counter("logins", ("user", "a"));

        for (var i = 0; i < 3; i++)
        {
            registry.Counter("logins", ("user", "b")).Inc();
        }

        Assert.Multiple(() =>
        {
            Assert.That(registry.Counter("logins", new Tags(("metrics_overflow", "true"))).Count, Is.EqualTo(3));
            Assert.That(registry.GetFoldedSeriesCount("logins"), Is.EqualTo(1));
        });
    }
}
