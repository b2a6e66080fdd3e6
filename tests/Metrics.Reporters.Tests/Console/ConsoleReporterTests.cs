using Metrics.Testing;

namespace Metrics.Reporters.Tests.Console;

public class ConsoleReporterTests
{
    [Test]
    public async Task ReportNowAsync_TaggedCounter_WritesTableWithHeaderTagsAndField()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = time });
        registry.Counter("orders", new Tags(("region", "eu"))).Inc(5);
        var output = new StringWriter();
        await using var reporter = new ConsoleReporter(registry, new ConsoleReporterOptions { Output = output, Filter = s => s.Name == "orders" });

        await reporter.ReportNowAsync();

        Assert.That(output.ToString(), Does.StartWith("2026-03-04T05:06:07.000Z ====="));
        Assert.That(output.ToString(), Does.Contain("\norders {region=eu}\n                 count = 5\n"));
    }

    [Test]
    public async Task ReportNowAsync_PercentileFieldWithADot_StaysUnderItsSeries()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = time });
        registry.Timer("db.query").Update(TimeSpan.FromMilliseconds(2));
        var output = new StringWriter();
        var fields = new FieldNaming { TimerPercentiles = [(0.99, "99_percentile"), (0.999, "99.9_percentile")] };
        await using var reporter = new ConsoleReporter(registry, new ConsoleReporterOptions { Output = output, Fields = fields, Filter = s => s.Name == "db.query" });

        await reporter.ReportNowAsync();

        Assert.That(output.ToString(), Does.Contain("\n         99_percentile = 0.002\n       99.9_percentile = 0.002\n"));
        Assert.That(output.ToString(), Does.Not.Contain("db.query.99"));
    }

    [Test]
    public void Constructor_NullOutput_ThrowsNamingTheOption()
    {
        var registry = new MetricsRegistry();

        Assert.That(
            () => new ConsoleReporter(registry, new ConsoleReporterOptions { Output = null! }),
            Throws.ArgumentException.With.Message.Contains("ConsoleReporterOptions.Output"));
    }

    [Test]
    public void Constructor_InvalidCommonOption_ThrowsNamingTheOption()
    {
        var registry = new MetricsRegistry();

        Assert.That(
            () => new ConsoleReporter(registry, new ConsoleReporterOptions { Interval = TimeSpan.Zero }),
            Throws.ArgumentException.With.Message.Contains("ReporterOptions.Interval"));
    }

    [Test]
    public async Task Name_Default_IsConsole()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        await using var reporter = new ConsoleReporter(registry, new ConsoleReporterOptions { Output = TextWriter.Null });

        Assert.That(reporter.Name, Is.EqualTo("console"));
    }

    [Test]
    public async Task StopAsync_LeavesTheWriterOpen()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        var output = new StringWriter();
        var reporter = new ConsoleReporter(registry, new ConsoleReporterOptions { Output = output });

        await reporter.StopAsync();
        output.Write("still usable");

        Assert.That(output.ToString(), Does.EndWith("still usable"));
        reporter.Dispose();
    }
}
