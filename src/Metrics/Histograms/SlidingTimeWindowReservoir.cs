using System.Numerics;

namespace Metrics.Histograms;

/// <summary>
/// Dropwizard's sliding time window reservoir: every value recorded in the last <c>window</c> (by the injected
/// <see cref="TimeProvider"/>); a value recorded exactly <c>window</c> ago is still in. Memory grows with the rate
/// of values: at a high rate prefer <see cref="ReservoirType.Hdr"/> or a sliding window of fixed size.
/// </summary>
/// <remarks>Thread-safe through one lock. Old values are dropped on write and on read.</remarks>
internal sealed class SlidingTimeWindowReservoir : IReservoir
{
    private const int MinCapacity = 16;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly long _window;

    // A growable ring buffer of (timestamp, value), oldest first.
    private long[] _timestamps = new long[MinCapacity];
    private double[] _values = new double[MinCapacity];
    private int _head;
    private int _count;

    // Values given so far: the buffer holds the last _count of them, in order.
    private long _recorded;

    public SlidingTimeWindowReservoir(TimeSpan window, TimeProvider time)
    {
        _time = time;
        _window = (long)Math.Min(window.TotalSeconds * time.TimestampFrequency, long.MaxValue / 2);
    }

    public void Update(double value)
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            Trim(now);
            if (_count == _values.Length)
            {
                Resize(_values.Length * 2);
            }

            var tail = (_head + _count) % _values.Length;
            _timestamps[tail] = now;
            _values[tail] = value;
            _count++;
            _recorded++;
        }
    }

    /// <summary>Room in the buffer, in values.</summary>
    public int Capacity
    {
        get
        {
            lock (_lock)
            {
                return _values.Length;
            }
        }
    }

    public HistogramSnapshot GetSnapshot(long rejected)
    {
        double[] copy;
        lock (_lock)
        {
            Trim(_time.GetTimestamp());
            copy = new double[_count];
            for (var i = 0; i < _count; i++)
            {
                copy[i] = _values[(_head + i) % _values.Length];
            }
        }

        return SampleSnapshots.Uniform(copy, rejected);
    }

    public HistogramSnapshot GetWindow(long seen, long rejected, out long recorded)
    {
        double[] copy;
        lock (_lock)
        {
            Trim(_time.GetTimestamp());
            recorded = _recorded;
            var n = (int)Math.Clamp(_recorded - seen, 0, _count);
            copy = new double[n];
            for (var i = 0; i < n; i++)
            {
                copy[i] = _values[(_head + _count - n + i) % _values.Length];
            }
        }

        return SampleSnapshots.Uniform(copy, rejected);
    }

    private void Trim(long now)
    {
        var oldest = now - _window;
        while (_count > 0 && _timestamps[_head] < oldest)
        {
            _head = (_head + 1) % _values.Length;
            _count--;
        }

        // Give memory back after a burst, keeping room to double before the next resize.
        if (_values.Length > MinCapacity && _count < _values.Length / 4)
        {
            Resize(Math.Max(MinCapacity, (int)BitOperations.RoundUpToPowerOf2((uint)(_count * 2))));
        }
    }

    private void Resize(int capacity)
    {
        var timestamps = new long[capacity];
        var values = new double[capacity];
        for (var i = 0; i < _count; i++)
        {
            var from = (_head + i) % _values.Length;
            timestamps[i] = _timestamps[from];
            values[i] = _values[from];
        }

        _timestamps = timestamps;
        _values = values;
        _head = 0;
    }
}
