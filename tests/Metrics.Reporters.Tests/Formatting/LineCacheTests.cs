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
