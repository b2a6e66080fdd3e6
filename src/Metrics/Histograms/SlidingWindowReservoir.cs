namespace Metrics.Histograms;

/// <summary>Dropwizard's sliding window reservoir: the last <c>size</c> values. Thread-safe through one lock.</summary>
internal sealed class SlidingWindowReservoir(int size) : IReservoir
{
    private readonly Lock _lock = new();
    private readonly double[] _values = new double[size];
    private long _count;

    public void Update(double value)
    {
        lock (_lock)
        {
            _values[(int)(_count % _values.Length)] = value;
            _count++;
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
        double[] copy;
        lock (_lock)
        {
            recorded = _count;

            // The buffer holds the last min(count, size) values, the newest at (count - 1) % size.
            var n = (int)Math.Clamp(_count - seen, 0, Math.Min(_count, _values.Length));
            copy = new double[n];
            for (var i = 0; i < n; i++)
            {
                copy[i] = _values[(int)((_count - n + i) % _values.Length)];
            }
        }

        return SampleSnapshots.Uniform(copy, rejected);
    }
}
