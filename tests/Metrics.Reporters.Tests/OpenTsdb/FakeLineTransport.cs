using System.Collections.Concurrent;
using System.Text;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters.Tests.OpenTsdb;

/// <summary>An <see cref="ILineTransport"/> that records each write (with the clock's time) and each attempt, and can fail or hold writes.</summary>
internal sealed class FakeLineTransport(TimeProvider time) : ILineTransport
{
    private readonly ConcurrentQueue<(DateTimeOffset At, string[] Lines)> _writes = new();
    private readonly ConcurrentQueue<string[]> _attempts = new();
    private readonly SemaphoreSlim _written = new(0);
    private int _lineCount;

    public FakeLineTransport()
        : this(TimeProvider.System)
    {
    }

    public Action<string>? LineReceived { get; set; }

    public bool IsConnected => true;

    /// <summary>Runs before each write; may throw (a failed write) or wait (a slow server).</summary>
    public Func<ValueTask>? BeforeWrite { get; set; }

    public IReadOnlyList<(DateTimeOffset At, string[] Lines)> Writes => _writes.ToArray();

    public IReadOnlyList<string> Lines => _writes.SelectMany(w => w.Lines).ToArray();

    /// <summary>The lines of every write asked for, failed ones included, in order.</summary>
    public IReadOnlyList<string[]> Attempts => _attempts.ToArray();

    public int LineCount => Volatile.Read(ref _lineCount);

    public bool Disposed { get; private set; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var lines = Encoding.UTF8.GetString(data.Span).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        _attempts.Enqueue(lines);
        if (BeforeWrite is { } before)
        {
            await before();
        }

        _writes.Enqueue((time.GetUtcNow(), lines));
        Interlocked.Add(ref _lineCount, lines.Length);
        _written.Release();
    }

    /// <summary>Waits until at least <paramref name="count"/> lines were written; fails the test on timeout.</summary>
    public async Task WaitForLinesAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (LineCount < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _written.WaitAsync(left))
            {
                if (LineCount < count)
                {
                    Assert.Fail($"Expected {count} lines within {timeout}, got {LineCount}.");
                }
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
