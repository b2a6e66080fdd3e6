namespace Metrics.Reporters.Tests.Engine;

/// <summary>The defaults the XML docs promise (and the issue asks for): users rely on them without setting anything.</summary>
public class ReporterOptionsDefaultsTests
{
    [Test]
    public void ReporterOptions_Defaults_AreTheDocumentedOnes()
    {
        var options = new TestReporterOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.Interval, Is.EqualTo(TimeSpan.FromSeconds(10)));
            Assert.That(options.StopTimeout, Is.EqualTo(TimeSpan.FromSeconds(5)), "the final flush is bounded by 5 s");
            Assert.That(options.MaxQueueSize, Is.EqualTo(100_000));
            Assert.That(options.BatchSize, Is.EqualTo(1_000));
            Assert.That(options.Tags, Is.EqualTo(Tags.Empty));
            Assert.That(options.Prefix, Is.Empty);
            Assert.That(options.Filter, Is.Null);
            Assert.That(options.ErrorHandler, Is.Null, "null: failures are logged");
            Assert.That(options.OfflineStorage, Is.Null);
            Assert.That(options.AdaptiveBatching, Is.Null);
            Assert.That(options.Fields, Is.SameAs(FieldNaming.Pyformance));
        });
    }

    [Test]
    public void RetryOptions_Defaults_AreExponentialWithFullJitterAndACap()
    {
        var retry = new TestReporterOptions().Retry;

        Assert.That(
            (retry.MaxRetries, retry.BaseDelay, retry.MaxDelay, retry.UseJitter),
            Is.EqualTo((3, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), true)));
    }

    [Test]
    public void OfflineStorageOptions_Defaults_KeepPointsForOneHour()
    {
        var storage = new OfflineStorageOptions();

        Assert.That(
            (storage.Ttl, storage.ReplayBatchSize, storage.StoreOnQueueOverflow, storage.MaxStoredPoints),
            Is.EqualTo((TimeSpan.FromHours(1), 50, true, 1_000_000)));
    }

    [Test]
    public void AdaptiveBatchingOptions_Defaults_AreTheTendrlTargets()
    {
        var adaptive = new AdaptiveBatchingOptions();

        Assert.That((adaptive.MinBatchSize, adaptive.CpuTargetPercent, adaptive.MemoryTargetPercent), Is.EqualTo((10, 70d, 80d)));
    }
}
