using Metrics.Reporters.Engine;

namespace Metrics.Reporters.Tests.Engine;

public class PointQueueTests
{
    private static DataPoint[] Points(int from, int count) =>
        Enumerable.Range(from, count).Select(i => new DataPoint("p" + i, Tags.Empty, 0L, i)).ToArray();

    [Test]
    public void Take_AfterEnqueue_ReturnsOldestFirstInBatches()
    {
        var queue = new PointQueue(10);
        queue.Enqueue(Points(0, 5), new List<DataPoint>());

        var first = queue.Take(3);
        var rest = queue.Take(3);

        Assert.That(first.Select(p => p.Value), Is.EqualTo(new double[] { 0, 1, 2 }));
        Assert.That(rest.Select(p => p.Value), Is.EqualTo(new double[] { 3, 4 }));
        Assert.That(queue.Count, Is.Zero);
    }

    [Test]
    public void Enqueue_WhenFull_EvictsOldestAndKeepsCapacity()
    {
        var queue = new PointQueue(4);
        var evicted = new List<DataPoint>();

        queue.Enqueue(Points(0, 3), evicted);
        queue.Enqueue(Points(3, 3), evicted);

        Assert.That(evicted.Select(p => p.Value), Is.EqualTo(new double[] { 0, 1 }));
        Assert.That(queue.Count, Is.EqualTo(4));
        Assert.That(queue.TakeAll().Select(p => p.Value), Is.EqualTo(new double[] { 2, 3, 4, 5 }));
    }

    [Test]
    public void Enqueue_ManyTimesCapacity_NeverGrowsPastCapacity()
    {
        var queue = new PointQueue(7);
        var evicted = new List<DataPoint>();

        queue.Enqueue(Points(0, 100), evicted);

        Assert.That(queue.Count, Is.EqualTo(7));
        Assert.That(evicted, Has.Count.EqualTo(93));
        Assert.That(queue.TakeAll().Select(p => p.Value), Is.EqualTo(Enumerable.Range(93, 7).Select(i => (double)i)));
    }
}
