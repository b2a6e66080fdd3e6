using System.Collections.Concurrent;
using System.Text;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters.Tests.Wavefront;

/// <summary>A line transport that records what is written and fails on demand.</summary>
internal sealed class FakeLineTransport(int port) : ILineTransport
{
    private readonly ConcurrentQueue<string> _writes = new();

    public int Port { get; } = port;

    public Action<string>? LineReceived { get; set; }

    public bool IsConnected => true;

    /// <summary>How many of the next writes throw an <see cref="IOException"/>.</summary>
    public int FailNext { get; set; }

    public bool Disposed { get; private set; }

    public IReadOnlyList<string> Writes => _writes.ToArray();

    public IReadOnlyList<string> Lines => _writes.SelectMany(w => w.Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToArray();

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (FailNext > 0)
        {
            FailNext--;
            throw new IOException("connection reset by peer");
        }

        _writes.Enqueue(Encoding.UTF8.GetString(data.Span));
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
