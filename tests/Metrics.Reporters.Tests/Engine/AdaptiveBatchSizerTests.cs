using Metrics.Reporters.Engine;

namespace Metrics.Reporters.Tests.Engine;

public class AdaptiveBatchSizerTests
{
    private static readonly AdaptiveBatchingOptions Options = new() { MinBatchSize = 10, CpuTargetPercent = 70, MemoryTargetPercent = 80 };

    [Test]
    public void Compute_Idle_IsMaximum()
    {
        Assert.That(AdaptiveBatchSizer.Compute(Options, 500, new ResourceUsage(0, 0, 0)), Is.EqualTo(500));
    }

    [Test]
    public void Compute_CpuAtTarget_IsMinimum()
    {
        Assert.That(AdaptiveBatchSizer.Compute(Options, 500, new ResourceUsage(70, 10, 0)), Is.EqualTo(10));
    }

    [Test]
    public void Compute_MemoryAboveTarget_IsMinimum()
    {
        Assert.That(AdaptiveBatchSizer.Compute(Options, 500, new ResourceUsage(0, 95, 100)), Is.EqualTo(10));
    }

    [Test]
    public void Compute_CpuHalfwayToTarget_IsHalfway()
    {
        Assert.That(AdaptiveBatchSizer.Compute(Options, 510, new ResourceUsage(35, 0, 0)), Is.EqualTo(260));
    }

    [Test]
    public void Compute_QueueFilling_GrowsBatch()
    {
        var empty = AdaptiveBatchSizer.Compute(Options, 510, new ResourceUsage(35, 0, 0));
        var half = AdaptiveBatchSizer.Compute(Options, 510, new ResourceUsage(35, 0, 50));
        var full = AdaptiveBatchSizer.Compute(Options, 510, new ResourceUsage(35, 0, 100));

        Assert.That(half, Is.EqualTo(385));
        Assert.That(full, Is.EqualTo(510));
        Assert.That(empty, Is.LessThan(half));
    }

    [Test]
    public void Compute_AnyUsage_StaysWithinBounds()
    {
        foreach (var cpu in new[] { -5.0, 0, 50, 100, 300, double.NaN })
        {
            foreach (var queue in new[] { 0.0, 50, 100, 250 })
            {
                var size = AdaptiveBatchSizer.Compute(Options, 200, new ResourceUsage(cpu, 40, queue));
                Assert.That(size, Is.InRange(10, 200), $"cpu {cpu}, queue {queue}");
            }
        }
    }
}
