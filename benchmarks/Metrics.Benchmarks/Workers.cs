namespace Metrics.Benchmarks;

/// <summary>
/// Dedicated threads that run one piece of work at once on request, so a contended benchmark measures the work and
/// not thread start-up or thread-pool scheduling (Parallel.Invoke may run both halves on the calling thread).
/// </summary>
internal sealed class Workers : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _go;
    private readonly CountdownEvent _done = new(1);
    private Action<int>? _work;
    private volatile bool _stopping;

    public Workers(int count)
    {
        _threads = new Thread[count];
        _go = new SemaphoreSlim[count];
        for (var i = 0; i < count; i++)
        {
            var index = i;
            _go[i] = new SemaphoreSlim(0);
            _threads[i] = new Thread(() => Loop(index)) { IsBackground = true, Name = "bench-worker-" + i };
            _threads[i].Start();
        }
    }

    /// <summary>Runs <paramref name="work"/> (given the worker index) on the first <paramref name="count"/> workers at once and waits for all of them.</summary>
    public void Run(int count, Action<int> work)
    {
        _work = work;
        _done.Reset(count);
        for (var i = 0; i < count; i++)
        {
            _go[i].Release();
        }

        _done.Wait();
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var go in _go)
        {
            go.Release();
        }

        foreach (var thread in _threads)
        {
            thread.Join();
        }

        foreach (var go in _go)
        {
            go.Dispose();
        }

        _done.Dispose();
    }

    private void Loop(int index)
    {
        while (true)
        {
            _go[index].Wait();
            if (_stopping)
            {
                return;
            }

            _work!(index);
            _done.Signal();
        }
    }
}
