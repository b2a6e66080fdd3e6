using Metrics.Reporters.Apptuit;
using Metrics.Reporters.Wavefront;

namespace Metrics.Reporters.Tests;

/// <summary>
/// Error messages read the same whatever the current culture: sv-SE (ICU) writes a minus sign as U+2212 and
/// infinity as ∞, so a message formatted with the current culture would say "−1" or "∞" where the option was -1.
/// </summary>
[TestFixture]
[SetCulture("sv-SE")]
public sealed class InvariantMessageTests
{
    [Test]
    public void WavefrontProxyClient_NegativeMaxQueueSize_MessageShowsInvariantNumber() =>
        Assert.That(() => new WavefrontProxyClient(new WavefrontProxyClientOptions { Host = "h", MaxQueueSize = -1 }), Throws.ArgumentException.With.Message.Contains("MaxQueueSize is -1;"));

    [Test]
    public void WavefrontProxyClient_NegativeBatchSize_MessageShowsInvariantNumber() =>
        Assert.That(() => new WavefrontProxyClient(new WavefrontProxyClientOptions { Host = "h", BatchSize = -5 }), Throws.ArgumentException.With.Message.Contains("BatchSize is -5;"));

    [Test]
    public void WavefrontProxyClient_NegativePort_MessageShowsInvariantNumber() =>
        Assert.That(() => new WavefrontProxyClient(new WavefrontProxyClientOptions { Host = "h", MetricsPort = -2878 }), Throws.ArgumentException.With.Message.Contains("MetricsPort is -2878;"));

    [Test]
    public async Task WavefrontSendDistribution_UndefinedGranularity_MessageShowsInvariantNumber()
    {
        await using var client = new WavefrontProxyClient(new WavefrontProxyClientOptions { Host = "h" }, port => new Wavefront.FakeLineTransport(port));

        Assert.That(() => client.SendDistribution("d", [(1.0, 1)], [(HistogramGranularity)(-1)]), Throws.ArgumentException.With.Message.StartsWith("'-1' is not a histogram granularity"));
    }

    [Test]
    public void ApptuitClient_NegativeBatchSize_MessageShowsInvariantNumber() =>
        Assert.That(() => new ApptuitClient(new ApptuitClientOptions { Token = "t", BatchSize = -1 }), Throws.ArgumentException.With.Message.Contains("BatchSize is -1;"));

    [Test]
    public void ApptuitReporter_NegativeRetryCount_MessageShowsInvariantNumber() =>
        Assert.That(() => new ApptuitReporter(new MetricsRegistry(), new ApptuitReporterOptions { Token = "t", RetryCount = -1 }), Throws.ArgumentException.With.Message.Contains("RetryCount is -1;"));

    [Test]
    public void ApptuitPointRules_InfiniteValue_MessageShowsInvariantValue()
    {
        var rules = new ApptuitPointRules(ApptuitSanitizeMode.Prometheus, new Tags(("env", "prod")), hostName: null);

        Assert.That(() => rules.Prepare("m", Tags.Empty, 1, double.NegativeInfinity), Throws.ArgumentException.With.Message.Contains("is -Infinity;"));
    }
}
