using System.Collections.Concurrent;

namespace Metrics.Reporters.Wavefront;

/// <summary>
/// A bounded queue of formatted items (one item = the line or lines of one <c>Send*</c> call) of one data kind.
/// Adding never blocks: past the capacity the item is refused. An item counts against the capacity until it is
/// delivered or dropped, so a batch kept for resending still takes its room.
/// </summary>
/// <remarks><see cref="TryAdd"/> and the reservation calls are thread-safe; <see cref="Take"/>, <see cref="Keep"/> and <see cref="Release"/> are called by one flusher at a time.</remarks>
internal sealed class WavefrontLineQueue(int capacity)
{
    private readonly ConcurrentQueue<string> _items = new();
    private List<string>? _kept;
    private int _count;

    /// <summary>Items held, including a batch kept for resending.</summary>
    public int Count => Volatile.Read(ref _count);

    public int Capacity => capacity;

    public bool TryAdd(string item)
    {
        if (!TryReserve())
        {
            return false;
        }

        _items.Enqueue(item);
        return true;
    }

    /// <summary>Takes room for one item, to be filled by <see cref="AddReserved"/> or given back by <see cref="Unreserve"/>; false when full.</summary>
    public bool TryReserve()
    {
        if (Interlocked.Increment(ref _count) > capacity)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        return true;
    }

    /// <summary>Adds an item into room taken by <see cref="TryReserve"/>.</summary>
    public void AddReserved(string item) => _items.Enqueue(item);

    /// <summary>Gives back room taken by <see cref="TryReserve"/> and not used.</summary>
    public void Unreserve() => Interlocked.Decrement(ref _count);

    /// <summary>The next batch: the batch kept for resending if any, otherwise up to <paramref name="max"/> items in order.</summary>
    public List<string> Take(int max)
    {
        if (_kept is { } kept)
        {
            _kept = null;
            return kept;
        }

        var batch = new List<string>(Math.Min(max, Math.Max(Count, 1)));
        while (batch.Count < max && _items.TryDequeue(out var item))
        {
            batch.Add(item);
        }

        return batch;
    }

    /// <summary>Keeps a batch that failed for a while, to be taken first by the next <see cref="Take"/>.</summary>
    public void Keep(List<string> batch) => _kept = batch;

    /// <summary>Frees the room of <paramref name="items"/> delivered or dropped items.</summary>
    public void Release(int items) => Interlocked.Add(ref _count, -items);
}
