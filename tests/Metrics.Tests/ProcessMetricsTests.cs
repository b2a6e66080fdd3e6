namespace Metrics.Tests;

public class ProcessMetricsTests
{
    private static Dictionary<string, double> ReadAll(MetricsRegistry registry) =>
        registry.CreateReader().Read().ToDictionary(s => s.Name, s => s.Value);

    [Test]
    public void Register_AddsPlausibleProcessGauges()
    {
        var registry = new MetricsRegistry();

        ProcessMetrics.Register(registry);
        var values = ReadAll(registry);

        Assert.Multiple(() =>
        {
            Assert.That(values["process.threads"], Is.GreaterThan(0));
            Assert.That(values["process.cpu.user_seconds"], Is.GreaterThan(0));
            Assert.That(values["process.cpu.system_seconds"], Is.GreaterThanOrEqualTo(0));
            Assert.That(values["process.memory.working_set_bytes"], Is.GreaterThan(1 << 20));
            Assert.That(values["process.memory.private_bytes"], Is.GreaterThan(0));
            Assert.That(values["process.memory.gc_heap_bytes"], Is.GreaterThan(0));
            Assert.That(values["process.gc.gen0_collections"], Is.GreaterThanOrEqualTo(values["process.gc.gen1_collections"]));
            Assert.That(values["process.gc.gen1_collections"], Is.GreaterThanOrEqualTo(values["process.gc.gen2_collections"]));
        });
    }

    [Test]
    public void Register_OnLinux_ReadsFaultsAndContextSwitchesFromProc()
    {
        Assume.That(OperatingSystem.IsLinux(), "page faults and context switches come from /proc (Linux only)");
        var registry = new MetricsRegistry();

        ProcessMetrics.Register(registry);
        var values = ReadAll(registry);

        Assert.Multiple(() =>
        {
            Assert.That(values["process.page_faults.minor"], Is.GreaterThan(0));
            Assert.That(values["process.page_faults.major"], Is.GreaterThanOrEqualTo(0));
            Assert.That(values["process.context_switches.voluntary"], Is.GreaterThan(0));
            Assert.That(values["process.context_switches.involuntary"], Is.GreaterThanOrEqualTo(0));
        });
    }

    [Test]
    public void Register_Twice_IsIdempotent()
    {
        var registry = new MetricsRegistry();

        ProcessMetrics.Register(registry);
        var count = registry.SeriesCount;
        ProcessMetrics.Register(registry);

        Assert.Multiple(() =>
        {
            Assert.That(count, Is.GreaterThanOrEqualTo(9));
            Assert.That(registry.SeriesCount, Is.EqualTo(count));
        });
    }

    [Test]
    public void Register_WithPrefix_NamesGaugesUnderIt()
    {
        var registry = new MetricsRegistry();

        ProcessMetrics.Register(registry, "app.proc");

        Assert.That(ReadAll(registry).Keys, Has.All.StartWith("app.proc."));
    }

    [Test]
    public void ParseStatField_CommandWithSpacesAndParens_ReadsMinorAndMajorFaults()
    {
        // proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt ...
        const string stat = "4242 (my (odd) app) S 1 4242 4242 0 -1 4194560 1234 0 56 0 10 5 0 0 20 0 9 0 100 200 300";

        Assert.Multiple(() =>
        {
            Assert.That(ProcessMetrics.ParseStatField(stat, 10), Is.EqualTo(1234), "minflt is the minor fault count");
            Assert.That(ProcessMetrics.ParseStatField(stat, 12), Is.EqualTo(56), "majflt is the major fault count");
            Assert.That(ProcessMetrics.ParseStatField(stat, 99), Is.NaN);
        });
    }

    [Test]
    public void ParseStatusField_ReadsContextSwitches()
    {
        var lines = new[] { "Name:\tdotnet", "voluntary_ctxt_switches:\t812", "nonvoluntary_ctxt_switches:\t17" };

        Assert.Multiple(() =>
        {
            Assert.That(ProcessMetrics.ParseStatusField(lines, "voluntary_ctxt_switches:"), Is.EqualTo(812));
            Assert.That(ProcessMetrics.ParseStatusField(lines, "nonvoluntary_ctxt_switches:"), Is.EqualTo(17));
            Assert.That(ProcessMetrics.ParseStatusField(lines, "missing:"), Is.NaN);
        });
    }
}
