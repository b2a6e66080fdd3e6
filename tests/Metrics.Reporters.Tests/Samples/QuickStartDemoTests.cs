using Metrics.Testing;
using QuickStart;

namespace Metrics.Reporters.Tests.Samples;

public class QuickStartDemoTests
{
    private string _directory = string.Empty;

    private string DbPath => Path.Combine(_directory, "metrics.db");

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), "quickstart-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task RunAsync_NoServer_StoresEverySeriesAndPrintsThemBack()
    {
        var (output, _) = await RunDemoAsync();

        using var store = new Reporters.LocalStore(DbPath, new LocalStoreOptions { Retention = null });
        var end = DateTimeOffset.MaxValue.AddYears(-1);
        var orders = store.Read(DateTimeOffset.UnixEpoch, end, "orders.count", interval: "raw");
        Assert.That(orders.Select(s => s.Series.Tags["region"]), Is.EqualTo(new[] { "apac", "eu", "us" }));
        Assert.That(orders.Select(s => s.Summary.Count), Has.All.GreaterThanOrEqualTo(5), "one point per report, every second for 5 s");
        Assert.That(store.FilterSeries("checkout.avg"), Has.Count.EqualTo(1));
        Assert.That(store.FilterSeries("basket.size.max"), Has.Count.EqualTo(1));
        Assert.That(store.FilterSeries("inventory.value"), Has.Count.EqualTo(1));

        // Every order that did not fail charged one payment: the final report must agree.
        var ordersTotal = orders.Sum(s => s.Points[^1].Value);
        var payments = store.Read(DateTimeOffset.UnixEpoch, end, "payments.count", interval: "raw").Single().Points[^1].Value;
        Assert.That(ordersTotal, Is.EqualTo(payments).And.GreaterThan(0));

        Assert.That(output, Does.Contain("orders {region=eu}"), "the console reporter's table");
        Assert.That(output, Does.Match(@"orders\.count \{region=eu\} +\d+ "), "the stored series table");
        Assert.That(output, Does.Contain("Rollup of orders.count by region, interval 1min, function max:"));
        Assert.That(output, Does.Match("[▁▂▃▄▅▆▇█]{5,}"), "a sparkline per series");
    }

    [Test]
    public async Task RunAsync_Output_StaysUnderOneHundredFiftyLines()
    {
        var (output, _) = await RunDemoAsync();

        var lines = output.Split('\n');
        Assert.That(lines, Has.Length.LessThan(150));
        Assert.That(output, Does.Not.Contain("metrics.reporter.points"), "the reporters' own series are counted, not listed");
    }

    [Test]
    public async Task RunAsync_OldStoreFile_IsReplaced()
    {
        await File.WriteAllTextAsync(DbPath, "not a database");
        await File.WriteAllTextAsync(DbPath + "-wal", "stale");

        var (_, clock) = await RunDemoAsync();

        using var store = new Reporters.LocalStore(DbPath, new LocalStoreOptions { TimeProvider = clock });
        Assert.That(store.FilterSeries("orders.count"), Has.Count.EqualTo(3));
    }

    [Test]
    public void Sparkline_Values_ScalesBetweenMinAndMax()
    {
        var t = DateTimeOffset.UnixEpoch;

        Assert.That(QuickStartDemo.Sparkline([new(t, 1), new(t, 2), new(t, 3)]), Is.EqualTo("▁▅█"));
        Assert.That(QuickStartDemo.Sparkline([new(t, 4), new(t, 4)]), Is.EqualTo("▁▁"));
        Assert.That(QuickStartDemo.Sparkline([]), Is.Empty);
    }

    private async Task<(string Output, ManualTimeProvider Clock)> RunDemoAsync()
    {
        var clock = new ManualTimeProvider();
        var output = new StringWriter();
        var demo = new QuickStartDemo
        {
            Output = TextWriter.Synchronized(output),
            DbPath = DbPath,
            Clock = clock,
            Wait = (step, _) =>
            {
                clock.Advance(step);
                return Task.CompletedTask;
            },
        };

        await demo.RunAsync();
        return (output.ToString(), clock);
    }
}
