using Metrics.Reporters.Transports;

namespace Metrics.Benchmarks;

/// <summary>A line transport that counts what it is given and drops it: the reporter's cost without a server.</summary>
internal sealed class DiscardingLineTransport : ILineTransport
{
    public Action<string>? LineReceived { get; set; }

    public bool IsConnected => true;

    public long Lines { get; private set; }

    public long Bytes { get; private set; }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        Bytes += data.Length;
        Lines += data.Span.Count((byte)'\n');
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
