using System.Collections.Concurrent;
using Metrics.Reporters.Engine;

namespace Metrics.Reporters.Tests.Engine;

/// <summary>A backend that records every batch and answers as scripted (default: success).</summary>
internal sealed class FakeBackend : IReportBackend
{
    private readonly ConcurrentQueue<IReadOnlyList<DataPoint>> _batches = new();
    private readonly ConcurrentQueue<Func<IReadOnlyList<DataPoint>, CancellationToken, ValueTask<SendResult>>> _script = new();
    private int _calls;

    public FakeBackend(string name = "fake") => Name = name;

    public string Name { get; }

    /// <summary>Answers when the script is empty.</summary>
    public Func<IReadOnlyList<DataPoint>, SendResult> Respond { get; set; } = batch => SendResult.Ok(batch.Count);

    /// <summary>Validation rule; null accepts everything.</summary>
    public Func<DataPoint, string?>? Validator { get; set; }

    /// <summary>Every batch the engine passed to <see cref="SendAsync"/>, failed ones included.</summary>
    public IReadOnlyList<IReadOnlyList<DataPoint>> Batches => _batches.ToArray();

    /// <summary>Points of the batches that were answered with success.</summary>
    public ConcurrentQueue<DataPoint> Accepted { get; } = new();

    public int Calls => Volatile.Read(ref _calls);

    public bool Disposed { get; private set; }

    public void Then(Func<IReadOnlyList<DataPoint>, SendResult> answer) => _script.Enqueue((b, _) => ValueTask.FromResult(answer(b)));

    public void ThenAsync(Func<IReadOnlyList<DataPoint>, CancellationToken, ValueTask<SendResult>> answer) => _script.Enqueue(answer);

    /// <summary>The next send never answers: it waits until it is cancelled (a backend that hangs).</summary>
    public void HangNext() => ThenAsync(static async (batch, ct) =>
    {
        await Task.Delay(Timeout.Infinite, ct);
        return SendResult.Ok(batch.Count);
    });

    public string? Validate(in DataPoint point) => Validator?.Invoke(point);

    public async ValueTask<SendResult> SendAsync(IReadOnlyList<DataPoint> batch, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        _batches.Enqueue(batch.ToArray());
        var result = _script.TryDequeue(out var scripted) ? await scripted(batch, cancellationToken) : Respond(batch);
        if (result.Outcome == SendOutcome.Success)
        {
            foreach (var p in batch)
            {
                Accepted.Enqueue(p);
            }
        }

        return result;
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
