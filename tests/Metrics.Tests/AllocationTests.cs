namespace Metrics.Tests;

/// <summary>The cached hot paths allocate nothing: a user recording millions of events must not feed the GC.</summary>
public class AllocationTests
{
    private const int Iterations = 10_000;

    private static long AllocatedBy(Action action)
    {
        action(); // JIT and first-use work happen outside the measurement.
        action();
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Test]
    public void CounterInc_AllocatesNothing()
    {
        var counter = new MetricsRegistry().Counter("c");

        var bytes = AllocatedBy(() =>
        {
            for (var i = 0; i < Iterations; i++)
            {
                counter.Inc();
            }
        });

        Assert.That(bytes, Is.Zero);
    }

    [Test]
    public void MeterMark_AllocatesNothing()
    {
        var meter = new MetricsRegistry().Meter("m");

        var bytes = AllocatedBy(() =>
        {
            for (var i = 0; i < Iterations; i++)
            {
                meter.Mark();
            }
        });

        Assert.That(bytes, Is.Zero);
    }

    [Test]
    public void TimerTimeAndDispose_AllocatesNothing()
    {
        var timer = new MetricsRegistry().Timer("t");
        // The HDR recorder allocates each magnitude's bucket block on its first value (documented); touch them all
        // so the measured loop sees only the steady state, whatever durations the real clock yields.
        for (var shift = 0; shift < 42; shift++)
        {
            timer.UpdateNanoseconds(1L << shift);
        }

        var bytes = AllocatedBy(() =>
        {
            for (var i = 0; i < Iterations; i++)
            {
                using var context = timer.Time();
            }
        });

        Assert.That(bytes, Is.Zero);
    }

    [Test]
    public void RegistryLookupWithThreeSpanTags_OnAnExistingSeries_AllocatesNothing()
    {
        var registry = new MetricsRegistry();
        registry.Counter("http.requests", ("method", "GET"), ("route", "/orders"), ("code", "200"));

        var bytes = AllocatedBy(() =>
        {
            for (var i = 0; i < Iterations; i++)
            {
                registry.Counter("http.requests", ("code", "200"), ("method", "GET"), ("route", "/orders")).Inc();
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(bytes, Is.Zero);
            Assert.That(registry.SeriesCount, Is.EqualTo(1));
        });
    }

    [Test]
    public void RegistryLookupWithCachedTags_OnAnExistingSeries_AllocatesNothing()
    {
        var registry = new MetricsRegistry();
        var tags = new Tags(("region", "eu"));
        registry.Meter("orders", tags);

        var bytes = AllocatedBy(() =>
        {
            for (var i = 0; i < Iterations; i++)
            {
                registry.Meter("orders", tags).Mark();
                registry.Counter("plain").Inc();
            }
        });

        Assert.That(bytes, Is.Zero);
    }

    [Test]
    public void RegistryLookupByEncodedName_OnAnExistingSeries_AllocatesNothing()
    {
        var registry = new MetricsRegistry();
        registry.Counter("orders{\"region\": \"eu\"}");

        var bytes = AllocatedBy(() =>
        {
            for (var i = 0; i < Iterations; i++)
            {
                registry.Counter("orders{\"region\": \"eu\"}").Inc();
            }
        });

        Assert.That(bytes, Is.Zero);
    }
}
