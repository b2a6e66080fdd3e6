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
}
