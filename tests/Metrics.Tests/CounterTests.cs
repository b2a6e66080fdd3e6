namespace Metrics.Tests;

public class CounterTests
{
    [Test]
    public void Inc_AndDec_AdjustCount()
    {
        var counter = new MetricsRegistry().Counter("c");

        counter.Inc();
        counter.Inc(10);
        counter.Dec();
        counter.Dec(3);

        Assert.That(counter.Count, Is.EqualTo(7));
    }

    [Test]
    public void Dec_BelowZero_GoesNegative()
    {
        var counter = new MetricsRegistry().Counter("c");

        counter.Dec(5);

        Assert.That(counter.Count, Is.EqualTo(-5));
    }

    [Test]
    public void Inc_FromManyThreads_CountsEveryIncrementExactly()
    {
        var counter = new MetricsRegistry().Counter("hammered");
        const int threads = 8;
        const int perThread = 200_000;

        Hammer.Run(threads, () =>
        {
            for (var i = 0; i < perThread; i++)
            {
                counter.Inc();
            }
        });

        Assert.That(counter.Count, Is.EqualTo((long)threads * perThread));
    }

    [Test]
    public void IncAndDec_FromManyThreads_CancelOutExactly()
    {
        var counter = new MetricsRegistry().Counter("balanced");

        Hammer.Run(8, i =>
        {
            for (var n = 0; n < 100_000; n++)
            {
                if (i % 2 == 0)
                {
                    counter.Inc(3);
                }
                else
                {
                    counter.Dec(3);
                }
            }
        });

        Assert.That(counter.Count, Is.Zero);
    }

    [Test]
    public void IncAndDec_FromMoreThreadsThanOwnSlots_CountExactly()
    {
        // Threads beyond the slot limit record through the counter's shared atomic path; nothing may be lost.
        var counter = new MetricsRegistry().Counter("crowded");
        var threads = Metrics.Primitives.ThreadSlots.OwnedLimit + 16;
        const int perThread = 10_000;

        Hammer.Run(threads, i =>
        {
            for (var n = 0; n < perThread; n++)
            {
                counter.Inc(i + 2);
                counter.Dec(i);
            }
        });

        Assert.That(counter.Count, Is.EqualTo(2L * threads * perThread));
    }

    [Test]
    public void Inc_FromThreadsThatEndAndAreReplaced_KeepsEveryEarlierCount()
    {
        // New threads take over the slots (and cells) of ended ones; the counts of the ended threads must stay.
        var counter = new MetricsRegistry().Counter("churn");
        const int waves = 10;
        const int threads = 4;
        const int perThread = 5_000;

        for (var wave = 0; wave < waves; wave++)
        {
            Hammer.Run(threads, () =>
            {
                for (var n = 0; n < perThread; n++)
                {
                    counter.Inc();
                }
            });
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.That(counter.Count, Is.EqualTo((long)waves * threads * perThread));
    }
}
