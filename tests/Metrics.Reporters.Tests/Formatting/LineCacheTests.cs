using Metrics.Reporters.Formatting;

namespace Metrics.Reporters.Tests.Formatting;

public class LineCacheTests
{
    private static readonly Tags Shard = new(("shard", "s1"));

    [Test]
    public void Find_AfterAdd_ReturnsTheEntryForTheSameInstancesOnly()
    {
        var cache = new LineCache<Entry>();
        var metric = "app.queue.value";
        var entry = new Entry(metric, Shard, "web-1", 1);

        cache.Add(entry);

        Assert.That(cache.Find(metric, Shard, "web-1"), Is.SameAs(entry));
        Assert.That(cache.Find(new string(metric.AsSpan()), Shard, "web-1"), Is.Null, "matched by identity: an equal string built again is another name");
        Assert.That(cache.Find(metric, new Tags(("shard", "s1")), "web-1"), Is.Null);
        Assert.That(cache.Find(metric, Shard, "web-2"), Is.Null);
    }

    [Test]
    public void Find_ReportsInChangingOrder_EveryLookupReturnsTheEntryOfItsOwnSeries()
    {
        // Two series per name (same name instance, other tags): when the order changes, the entry the previous
        // report had next is often the other series of the same name.
        var other = new Tags(("shard", "s2"));
        var cache = new LineCache<Entry>();
        var keys = Enumerable.Range(0, 200)
            .SelectMany(i => new[] { ("m" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), Shard), (null!, other) })
            .ToArray();
        for (var i = 1; i < keys.Length; i += 2)
        {
            keys[i].Item1 = keys[i - 1].Item1;
        }

        var entries = keys.Select((k, i) => new Entry(k.Item1, k.Item2, null, i)).ToArray();
        foreach (var entry in entries)
        {
            cache.Add(entry);
        }

        var inOrder = Enumerable.Range(0, keys.Length).ToArray();
        var swapped = inOrder.Select(i => i ^ 1).ToArray();
        var reversed = inOrder.Reverse().ToArray();
        var thinned = inOrder.Where(i => i % 3 != 0).ToArray();
        Assert.Multiple(() =>
        {
            // The order they were added in: every lookup is answered from the previous order.
            foreach (var i in inOrder)
            {
                Assert.That(cache.Find(keys[i].Item1, keys[i].Item2, null), Is.SameAs(entries[i]), $"series {i} in the same order");
            }

            // Other orders: the table (lossy, a set keeps at most eight entries) may miss, but a hit is always the
            // series' own entry, never the one the previous order had next.
            foreach (var (report, order) in new[] { ("swapped", swapped), ("reversed", reversed), ("thinned", thinned), ("same", inOrder), ("swapped again", swapped) })
            {
                foreach (var i in order)
                {
                    var found = cache.Find(keys[i].Item1, keys[i].Item2, null);
                    Assert.That(found is null || ReferenceEquals(found, entries[i]), Is.True, $"{report} report, series {i}: found {found?.Value}");
                }

                Assert.That(cache.Find(keys[0].Item1, new Tags(("shard", "s3")), null), Is.Null, $"{report} report, a series never added");
            }
        });
    }

    [Test]
    public void Add_FarMoreNamesThanSlots_StaysBoundedAndKeepsRecentEntries()
    {
        var cache = new LineCache<Entry>();
        var names = Enumerable.Range(0, 600_000).Select(i => "m" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        foreach (var name in names)
        {
            cache.Add(new Entry(name, Shard, null, 0));
        }

        Assert.That(cache.Slots, Is.LessThanOrEqualTo(1 << 18));
        Assert.That(cache.Find(names[^1], Shard, null), Is.Not.Null);
    }

    [Test]
    public void Find_SteadySetOfSeries_GrowsUntilAlmostEveryLookupHits()
    {
        var cache = new LineCache<Entry>();
        var names = Enumerable.Range(0, 6_200).Select(i => "m" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var misses = 0;
        for (var report = 0; report < 20; report++)
        {
            misses = 0;
            foreach (var name in names)
            {
                if (cache.Find(name, Shard, null) is null)
                {
                    misses++;
                    cache.Add(new Entry(name, Shard, null, 0));
                }
            }
        }

        Assert.That(misses, Is.LessThan(names.Length / 256), "a report of the same series finds nearly all of them");
        Assert.That(cache.Slots, Is.LessThanOrEqualTo(1 << 15));
    }

    [Test]
    public void FindAndAdd_ThreadsHammeringOneCache_EveryHitIsTheEntryOfItsKey()
    {
        var cache = new LineCache<Entry>();
        var names = Enumerable.Range(0, 5_000).Select(i => "m" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var wrong = 0;
        var hits = 0;
        RunThreads(4, thread =>
        {
            var random = new Random(thread);
            for (var i = 0; i < 400_000; i++)
            {
                var index = random.Next(names.Length);
                var found = cache.Find(names[index], Shard, null);
                if (found is null)
                {
                    cache.Add(new Entry(names[index], Shard, null, index));
                }
                else
                {
                    Interlocked.Increment(ref hits);
                    if (found.Value != index || !ReferenceEquals(found.Metric, names[index]))
                    {
                        Interlocked.Increment(ref wrong);
                    }
                }
            }
        });

        Assert.That(wrong, Is.Zero);
        Assert.That(hits, Is.GreaterThan(1_000_000));
    }

    private static void RunThreads(int count, Action<int> work)
    {
        using var start = new Barrier(count);
        var errors = new List<Exception>();
        var threads = Enumerable.Range(0, count).Select(i => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                work(i);
            }
            catch (Exception ex)
            {
                lock (errors)
                {
                    errors.Add(ex);
                }
            }
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            Assert.That(thread.Join(TimeSpan.FromMinutes(1)), Is.True, "a thread hung");
        }

        Assert.That(errors, Is.Empty);
    }

    private sealed class Entry(string metric, Tags tags, object? context, int value) : LineCacheEntry(metric, tags, context)
    {
        public int Value { get; } = value;
    }
}
