using Metrics.Primitives;

namespace Metrics.Tests.Primitives;

public class StripedLongTests
{
    private sealed class Holder
    {
        public StripedLong Value;
    }

    [Test]
    public void Add_SingleThread_StaysUnstripedAndSums()
    {
        var holder = new Holder();

        for (var i = 1; i <= 100; i++)
        {
            holder.Value.Add(i);
        }

        Assert.Multiple(() =>
        {
            Assert.That(holder.Value.Sum, Is.EqualTo(5050));
            Assert.That(holder.Value.IsStriped, Is.False);
        });
    }

    [Test]
    public void Add_UnderContention_KeepsExactSum()
    {
        var holder = new Holder();
        const int threads = 4;
        const int perThread = 500_000;

        Hammer.Run(threads, () =>
        {
            for (var i = 0; i < perThread; i++)
            {
                holder.Value.Add(1);
            }
        });

        Assert.That(holder.Value.Sum, Is.EqualTo((long)threads * perThread));
    }
}
