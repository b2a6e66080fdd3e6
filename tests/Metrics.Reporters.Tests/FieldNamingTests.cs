namespace Metrics.Reporters.Tests;

public class FieldNamingTests
{
    [TestCase(1.5)]
    [TestCase(-0.01)]
    [TestCase(double.NaN)]
    [TestCase(99.0)]
    public void Percentiles_QuantileOutsideZeroToOne_RejectedWhenSet(double quantile)
    {
        var histogram = Assert.Throws<ArgumentException>(() => _ = new FieldNaming { HistogramPercentiles = [(0.5, "50_percentile"), (quantile, "bad")] });
        var timer = Assert.Throws<ArgumentException>(() => _ = new FieldNaming { TimerPercentiles = [(quantile, "bad")] });

        Assert.That(histogram!.Message, Does.Contain("HistogramPercentiles").And.Contain("'bad'").And.Contain("outside 0 to 1").And.Contain("0.99"));
        Assert.That(timer!.ParamName, Is.EqualTo("TimerPercentiles"));
    }

    [Test]
    public void Percentiles_KeyMissing_RejectedWhenSet()
    {
        var error = Assert.Throws<ArgumentException>(() => _ = new FieldNaming { TimerPercentiles = [(0.99, "")] });

        Assert.That(error!.Message, Does.Contain("0.99 has no key"));
    }

    [Test]
    public void Percentiles_CallerChangesTheirListLater_FieldNamingKeepsWhatWasChecked()
    {
        var list = new List<(double, string)> { (0.5, "median") };
        var fields = new FieldNaming { HistogramPercentiles = list };

        list[0] = (7, "median");

        Assert.That(fields.HistogramPercentiles, Is.EqualTo(new[] { (0.5, "median") }));
        Assert.That(FieldNaming.Pyformance.TimerPercentiles.Select(p => p.Quantile), Is.EqualTo(new[] { 0.5, 0.75, 0.95, 0.99, 0.999 }));
    }
}
