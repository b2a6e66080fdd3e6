using Metrics.Histograms;

namespace Metrics.Tests.Histograms;

public class SampleSnapshotsTests
{
    // Dropwizard's UniformSnapshotTest vectors.
    [Test]
    public void Uniform_FiveValues_MatchesDropwizardUniformSnapshot()
    {
        var snapshot = SampleSnapshots.Uniform([5, 1, 2, 3, 4], rejected: 0);

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.GetValue(0.0), Is.EqualTo(1));
            Assert.That(snapshot.Median, Is.EqualTo(3));
            Assert.That(snapshot.GetValue(0.75), Is.EqualTo(4.5));
            Assert.That(snapshot.GetValue(0.95), Is.EqualTo(5));
            Assert.That(snapshot.GetValue(0.999), Is.EqualTo(5));
            Assert.That(snapshot.GetValue(1.0), Is.EqualTo(5));
            Assert.That(snapshot.Min, Is.EqualTo(1));
            Assert.That(snapshot.Max, Is.EqualTo(5));
            Assert.That(snapshot.Mean, Is.EqualTo(3));
            Assert.That(snapshot.StdDev, Is.EqualTo(1.5811).Within(0.0001));
            Assert.That(snapshot.Sum, Is.EqualTo(15));
            Assert.That(snapshot.Count, Is.EqualTo(5));
        });
    }

    // Dropwizard's WeightedSnapshotTest vectors: values 5, 1, 2, 3, 4 with weights 1, 2, 3, 2, 2.
    [Test]
    public void Weighted_FiveWeightedValues_MatchesDropwizardWeightedSnapshot()
    {
        var snapshot = SampleSnapshots.Weighted([5, 1, 2, 3, 4], [1, 2, 3, 2, 2], rejected: 0);

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.GetValue(0.0), Is.EqualTo(1));
            Assert.That(snapshot.Median, Is.EqualTo(3));
            Assert.That(snapshot.GetValue(0.75), Is.EqualTo(4));
            Assert.That(snapshot.GetValue(0.95), Is.EqualTo(5));
            Assert.That(snapshot.GetValue(0.999), Is.EqualTo(5));
            Assert.That(snapshot.GetValue(1.0), Is.EqualTo(5));
            Assert.That(snapshot.Min, Is.EqualTo(1));
            Assert.That(snapshot.Max, Is.EqualTo(5));
            Assert.That(snapshot.Mean, Is.EqualTo(2.7).Within(1e-12));
            Assert.That(snapshot.StdDev, Is.EqualTo(1.2688).Within(0.0001));
        });
    }

    [Test]
    public void Weighted_AllWeightsZero_NoNaN()
    {
        var snapshot = SampleSnapshots.Weighted([1, 2], [0, 0], rejected: 0);

        Assert.Multiple(() =>
        {
            Assert.That(double.IsNaN(snapshot.Mean), Is.False);
            Assert.That(double.IsNaN(snapshot.StdDev), Is.False);
            Assert.That(double.IsNaN(snapshot.Median), Is.False);
        });
    }

    [Test]
    public void Uniform_RepeatedValues_GroupedIntoBuckets()
    {
        var snapshot = SampleSnapshots.Uniform([3, 1, 3, 3, 2], rejected: 2);

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Buckets, Is.EqualTo(new[] { new HistogramBucket(1, 1), new HistogramBucket(2, 1), new HistogramBucket(3, 3) }));
            Assert.That(snapshot.Rejected, Is.EqualTo(2));
        });
    }

    [Test]
    public void Uniform_SingleValue_StdDevZero()
    {
        var snapshot = SampleSnapshots.Uniform([42], rejected: 0);

        Assert.Multiple(() =>
        {
            Assert.That(snapshot.StdDev, Is.Zero);
            Assert.That(snapshot.GetValue(0.99), Is.EqualTo(42));
        });
    }
}
