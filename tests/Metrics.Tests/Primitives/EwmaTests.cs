using Metrics.Primitives;

namespace Metrics.Tests.Primitives;

public class EwmaTests
{
    [TestCase(1, 0.22072766)]
    [TestCase(5, 0.49123845)]
    [TestCase(15, 0.56130419)]
    public void Tick_ThenAMinuteOfQuietTicks_MatchesDropwizard(double minutes, double expected)
    {
        var ewma = new Ewma(minutes);

        ewma.Tick(3);
        var first = ewma.Rate;
        for (var i = 0; i < 12; i++)
        {
            ewma.Tick(0);
        }

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(0.6).Within(1e-8));
            Assert.That(ewma.Rate, Is.EqualTo(expected).Within(1e-8));
        });
    }

    [Test]
    public void Decay_EqualsTheSameNumberOfEmptyTicks()
    {
        var stepped = new Ewma(1);
        var decayed = new Ewma(1);
        stepped.Tick(42);
        decayed.Tick(42);

        for (var i = 0; i < 1000; i++)
        {
            stepped.Tick(0);
        }

        decayed.Decay(1000);

        Assert.That(decayed.Rate, Is.EqualTo(stepped.Rate).Within(1e-12));
    }

    [Test]
    public void Rate_BeforeAnyTick_IsZero()
    {
        Assert.That(new Ewma(1).Rate, Is.Zero);
    }
}
