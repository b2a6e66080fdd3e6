using Metrics.Histograms;
using Metrics.Primitives;
using Metrics.Testing;

namespace Metrics.Tests.Histograms;

/// <summary>Recording threads each write a part of their own (or the shared one beyond the slot limit); reads sum them.</summary>
public class HdrPartsTests
{
    [Test]
    public void SharedPart_SumCarriesWhileReaderReads_ReaderNeverSeesTheSumGoDownAndEndsExact()
    {
        // 2^61 a value: the low half of the 128-bit sum wraps every 8 values, so carries happen all the time while
        // the writers (the shared part's atomic path) add and a reader keeps reading the sum. More writers than cores,
        // so a writer is now and then preempted in the middle of a carry; a few rounds to give that every chance.
        const long value = 1L << 61;
        const int writers = 24;
        const int perWriter = 50_000;
        for (var round = 0; round < 6; round++)
        {
            var part = new HdrPart(new HdrLayout(2, long.MaxValue));
            var done = 0;
            var decreases = 0;
            var reader = new Thread(() =>
            {
                var last = UInt128.Zero;
                while (Volatile.Read(ref done) < writers)
                {
                    var sum = UInt128.Zero;
                    var fractions = 0.0;
                    part.AddSumTo(ref sum, ref fractions);
                    if (sum < last)
                    {
                        decreases++;
                    }

                    last = sum;
                }
            });
            reader.Start();

            Hammer.Run(writers, _ =>
            {
                for (var i = 0; i < perWriter; i++)
                {
                    part.RecordShared(value);
                }

                Interlocked.Increment(ref done);
            });
            reader.Join();

            var total = UInt128.Zero;
            var unused = 0.0;
            part.AddSumTo(ref total, ref unused);
            Assert.Multiple(() =>
            {
                Assert.That(decreases, Is.Zero, "a read took a wrapped low half with the old high half (2^64 short)");
                Assert.That(total, Is.EqualTo((UInt128)value * writers * perWriter));
                Assert.That(part.Count, Is.EqualTo((long)writers * perWriter));
            });
        }
    }

    [Test]
    public void Update_MoreThreadsThanOwnedSlots_CountSumMinMaxClampedRejectedExact()
    {
        var histogram = Create();
        var threads = ThreadSlots.OwnedLimit + 8;
        const int perThread = 20_000;
        using var allStarted = new Barrier(threads);

        // Every thread records once, then waits until all are live, so at least 8 of them own no slot.
        Hammer.Run(threads, t =>
        {
            histogram.Update(t + 1L);
            allStarted.SignalAndWait();
            for (var i = 1; i < perThread; i++)
            {
                histogram.Update((long)((i % 1_000) + 1));
                histogram.Update(2.5);
            }

            histogram.Update(-1L);
            histogram.Update(double.NaN);
            histogram.Update(long.MaxValue);
        });

        // Per thread: t + 1, then 2 + ... + 1000 and (1 + ... + 1000) nineteen times, 2.5 per loop, and one clamped value.
        const long loopIntegers = (500_500L * 19) + 500_499L;
        var highest = new HistogramOptions().HighestTrackableValue;
        var expectedSum = (threads * (threads + 1) / 2.0) + (threads * (loopIntegers + (double)highest)) + (threads * (perThread - 1) * 2.5);
        var snapshot = histogram.GetSnapshot();
        var expectedCount = 2L * perThread * threads;
        Assert.Multiple(() =>
        {
            Assert.That(histogram.Count, Is.EqualTo(expectedCount));
            Assert.That(snapshot.Count, Is.EqualTo(expectedCount));
            Assert.That(snapshot.Buckets.Sum(b => b.Count), Is.EqualTo(expectedCount));
            Assert.That(snapshot.Sum, Is.EqualTo(expectedSum));
            Assert.That(snapshot.Min, Is.EqualTo(1));
            Assert.That(snapshot.Max, Is.EqualTo(highest));
            Assert.That(snapshot.Clamped, Is.EqualTo(threads));
            Assert.That(snapshot.Rejected, Is.EqualTo(2 * threads));
            Assert.That(histogram.Hdr!.PartCount, Is.LessThanOrEqualTo(ThreadSlots.OwnedLimit + 1));
        });
    }

    [Test]
    public void Update_ThreadsThatEndAndAreReplaced_KeepEveryValueAndReuseTheirParts()
    {
        CollectEndedThreads();
        var inUse = ThreadSlots.InUse;
        var histogram = Create();
        const int rounds = 12;
        const int threads = 3;
        const int perThread = 10_000;
        var slots = new HashSet<int>();
        for (var round = 0; round < rounds; round++)
        {
            Hammer.Run(threads, t =>
            {
                lock (slots)
                {
                    slots.Add(ThreadSlots.Current);
                }

                for (var i = 0; i < perThread; i++)
                {
                    histogram.Update((long)(round + 1));
                }
            });

            // An ended thread's slot comes back once its storage is finalized; the next threads then reuse it.
            for (var attempt = 0; attempt < 20 && ThreadSlots.InUse > inUse; attempt++)
            {
                CollectEndedThreads();
            }
        }

        var snapshot = histogram.GetSnapshot();
        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Count, Is.EqualTo(rounds * threads * perThread));
            Assert.That(snapshot.Sum, Is.EqualTo(threads * perThread * (rounds * (rounds + 1) / 2.0)));
            Assert.That(snapshot.Buckets.Select(b => b.Value), Is.EqualTo(Enumerable.Range(1, rounds).Select(v => (double)v)));
            Assert.That(snapshot.Buckets.Select(b => b.Count), Has.All.EqualTo(threads * perThread));
            Assert.That(
                histogram.Hdr!.PartCount,
                Is.EqualTo(slots.Count),
                "threads that replace ended ones must record into the parts of their slots, not new ones");
        });
    }

    [Test]
    public void GetWindow_ReadWhileMoreThreadsThanSlotsRecord_EveryValueInExactlyOneWindow([Values] bool reuse)
    {
        var histogram = Create();
        var writers = ThreadSlots.OwnedLimit + 4;
        const int perThread = 30_000;
        var writersLeft = writers;
        var windows = new List<HistogramSnapshot>();
        // A reusing reader is done with a lifetime snapshot before its next read: only its figures are kept.
        var combined = new List<(long Count, double Sum, long BucketTotal, HistogramSnapshot Window)>();
        Hammer.Run(writers + 2, i =>
        {
            if (i < writers)
            {
                for (var n = 0; n < perThread; n++)
                {
                    histogram.Update((long)((n % 3_000) + i));
                    histogram.Update(0.25);
                }

                Interlocked.Decrement(ref writersLeft);
                return;
            }

            HistogramCursor? cursor = null;
            bool writing;
            do
            {
                writing = Volatile.Read(ref writersLeft) > 0;
                if (i == writers)
                {
                    windows.Add(histogram.GetWindow(ref cursor));
                }
                else
                {
                    var lifetime = histogram.GetSnapshotAndWindow(ref cursor, reuse, out var window);
                    combined.Add((lifetime.Count, lifetime.Sum, lifetime.Buckets.Sum(b => b.Count), window));
                }
            }
            while (writing);
        });

        // Per writer i: (0 + ... + 2999 + 3000 * i) ten times, plus 0.25 per iteration.
        var expectedCount = 2L * writers * perThread;
        var expectedSum = Enumerable.Range(0, writers).Sum(i => ((4_498_500.0 + (3_000.0 * i)) * 10) + (0.25 * perThread));
        Assert.Multiple(() =>
        {
            foreach (var list in new[] { windows, combined.Select(c => c.Window).ToList() })
            {
                Assert.That(list.Sum(w => w.Count), Is.EqualTo(expectedCount));
                Assert.That(list.Sum(w => w.Sum), Is.EqualTo(expectedSum));
                Assert.That(list.All(w => w.Buckets.Sum(b => b.Count) == w.Count), Is.True, "a window's buckets must add up to its count");
            }

            var counts = combined.Select(c => c.Count).ToArray();
            Assert.That(counts, Is.Ordered.Ascending, "lifetime counts only grow");
            Assert.That(combined.All(c => c.BucketTotal == c.Count), Is.True, "a lifetime snapshot's buckets must add up to its count");
            Assert.That(counts[^1], Is.EqualTo(expectedCount));
            Assert.That(combined[^1].Sum, Is.EqualTo(expectedSum));
            Assert.That(histogram.GetSnapshot().Sum, Is.EqualTo(expectedSum));
        });
    }

    [Test]
    public void GetSnapshotAndWindow_SameAsTakingThemApart([Values] bool reuse)
    {
        var together = Create();
        var apart = Create();
        HistogramCursor? togetherCursor = null;
        HistogramCursor? apartCursor = null;
        var random = new Random(17);
        for (var report = 0; report < 5; report++)
        {
            for (var n = 0; n < 1_000 * report; n++)
            {
                var v = random.NextInt64(0, 1L << (10 + (5 * report)));
                together.Update(v);
                apart.Update(v);
            }

            together.Update(-3L);
            apart.Update(-3L);
            var lifetime = together.GetSnapshotAndWindow(ref togetherCursor, reuse, out var window);
            var expectedLifetime = apart.GetSnapshot();
            var expectedWindow = apart.GetWindow(ref apartCursor);

            Assert.Multiple(() =>
            {
                AssertSame(lifetime, expectedLifetime);
                AssertSame(window, expectedWindow);
            });
        }
    }

    [Test]
    public void GetSnapshotAndWindow_IdleBetweenReads_LifetimeUnchanged_AnyChangeSeenByTheNextRead()
    {
        var histogram = Create();
        HistogramCursor? cursor = null;
        for (var v = 1L; v <= 300; v++)
        {
            histogram.Update(v * 7);
        }

        var first = histogram.GetSnapshotAndWindow(ref cursor, reuse: false, out _);
        var idle = histogram.GetSnapshotAndWindow(ref cursor, reuse: false, out var idleWindow);
        Assert.Multiple(() =>
        {
            Assert.That(idleWindow.Count, Is.Zero);
            Assert.That(idle, Is.SameAs(first), "an idle histogram's lifetime snapshot is served again, not rebuilt");
        });

        // Each kind of change since the previous read is in the next lifetime snapshot: a value, a clamped value, a
        // rejected value, and a value recorded from another thread (another part).
        histogram.Update(5_000L);
        var afterValue = histogram.GetSnapshotAndWindow(ref cursor, reuse: false, out var valueWindow);
        histogram.Update(long.MaxValue);
        var afterClamped = histogram.GetSnapshotAndWindow(ref cursor, reuse: false, out _);
        histogram.Update(-1L);
        var afterRejected = histogram.GetSnapshotAndWindow(ref cursor, reuse: false, out var rejectedWindow);
        var other = new Thread(() => histogram.Update(0.25));
        other.Start();
        other.Join();
        var afterOtherThread = histogram.GetSnapshotAndWindow(ref cursor, reuse: false, out _);

        Assert.Multiple(() =>
        {
            Assert.That(afterValue.Count, Is.EqualTo(301));
            Assert.That(afterValue.Sum, Is.EqualTo(first.Sum + 5_000));
            Assert.That(valueWindow.Count, Is.EqualTo(1));
            Assert.That(afterClamped.Count, Is.EqualTo(302));
            Assert.That(afterClamped.Clamped, Is.EqualTo(1));
            Assert.That(afterRejected.Rejected, Is.EqualTo(1));
            Assert.That(afterRejected.Count, Is.EqualTo(302));
            Assert.That(rejectedWindow.Rejected, Is.EqualTo(1));
            Assert.That(afterOtherThread.Count, Is.EqualTo(303));
            Assert.That(afterOtherThread.Min, Is.EqualTo(0.25));
        });
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(5)]
    public void GetSnapshot_ValuesSplitOverThreads_SameAsOneThreadRecordingThemAll(int digits)
    {
        for (var attempt = 0; attempt < 20 && ThreadSlots.InUse > ThreadSlots.OwnedLimit - 4; attempt++)
        {
            CollectEndedThreads();
        }

        var options = new HistogramOptions { SignificantDigits = digits };
        var split = new Histogram(options, new ManualTimeProvider());
        var single = new Histogram(options, new ManualTimeProvider());
        var random = new Random(digits);
        var values = Enumerable.Range(0, 30_000).Select(_ => random.NextInt64(0, 1L << random.Next(1, 40))).ToArray();
        foreach (var v in values)
        {
            single.Update(v);
        }

        HistogramCursor? splitCursor = null;
        HistogramCursor? singleCursor = null;
        split.GetWindow(ref splitCursor);
        single.GetWindow(ref singleCursor);

        // Three threads, each with its own part, take every third value: most buckets are summed over parts.
        var slots = new int[3];
        Hammer.Run(3, t =>
        {
            slots[t] = ThreadSlots.Current;
            for (var i = t; i < values.Length; i += 3)
            {
                split.Update(values[i]);
            }
        });

        var snapshot = split.GetSnapshot();
        var expected = single.GetSnapshot();
        var window = split.GetWindow(ref splitCursor);
        Assert.Multiple(() =>
        {
            Assert.That(split.Hdr!.PartCount, Is.EqualTo(slots.Distinct().Count()), "one part per slot (threads without one share a part)");
            Assert.That(snapshot.Count, Is.EqualTo(values.Length));
            AssertSame(snapshot, expected);
            Assert.That(window.Buckets, Is.EqualTo(expected.Buckets));
            Assert.That(window.Sum, Is.EqualTo(expected.Sum));
        });
    }

    [Test]
    public void GetWindow_NothingRecordedSinceThePreviousRead_EmptyButCountsNewRejects()
    {
        var histogram = Create();
        HistogramCursor? cursor = null;
        histogram.Update(5L);
        histogram.GetWindow(ref cursor);

        var idle = histogram.GetWindow(ref cursor);
        histogram.Update(-1L);
        var rejectedOnly = histogram.GetWindow(ref cursor);
        histogram.Update(7L);
        var next = histogram.GetWindow(ref cursor);

        Assert.Multiple(() =>
        {
            Assert.That(idle.Count, Is.Zero);
            Assert.That(idle.Buckets, Is.Empty);
            Assert.That(rejectedOnly.Count, Is.Zero);
            Assert.That(rejectedOnly.Rejected, Is.EqualTo(1));
            Assert.That(next.Count, Is.EqualTo(1));
            Assert.That(next.Sum, Is.EqualTo(7));
            Assert.That(next.Rejected, Is.Zero);
        });
    }

    [Test]
    public void Memory_SecondRecordingThread_AddsOnlyTheBlocksItReached()
    {
        CollectEndedThreads();
        var histogram = Create();
        histogram.Update(1L);
        histogram.Update(1_000_000L);

        var mainSlot = ThreadSlots.Current;
        var otherSlot = mainSlot;
        var thread = new Thread(() =>
        {
            otherSlot = ThreadSlots.Current;
            histogram.Update(1_000L);
        });
        thread.Start();
        Assert.That(thread.Join(TimeSpan.FromSeconds(30)), Is.True);

        Assert.Multiple(() =>
        {
            // Two parts, unless neither thread found a slot of its own (then both share one).
            Assert.That(histogram.Hdr!.PartCount, Is.EqualTo(mainSlot == otherSlot ? 1 : 2));
            Assert.That(histogram.Hdr.AllocatedBlocks, Is.EqualTo(3));
            Assert.That(histogram.GetSnapshot().Sum, Is.EqualTo(1_001_001));
        });
    }

    // Slots of ended threads (earlier tests start many) come back once the collector has finalized their storage.
    private static void CollectEndedThreads()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    // Every figure a reporter takes from a snapshot.
    private static void AssertSame(HistogramSnapshot actual, HistogramSnapshot expected)
    {
        Assert.That(actual.Count, Is.EqualTo(expected.Count));
        Assert.That(actual.Sum, Is.EqualTo(expected.Sum));
        Assert.That(actual.Min, Is.EqualTo(expected.Min));
        Assert.That(actual.Max, Is.EqualTo(expected.Max));
        Assert.That(actual.StdDev, Is.EqualTo(expected.StdDev));
        Assert.That(actual.Rejected, Is.EqualTo(expected.Rejected));
        Assert.That(actual.Buckets, Is.EqualTo(expected.Buckets));
        Assert.That(actual.GetValue(0.99), Is.EqualTo(expected.GetValue(0.99)));
    }

    private static Histogram Create() => new(new HistogramOptions(), new ManualTimeProvider());
}
