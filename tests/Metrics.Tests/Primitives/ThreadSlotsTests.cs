using Metrics.Primitives;

namespace Metrics.Tests.Primitives;

public class ThreadSlotsTests
{
    [Test]
    public void Current_IsStableWithinAThread()
    {
        int first = 0, second = 0;
        RunOnNewThread(() =>
        {
            first = ThreadSlots.Current;
            second = ThreadSlots.Current;
        });

        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void Current_GivesLiveThreadsDistinctSlots_AndTheLimitToThoseBeyondIt()
    {
        var threads = ThreadSlots.OwnedLimit + 4;
        var slots = new int[threads];
        using var allHaveSlots = new Barrier(threads);

        Hammer.Run(threads, i =>
        {
            slots[i] = ThreadSlots.Current;
            allHaveSlots.SignalAndWait();
        });

        var owned = slots.Where(s => s < ThreadSlots.OwnedLimit).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(owned, Is.Unique, "two live threads were given the same slot");
            Assert.That(slots, Has.All.InRange(0, ThreadSlots.OwnedLimit));
            Assert.That(slots.Count(s => s == ThreadSlots.OwnedLimit), Is.GreaterThanOrEqualTo(4), "threads beyond the limit must get no slot of their own");
        });
    }

    [Test]
    public void Slot_OfAnEndedThread_IsReusedByTheNextThread()
    {
        CollectEndedThreads();
        var ended = -1;
        RunOnNewThread(() => ended = ThreadSlots.Current);
        Assert.That(ended, Is.LessThan(ThreadSlots.OwnedLimit));

        // The slot comes back once the ended thread's storage has been collected and finalized.
        var reused = false;
        for (var attempt = 0; attempt < 20 && !reused; attempt++)
        {
            CollectEndedThreads();
            var next = -1;
            RunOnNewThread(() => next = ThreadSlots.Current);
            reused = next <= ended;
        }

        Assert.That(reused, Is.True, $"slot {ended} was never handed out again after its thread ended");
    }

    [Test]
    public void ThreadWithoutSlot_AsksAgainAfterRetryEveryUnownedCalls()
    {
        CollectEndedThreads();
        var threads = ThreadSlots.OwnedLimit + 1;
        var slots = new int[threads];
        var later = new int[threads];
        using var allHaveSlots = new Barrier(threads);
        using var oneHasEnded = new Barrier(threads);

        // Every thread takes a slot; the one left without waits until the others have ended and been collected.
        Hammer.Run(threads, i =>
        {
            slots[i] = ThreadSlots.Current;
            allHaveSlots.SignalAndWait();
            if (slots[i] == ThreadSlots.OwnedLimit)
            {
                oneHasEnded.SignalAndWait();
                var waited = System.Diagnostics.Stopwatch.StartNew();
                while (ThreadSlots.InUse >= ThreadSlots.OwnedLimit && waited.Elapsed < TimeSpan.FromSeconds(30))
                {
                    CollectEndedThreads();
                    Thread.Yield();
                }

                for (var n = 0; n < ThreadSlots.RetryEvery; n++)
                {
                    Assert.That(ThreadSlots.Current, Is.EqualTo(ThreadSlots.OwnedLimit));
                    ThreadSlots.NoteUnowned();
                }

                later[i] = ThreadSlots.Current;
            }
            else
            {
                oneHasEnded.RemoveParticipant();
            }
        });

        var unowned = Array.IndexOf(slots, ThreadSlots.OwnedLimit);
        Assert.That(unowned, Is.GreaterThanOrEqualTo(0), "expected one thread beyond the limit");
        Assert.That(later[unowned], Is.LessThan(ThreadSlots.OwnedLimit));
    }

    private static void CollectEndedThreads()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    private static void RunOnNewThread(Action action)
    {
        var thread = new Thread(() => action());
        thread.Start();
        Assert.That(thread.Join(TimeSpan.FromSeconds(30)), Is.True);
    }
}
