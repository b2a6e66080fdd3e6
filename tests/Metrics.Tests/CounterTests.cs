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
}
