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
    [Test]
    public async Task ReportNowAsync_PointsReplayedFromOfflineStorage_EachCarriesItsOwnTime()
    {
        var path = Path.Combine(Path.GetTempPath(), "console-replay-" + Guid.NewGuid().ToString("N") + ".db");
        try
        {
            var time = new ManualTimeProvider(new DateTimeOffset(2026, 3, 4, 5, 6, 0, TimeSpan.Zero));
            var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = time });
            registry.Counter("orders").Inc(5);
            var broken = new SwitchableWriter { Mode = WriterMode.IoError };
            await using (var down = new ConsoleReporter(registry, new ConsoleReporterOptions
            {
                Output = broken,
                Filter = s => s.Name == "orders",
                Retry = new RetryOptions { MaxRetries = 0 },
                OfflineStorage = new OfflineStorageOptions { Path = path },
                ErrorHandler = _ => { },
            }))
            {
                await down.ReportNowAsync();
                time.Advance(TimeSpan.FromSeconds(10));
                await down.ReportNowAsync();
            }

            time.Advance(TimeSpan.FromSeconds(10));
            var output = new StringWriter();
            await using var up = new ConsoleReporter(registry, new ConsoleReporterOptions
            {
                Output = output,
                Filter = s => s.Name == "orders",
                OfflineStorage = new OfflineStorageOptions { Path = path },
            });

            await up.ReportNowAsync();

            // Both stored reports are marked as the past they are, the newest one too; only the live report is not.
            var text = output.ToString();
            Assert.That(text, Does.Contain("\norders @ 2026-03-04T05:06:00.000Z\n"));
            Assert.That(text, Does.Contain("\norders @ 2026-03-04T05:06:10.000Z\n"));
            Assert.That(text.Split("\norders\n").Length - 1, Is.EqualTo(1), text);
        }
        finally
        {
            foreach (var file in Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + "*"))
            {
                File.Delete(file);
            }
        }
    }
}
