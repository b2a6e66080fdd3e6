namespace Metrics.Histograms;

/// <summary>
/// Dropwizard's uniform reservoir: Vitter's algorithm R, a uniform random sample of <c>size</c> values over the
/// histogram's life. Thread-safe through one lock.
/// </summary>
internal sealed class UniformReservoir(int size, Random? random = null) : IReservoir
{
    private readonly Lock _lock = new();
    private readonly double[] _values = new double[size];
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
                return;
            }

            var slot = _random.NextInt64(seen);
            if (slot < _values.Length)
            {
                _values[slot] = value;
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
}
