namespace Metrics.Tests;

/// <summary>Runs work on several real threads released together, and fails the test if any of them throws or hangs.</summary>
internal static class Hammer
{
    public static void Run(int threads, Action work) => Run(threads, _ => work());

    public static void Run(int threads, Action<int> work)
    {
        using var start = new Barrier(threads);
        var errors = new List<Exception>();
        var workers = new Thread[threads];
        for (var i = 0; i < threads; i++)
        {
            var index = i;
            workers[i] = new Thread(() =>
            {
                try
                {
                    start.SignalAndWait();
                    work(index);
                }
                catch (Exception ex)
                {
                    lock (errors)
                    {
                        errors.Add(ex);
                    }
                }
            });
            workers[i].Start();
        }

        foreach (var worker in workers)
        {
            Assert.That(worker.Join(TimeSpan.FromSeconds(60)), Is.True, "a worker thread did not finish within 60 s");
        }

        Assert.That(errors, Is.Empty);
    }
}
