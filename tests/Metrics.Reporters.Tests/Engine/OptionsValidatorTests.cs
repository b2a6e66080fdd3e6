using Metrics.Reporters.Engine;

namespace Metrics.Reporters.Tests.Engine;

public class OptionsValidatorTests
{
    private static IEnumerable<TestCaseData> InvalidOptions()
    {
        yield return new TestCaseData(new TestReporterOptions { Interval = TimeSpan.Zero }, "ReporterOptions.Interval must be positive");
        yield return new TestCaseData(new TestReporterOptions { BatchSize = 0 }, "ReporterOptions.BatchSize must be positive (was 0)");
        yield return new TestCaseData(new TestReporterOptions { MaxQueueSize = -1 }, "ReporterOptions.MaxQueueSize must be positive (was -1)");
        yield return new TestCaseData(new TestReporterOptions { StopTimeout = TimeSpan.FromSeconds(-1) }, "ReporterOptions.StopTimeout");
        yield return new TestCaseData(new TestReporterOptions { StopTimeout = TimeSpan.FromDays(60) }, "ReporterOptions.StopTimeout must be between zero and 49 days");
        yield return new TestCaseData(new TestReporterOptions { Interval = TimeSpan.FromDays(60) }, "ReporterOptions.Interval must be at most 49 days");
        yield return new TestCaseData(new TestReporterOptions { Name = "" }, "ReporterOptions.Name must not be empty or blank");
        yield return new TestCaseData(new TestReporterOptions { Name = "  " }, "ReporterOptions.Name must not be empty or blank");
        yield return new TestCaseData(new TestReporterOptions { Retry = new RetryOptions { MaxRetries = -1 } }, "ReporterOptions.Retry.MaxRetries");
        yield return new TestCaseData(new TestReporterOptions { Retry = new RetryOptions { BaseDelay = TimeSpan.FromSeconds(5), MaxDelay = TimeSpan.FromSeconds(1) } }, "ReporterOptions.Retry.MaxDelay must be at least Retry.BaseDelay");
        yield return new TestCaseData(new TestReporterOptions { OfflineStorage = new OfflineStorageOptions() }, "ReporterOptions.OfflineStorage.Path is required");
        yield return new TestCaseData(new TestReporterOptions { OfflineStorage = new OfflineStorageOptions { Path = "x.db", ReplayBatchSize = 0 } }, "ReporterOptions.OfflineStorage.ReplayBatchSize");
        yield return new TestCaseData(new TestReporterOptions { BatchSize = 5, AdaptiveBatching = new AdaptiveBatchingOptions { MinBatchSize = 10 } }, "ReporterOptions.AdaptiveBatching.MinBatchSize must be between 1 and BatchSize (5)");
        yield return new TestCaseData(new TestReporterOptions { AdaptiveBatching = new AdaptiveBatchingOptions { CpuTargetPercent = 0 } }, "ReporterOptions.AdaptiveBatching.CpuTargetPercent");
    }

    [TestCaseSource(nameof(InvalidOptions))]
    public void Validate_InvalidOption_ThrowsNamingIt(ReporterOptions options, string message)
    {
        Assert.That(() => OptionsValidator.Validate(options), Throws.ArgumentException.With.Message.Contains(message));
    }

    [Test]
    public void Problems_SeveralInvalidOptions_ListsEveryOneWithItsKey()
    {
        var options = new TestReporterOptions { BatchSize = 0, MaxQueueSize = -1, Interval = TimeSpan.Zero, Name = " " };

        var problems = OptionsValidator.Problems(options);

        Assert.That(problems.Select(p => (p.Key, p.Description)), Is.EqualTo(new[]
        {
            ("Interval", "must be positive (was 00:00:00)"),
            ("Name", "must not be empty or blank: give the reporter a name, or leave Name out to use the backend's."),
            ("MaxQueueSize", "must be positive (was -1)"),
            ("BatchSize", "must be positive (was 0)"),
        }));
        Assert.That(
            () => OptionsValidator.Validate(options),
            Throws.ArgumentException.With.Message.EqualTo("ReporterOptions.Interval must be positive (was 00:00:00)."),
            "Validate keeps throwing the first problem's message");
    }

    [Test]
    public void Problems_NestedOptions_UseConfigurationKeys()
    {
        var options = new TestReporterOptions
        {
            Interval = TimeSpan.FromDays(50),
            StopTimeout = TimeSpan.FromDays(50),
            Retry = new RetryOptions { MaxRetries = -1, BaseDelay = TimeSpan.FromSeconds(5), MaxDelay = TimeSpan.FromSeconds(1) },
            OfflineStorage = new OfflineStorageOptions { Ttl = TimeSpan.Zero },
        };

        var problems = OptionsValidator.Problems(options);

        Assert.That(problems.Select(p => p.Key), Is.EqualTo(new[]
        {
            "Interval", "StopTimeout", "Retry:MaxRetries", "Retry:MaxDelay", "OfflineStorage:Path", "OfflineStorage:Ttl",
        }));
        Assert.That(problems.Select(p => p.Message), Has.All.StartsWith("ReporterOptions."));
    }

    [Test]
    public void Problems_Defaults_AreNone()
    {
        Assert.That(OptionsValidator.Problems(new TestReporterOptions()), Is.Empty);
    }

    [Test]
    public void Validate_LongestTimerSpans_AreValid()
    {
        Assert.That(() => OptionsValidator.Validate(new TestReporterOptions { Interval = TimeSpan.FromDays(49), StopTimeout = TimeSpan.FromDays(49) }), Throws.Nothing);
    }

    [Test]
    public void Validate_Defaults_AreValid()
    {
        Assert.That(() => OptionsValidator.Validate(new TestReporterOptions()), Throws.Nothing);
    }
}
