namespace Metrics.Histograms;

/// <summary>
/// Dropwizard's exponentially decaying reservoir: a forward-decaying priority sample (Cormode et al.) that keeps
/// <c>size</c> values, biased towards the last few minutes (about 5 at alpha 0.015).
/// </summary>
/// <remarks>
/// A value recorded t seconds after the landmark gets weight e^(alpha·t) and priority weight / u, u uniform in
/// (0, 1] (never 0, so never an infinite priority); the sample keeps the highest priorities. Every hour (sooner when
/// alpha is above 0.015, so that alpha·t never exceeds 54 and no weight can overflow), checked on write and on read,
/// the landmark moves to now and every weight and priority is scaled by e^(-alpha·elapsed); samples whose weight
/// underflows to 0 are dropped, so an idle reservoir empties instead of reporting stale percentiles forever.
/// Thread-safe through one lock, as in Dropwizard.
/// </remarks>
internal sealed class ExponentiallyDecayingReservoir : IReservoir
{
    // Dropwizard rescales hourly; at its default alpha (0.015) that bounds alpha·t by 54, and so does this for any alpha.
    private const double RescaleSeconds = 3600;
    private const double MaxExponent = 54;

    private readonly Lock _lock = new();
    private readonly double _alpha;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly long _rescaleInterval;

    // A min-heap on priority, in three parallel arrays: the root is the sample to evict first.
    private readonly double[] _priorities;
    private readonly double[] _values;
    private readonly double[] _weights;

    // Per sample: how many values had been given when it was recorded, itself included, so a window can tell new ones.
    private readonly long[] _orders;
    private long _recorded;
    private int _count;
    private long _landmark;
    private long _nextRescale;

    public ExponentiallyDecayingReservoir(int size, double alpha, TimeProvider time, Random? random = null)
    {
        _alpha = alpha;
        _time = time;
        _random = random ?? new Random();
        _priorities = new double[size];
        _values = new double[size];
        _weights = new double[size];
        _orders = new long[size];
        _rescaleInterval = Math.Max(1, (long)(Math.Min(RescaleSeconds, MaxExponent / alpha) * time.TimestampFrequency));
        _landmark = time.GetTimestamp();
        _nextRescale = _landmark + _rescaleInterval;
    }

    public void Update(double value)
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            RescaleIfDue(now);
            var weight = Math.Exp(_alpha * _time.GetElapsedTime(_landmark, now).TotalSeconds);
            var priority = weight / (1.0 - _random.NextDouble());
            var order = ++_recorded;
            if (_count < _priorities.Length)
            {
                _priorities[_count] = priority;
                _values[_count] = value;
                _weights[_count] = weight;
                _orders[_count] = order;
                SiftUp(_count++);
            }
            else if (priority > _priorities[0])
            {
                _priorities[0] = priority;
                _values[0] = value;
                _weights[0] = weight;
                _orders[0] = order;
                SiftDown(0);
            }
        }
    }

    public HistogramSnapshot GetSnapshot(long rejected)
    {
        double[] values;
        double[] weights;
        lock (_lock)
        {
            RescaleIfDue(_time.GetTimestamp());
            values = _values.AsSpan(0, _count).ToArray();
            weights = _weights.AsSpan(0, _count).ToArray();
        }

        return SampleSnapshots.Weighted(values, weights, rejected);
    }

    public HistogramSnapshot GetWindow(long seen, long rejected, out long recorded)
    {
        var values = new List<double>();
        var weights = new List<double>();
        lock (_lock)
        {
            RescaleIfDue(_time.GetTimestamp());
            recorded = _recorded;
            if (_recorded > seen)
            {
                for (var i = 0; i < _count; i++)
                {
                    if (_orders[i] > seen)
                    {
                        values.Add(_values[i]);
                        weights.Add(_weights[i]);
                    }
                }
            }
        }

        return SampleSnapshots.Weighted(values.ToArray(), weights.ToArray(), rejected);
    }

    private void RescaleIfDue(long now)
    {
        if (now < _nextRescale)
        {
            return;
        }

        var factor = Math.Exp(-_alpha * _time.GetElapsedTime(_landmark, now).TotalSeconds);
        _landmark = now;
        _nextRescale = now + _rescaleInterval;
        var kept = 0;
        for (var i = 0; i < _count; i++)
        {
            var weight = _weights[i] * factor;
            if (weight == 0)
            {
                continue;
            }

            _priorities[kept] = _priorities[i] * factor;
            _values[kept] = _values[i];
            _weights[kept] = weight;
            _orders[kept] = _orders[i];
            kept++;
        }

        _count = kept;
        for (var i = (_count / 2) - 1; i >= 0; i--)
        {
            SiftDown(i);
        }
    }

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            var parent = (i - 1) / 2;
            if (_priorities[parent] <= _priorities[i])
            {
                return;
            }

            Swap(i, parent);
            i = parent;
        }
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            var left = (2 * i) + 1;
            if (left >= _count)
            {
                return;
            }

            var smallest = left + 1 < _count && _priorities[left + 1] < _priorities[left] ? left + 1 : left;
            if (_priorities[i] <= _priorities[smallest])
            {
                return;
            }

            Swap(i, smallest);
            i = smallest;
        }
    }

    private void Swap(int a, int b)
    {
        (_priorities[a], _priorities[b]) = (_priorities[b], _priorities[a]);
        (_values[a], _values[b]) = (_values[b], _values[a]);
        (_weights[a], _weights[b]) = (_weights[b], _weights[a]);
        (_orders[a], _orders[b]) = (_orders[b], _orders[a]);
    }
}
