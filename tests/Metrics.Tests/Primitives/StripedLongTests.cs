using Metrics.Primitives;

namespace Metrics.Tests.Primitives;

public class StripedLongTests
{
    private sealed class Holder
    {
        public StripedLong Value;
    }

    [Test]
    public void Add_SingleThread_UsesOneCellAndSums()
    {
        var holder = new Holder();

        for (var i = 1; i <= 100; i++)
        {
            holder.Value.Add(i);
        }

        Assert.Multiple(() =>
        {
            Assert.That(holder.Value.Sum, Is.EqualTo(5050));
            Assert.That(holder.Value.CellCount, Is.EqualTo(1));
        });
    }

    [Test]
    public void Sum_BeforeAnyAdd_IsZero()
    {
        var holder = new Holder();

        Assert.Multiple(() =>
        {
            Assert.That(holder.Value.Sum, Is.Zero);
            Assert.That(holder.Value.CellCount, Is.Zero);
        });
    }

    [Test]
    public void Add_UnderContention_KeepsExactSum()
    {
        var holder = new Holder();
        const int threads = 4;
        const int perThread = 500_000;

        Hammer.Run(threads, () =>
        {
            for (var i = 0; i < perThread; i++)
            {
                holder.Value.Add(1);
            }
        });

        Assert.That(holder.Value.Sum, Is.EqualTo((long)threads * perThread));
    }

    [Test]
    public void Add_FromMoreThreadsThanOwnSlots_KeepsExactSum()
    {
        // Threads past ThreadSlots.OwnedLimit get no slot of their own and add through the shared atomic field.
        var holder = new Holder();
        var threads = ThreadSlots.OwnedLimit + 8;
        const int perThread = 20_000;

        Hammer.Run(threads, _ =>
        {
            for (var i = 0; i < perThread; i++)
            {
                holder.Value.Add(1);
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(holder.Value.Sum, Is.EqualTo((long)threads * perThread));
            Assert.That(holder.Value.CellCount, Is.LessThanOrEqualTo(ThreadSlots.OwnedLimit));
        });
    }

    [Test]
    public void Add_FromThreadsThatEndAndAreReplaced_KeepsEarlierAdds()
    {
        // Each wave of threads ends before the next starts; once the collector has returned their slots, the next
        // wave takes the same slots, and with them the cells holding what the ended threads added.
        var holder = new Holder();
        const int waves = 5;
        const int threads = 4;
        const int perThread = 10_000;
        var baseline = SlotsInUseOnceSettled();

        for (var wave = 0; wave < waves; wave++)
        {
            Hammer.Run(threads, _ =>
            {
                for (var i = 0; i < perThread; i++)
                {
                    holder.Value.Add(1);
                }
            });
            AwaitSlotsBackTo(baseline);

            Assert.That(holder.Value.Sum, Is.EqualTo((long)(wave + 1) * threads * perThread), $"after wave {wave}");
        }

        Assert.That(holder.Value.CellCount, Is.EqualTo(threads), "later waves must reuse the ended threads' cells");
    }

    // Slots still held by threads that earlier tests ended come back over a few collections; once none do, every
    // wave finds the same free slots.
    private static int SlotsInUseOnceSettled()
    {
        var inUse = ThreadSlots.InUse;
        for (int attempt = 0, unchanged = 0; attempt < 50 && unchanged < 3; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var now = ThreadSlots.InUse;
            unchanged = now == inUse ? unchanged + 1 : 0;
            inUse = now;
        }

        return inUse;
    }

    private static void AwaitSlotsBackTo(int target)
    {
        var inUse = ThreadSlots.InUse;
        for (var attempt = 0; attempt < 50 && inUse > target; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            inUse = ThreadSlots.InUse;
        }

        Assert.That(inUse, Is.LessThanOrEqualTo(target), "the slots of ended threads never came back");
    }
}
