using System.Collections.Concurrent;
using System.Text;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters.Tests.Wavefront;

/// <summary>A line transport that records what is written, fails on demand and can hold writes.</summary>
internal sealed class FakeLineTransport(int port) : ILineTransport
{
    private readonly ConcurrentQueue<string> _writes = new();
    private readonly SemaphoreSlim _written = new(0);
    private int _attempts;

    public int Port { get; } = port;

    public Action<string>? LineReceived { get; set; }

    public bool IsConnected => true;

    /// <summary>How many of the next writes throw an <see cref="IOException"/>.</summary>
    public int FailNext { get; set; }

    /// <summary>When set, the next write throws this exception (a transport bug rather than a network error).</summary>
    public Exception? ThrowNext { get; set; }

    /// <summary>When set, writes wait for it to complete, to hold a flush in progress.</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>Called after each successful write (e.g. to send more while a flush runs).</summary>
    public Action? OnWrite { get; set; }

    /// <summary>Writes started, including failed and held ones.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    public bool Disposed { get; private set; }

    public IReadOnlyList<string> Writes => _writes.ToArray();

    public IReadOnlyList<string> Lines => _writes.SelectMany(w => w.Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToArray();

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _attempts);
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (ThrowNext is { } exception)
        {
            ThrowNext = null;
            throw exception;
        }

        if (FailNext > 0)
        {
            FailNext--;
            throw new IOException("connection reset by peer");
        }

        _writes.Enqueue(Encoding.UTF8.GetString(data.Span));
        _written.Release();
        OnWrite?.Invoke();
    }

    /// <summary>Waits until <paramref name="count"/> writes have succeeded, or fails after <paramref name="timeout"/>.</summary>
    public async Task WaitForWritesAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        for (var i = 0; i < count; i++)
        {
            await _written.WaitAsync(cts.Token);
        }
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
