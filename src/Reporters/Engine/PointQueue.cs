namespace Metrics.Reporters.Engine;

/// <summary>
/// The bounded in-memory queue of points waiting to be sent. When full, the oldest points are evicted (and handed
/// back to the caller to store or count); it never grows past its capacity and never blocks.
/// </summary>
/// <remarks>Thread-safe: the reporter loop writes and reads it, health checks read its depth.</remarks>
internal sealed class PointQueue
{
    private readonly object _lock = new();
    private readonly DataPoint[] _ring;
    private int _head;
    private int _count;

    public PointQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _ring = new DataPoint[capacity];
    }

    public int Capacity => _ring.Length;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Appends <paramref name="points"/>; each point evicted to make room is added to <paramref name="evicted"/>, oldest first.</summary>
    public void Enqueue(IReadOnlyList<DataPoint> points, List<DataPoint> evicted)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(evicted);
        lock (_lock)
        {
            foreach (var point in points)
            {
                if (_count == _ring.Length)
                {
                    evicted.Add(_ring[_head]);
                    _ring[_head] = default;
                    _head = (_head + 1) % _ring.Length;
                    _count--;
                }

                _ring[(_head + _count) % _ring.Length] = point;
                _count++;
            }
        }
    }

    /// <summary>Removes and returns up to <paramref name="max"/> of the oldest points.</summary>
    public DataPoint[] Take(int max)
    {
        lock (_lock)
        {
            var n = Math.Min(max, _count);
            var batch = new DataPoint[n];
            for (var i = 0; i < n; i++)
            {
                batch[i] = _ring[_head];
                _ring[_head] = default;
                _head = (_head + 1) % _ring.Length;
            }

            _count -= n;
            return batch;
        }
    }

    /// <summary>Removes and returns every point.</summary>
    public DataPoint[] TakeAll() => Take(int.MaxValue);
}
