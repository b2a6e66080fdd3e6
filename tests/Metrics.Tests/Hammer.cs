namespace Metrics.Tests;

/// <summary>Runs work on several real threads released together, and fails the test if any of them throws or hangs.</summary>
internal static class Hammer
{
    public static void Run(int threads, Action work) => Run(threads, _ => work());

    /// <summary>
    /// One thread calls <paramref name="remove"/> 2,000 times, starting once the two other threads have called
    /// <paramref name="increment"/> 100 times between them so the two really overlap; they keep incrementing until
    /// the removals end. Returns how many increments were made.
    /// </summary>
    public static long RemoveWhileIncrementing(Action remove, Action increment)
    {
        var stop = 0;
        long incs = 0;
        Run(3, i =>
        {
            if (i == 0)
            {
                SpinWait.SpinUntil(() => Volatile.Read(ref incs) >= 100, TimeSpan.FromSeconds(30));
                for (var n = 0; n < 2000; n++)
                {
                    remove();
                }

                Volatile.Write(ref stop, 1);
                return;
            }

            while (Volatile.Read(ref stop) == 0)
            {
                increment();
                Interlocked.Increment(ref incs);
            }
        });

        return incs;
    }

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
