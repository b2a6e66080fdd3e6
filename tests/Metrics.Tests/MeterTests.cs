using Metrics.Testing;

namespace Metrics.Tests;

public class MeterTests : ManualClockFixture
{
    [Test]
    public void OneMinuteRate_GoldenVector_MatchesDropwizard()
    {
        var meter = _registry.Meter("m");
        meter.Mark(3);

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.That(meter.OneMinuteRate, Is.EqualTo(0.6).Within(1e-8));

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.That(meter.OneMinuteRate, Is.EqualTo(0.22072766).Within(1e-8));

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.That(meter.OneMinuteRate, Is.EqualTo(0.08120117).Within(1e-8));
    }

    [Test]
    public void FiveAndFifteenMinuteRates_GoldenVector_MatchDropwizard()
    {
        var meter = _registry.Meter("m");
        meter.Mark(3);

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Multiple(() =>
        {
            Assert.That(meter.FiveMinuteRate, Is.EqualTo(0.6).Within(1e-8));
            Assert.That(meter.FifteenMinuteRate, Is.EqualTo(0.6).Within(1e-8));
        });

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Multiple(() =>
        {
            // Dropwizard's EWMATest: 0.49123845 (5 min) and 0.56130419 (15 min) one minute after the first tick.
            Assert.That(meter.FiveMinuteRate, Is.EqualTo(0.49123845).Within(1e-8));
            Assert.That(meter.FifteenMinuteRate, Is.EqualTo(0.56130419).Within(1e-8));
        });
    }

    [Test]
    public void Rates_BeforeFirstTick_AreZero()
    {
        var meter = _registry.Meter("m");
        meter.Mark(100);

        _time.Advance(TimeSpan.FromSeconds(4.9));

        Assert.That(meter.OneMinuteRate, Is.Zero);
    }

    [Test]
    public void Mark_AfterMissedTicks_CatchesUpBeforeCounting()
    {
        // Events marked before a long pause belong to the first tick; the ones marked after it to a later tick.
        var meter = _registry.Meter("m");
        meter.Mark(3);
        _time.Advance(TimeSpan.FromSeconds(65));

        meter.Mark(1000);

        Assert.That(meter.OneMinuteRate, Is.EqualTo(0.22072766).Within(1e-8));
        _time.Advance(TimeSpan.FromSeconds(5));
        var alpha = 1 - Math.Exp(-5.0 / 60);
        Assert.That(meter.OneMinuteRate, Is.EqualTo(0.22072766 + (alpha * ((1000 / 5.0) - 0.22072766))).Within(1e-6));
    }

    [Test]
    public void MeanRate_IsCountOverElapsedSeconds()
    {
        var meter = _registry.Meter("m");
        meter.Mark(30);

        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Multiple(() =>
        {
            Assert.That(meter.MeanRate, Is.EqualTo(3.0).Within(1e-12));
            Assert.That(meter.Count, Is.EqualTo(30));
        });
    }

    [Test]
    public void MeanRate_BeforeAnyTimePasses_IsZero()
    {
        var meter = _registry.Meter("m");
        meter.Mark();

        Assert.That(meter.MeanRate, Is.Zero);
    }

    [Test]
    public void Mark_FromManyThreads_CountsEveryEventExactly()
    {
        var meter = new MetricsRegistry().Meter("hammered");
        const int threads = 8;
        const int perThread = 100_000;

        Hammer.Run(threads, () =>
        {
            for (var i = 0; i < perThread; i++)
            {
                meter.Mark();
            }
        });

        Assert.That(meter.Count, Is.EqualTo((long)threads * perThread));
    }

    [Test]
    public void Mark_FromManyThreadsWhileTicksFallDue_CountsEveryEventExactly()
    {
        var meter = _registry.Meter("m");
        const int threads = 4;
        const int perThread = 50_000;

        // Time moves while threads mark; each event must land in exactly one tick.
        RecordWhileTimeAdvances(threads, perThread, _ => meter.Mark());

        Assert.That(meter.Count, Is.EqualTo((long)threads * perThread));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.That(meter.FifteenMinuteRate, Is.GreaterThan(0).And.LessThan(threads * perThread / 5.0));
    }
}
