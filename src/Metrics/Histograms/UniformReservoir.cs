namespace Metrics.Histograms;

/// <summary>
/// Dropwizard's uniform reservoir: Vitter's algorithm R, a uniform random sample of <c>size</c> values over the
/// histogram's life. Thread-safe through one lock.
/// </summary>
/// <remarks>
/// Each sampled value keeps its place in the order of recording, so a window holds the sampled values recorded since
/// the previous one: a uniform sample of that interval's values, since the whole sample is one of every value.
/// </remarks>
internal sealed class UniformReservoir(int size, Random? random = null) : IReservoir
{
    private readonly Lock _lock = new();
    private readonly double[] _values = new double[size];

    // Per sample: how many values had been given when it was recorded, itself included (1 for the first value).
    private readonly long[] _orders = new long[size];
    private readonly Random _random = random ?? new Random();
    private long _count;

    public void Update(double value)
    {
        lock (_lock)
        {
            var seen = ++_count;
            if (seen <= _values.Length)
            {
                _values[seen - 1] = value;
                _orders[seen - 1] = seen;
                return;
            }

            var slot = _random.NextInt64(seen);
            if (slot < _values.Length)
            {
                _values[slot] = value;
                _orders[slot] = seen;
            }
        }
    }

    public HistogramSnapshot GetSnapshot(long rejected)
    {
        double[] copy;
        lock (_lock)
        {
            copy = _values.AsSpan(0, (int)Math.Min(_count, _values.Length)).ToArray();
        }

        return SampleSnapshots.Uniform(copy, rejected);
    }

    public HistogramSnapshot GetWindow(long seen, long rejected, out long recorded)
    {
        var copy = new List<double>();
        lock (_lock)
        {
            recorded = _count;
            if (_count > seen)
            {
                var n = (int)Math.Min(_count, _values.Length);
                for (var i = 0; i < n; i++)
                {
                    if (_orders[i] > seen)
                    {
                        copy.Add(_values[i]);
                    }
                }
            }
        }

        return SampleSnapshots.Uniform(copy.ToArray(), rejected);
    }
}
