namespace Metrics.Reporters.Engine;

/// <summary>
/// Turns a metric snapshot into points named <c>prefix + name + "." + key</c> with the pyformance key set of
/// <see cref="FieldNaming"/>. Histogram and timer statistics come from the lifetime histogram
/// (<see cref="MetricSnapshot.Histogram"/>), as pyformance reports them.
/// </summary>
/// <remarks>
/// A backend that needs other points derives from this class and overrides the method of a metric type (e.g.
/// Wavefront emits <see cref="PointKind.DeltaCounter"/> points for counters and <see cref="PointKind.Distribution"/>
/// points from <see cref="MetricSnapshot.Window"/>), then supplies it through <see cref="IExpandingBackend"/>.
/// One instance serves one reporter; it is called from the reporter's loop only.
/// </remarks>
internal class PointExpander
{
    // The prefixed name, merged tags and point names of every series seen, kept with the series' reader cursor, so a
    // steady report builds no strings and merges no tags. Snapshots that come without a cursor find theirs here, by
    // the identity of their name and tags; those of series not seen in a report are dropped at its end (EndReport).
    private readonly Dictionary<SeriesIdentity, SeriesNames> _series = new();
    private SeriesNames? _current;
    private int _report;
    private int _seen;

    /// <summary>Creates an expander with the given field names.</summary>
    public PointExpander(FieldNaming fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        Fields = fields;
    }

    /// <summary>The field names in use.</summary>
    public FieldNaming Fields { get; }

    /// <summary>
    /// Expands <paramref name="snapshot"/> as a report does: named <c>prefix + snapshot.Name</c>, tagged with
    /// <paramref name="baseTags"/> merged with the series' own tags. The name, the merged tags and the point names
    /// are kept per series, so the points of a series carry the same string and <see cref="Tags"/> instances in every
    /// report (formats cache their text by them). Call <see cref="EndReport"/> after the last series of a report.
    /// </summary>
    /// <param name="snapshot">The series as the reporter's reader saw it.</param>
    /// <param name="prefix">The reporter's name prefix (may be empty).</param>
    /// <param name="baseTags">The global and reporter tags, which the series' own tags override.</param>
    /// <param name="output">Where points go.</param>
    public void ExpandSeries(MetricSnapshot snapshot, string prefix, Tags baseTags, PointBuffer output)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(baseTags);
        prefix ??= string.Empty;
        // Read by a reader: the series' names live with its cursor, for as long as the series does. Otherwise (snapshots
        // from elsewhere) they are looked up by the identity of the name and tags.
        var cursor = snapshot.Cursor;
        if (cursor?.State is not SeriesNames names || !names.Matches(this, snapshot, prefix, baseTags))
        {
            names = cursor is null ? Lookup(snapshot, prefix, baseTags) : Create(snapshot, prefix, baseTags);
            if (cursor != null)
            {
                cursor.State = names;
            }
        }

        names.Next = 0;
        _current = names;
        try
        {
            Expand(snapshot, names.Name, names.Tags, output);
        }
        finally
        {
            _current = null;
        }
    }

    private SeriesNames Lookup(MetricSnapshot snapshot, string prefix, Tags baseTags)
    {
        var identity = new SeriesIdentity(snapshot.Name, snapshot.Tags);
        if (!_series.TryGetValue(identity, out var names) || !names.Matches(this, snapshot, prefix, baseTags))
        {
            names = Create(snapshot, prefix, baseTags);
            _series[identity] = names;
        }

        if (names.Report != _report)
        {
            names.Report = _report;
            _seen++;
        }

        return names;
    }

    private SeriesNames Create(MetricSnapshot snapshot, string prefix, Tags baseTags)
    {
        var tags = snapshot.Tags.IsEmpty ? baseTags : baseTags.Merge(snapshot.Tags);
        return new SeriesNames(this, snapshot.Name, snapshot.Tags, prefix, baseTags, prefix + snapshot.Name, tags);
    }

    /// <summary>Ends a report: forgets the series that did not appear in it (removed from the registry, or filtered out).</summary>
    public void EndReport()
    {
        if (_series.Count > _seen)
        {
            var report = _report;
            foreach (var (identity, names) in _series)
            {
                if (names.Report != report)
                {
                    _series.Remove(identity);
                }
            }
        }

        _report++;
        _seen = 0;
    }

    /// <summary>Expands <paramref name="snapshot"/> into <paramref name="output"/>.</summary>
    /// <param name="snapshot">The series as the reporter's reader saw it.</param>
    /// <param name="name">The prefixed series name (<c>prefix + snapshot.Name</c>).</param>
    /// <param name="tags">The merged tags (global, then reporter, then the metric's own).</param>
    /// <param name="output">Where points go.</param>
    public void Expand(MetricSnapshot snapshot, string name, Tags tags, PointBuffer output)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(output);
        switch (snapshot.Type)
        {
            case MetricType.Counter:
                ExpandCounter(snapshot, name, tags, output);
                break;
            case MetricType.Gauge:
                ExpandGauge(snapshot, name, tags, output);
                break;
            case MetricType.Meter:
                ExpandMeter(snapshot, name, tags, output);
                break;
            case MetricType.Histogram:
                ExpandHistogram(snapshot, name, tags, output);
                break;
            case MetricType.Timer:
                ExpandTimer(snapshot, name, tags, output);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(snapshot), snapshot.Type, "Unknown metric type.");
        }
    }

    /// <summary>Counter: <c>count</c>.</summary>
    protected virtual void ExpandCounter(MetricSnapshot snapshot, string name, Tags tags, PointBuffer output)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(output);
        output.Add(Key(name, Fields.Count), tags, snapshot.Timestamp, snapshot.Count);
    }

    /// <summary>Gauge: <c>value</c> (skipped and counted when not finite).</summary>
    protected virtual void ExpandGauge(MetricSnapshot snapshot, string name, Tags tags, PointBuffer output)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(output);
        output.Add(Key(name, Fields.Value), tags, snapshot.Timestamp, snapshot.Value);
    }

    /// <summary>Meter: <c>count, mean_rate, 1m_rate, 5m_rate, 15m_rate</c>.</summary>
    protected virtual void ExpandMeter(MetricSnapshot snapshot, string name, Tags tags, PointBuffer output)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(output);
        var ts = snapshot.Timestamp;
        output.Add(Key(name, Fields.Count), tags, ts, snapshot.Count);
        output.Add(Key(name, Fields.MeanRate), tags, ts, snapshot.MeanRate);
        output.Add(Key(name, Fields.OneMinuteRate), tags, ts, snapshot.OneMinuteRate);
        output.Add(Key(name, Fields.FiveMinuteRate), tags, ts, snapshot.FiveMinuteRate);
        output.Add(Key(name, Fields.FifteenMinuteRate), tags, ts, snapshot.FifteenMinuteRate);
    }

    /// <summary>Histogram: <c>count, avg, max, min, std_dev</c> and the histogram percentiles.</summary>
    protected virtual void ExpandHistogram(MetricSnapshot snapshot, string name, Tags tags, PointBuffer output)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(output);
        var ts = snapshot.Timestamp;
        var h = snapshot.Histogram ?? HistogramSnapshot.Empty;
        output.Add(Key(name, Fields.Count), tags, ts, snapshot.Count);
        output.Add(Key(name, Fields.Mean), tags, ts, h.Mean);
        output.Add(Key(name, Fields.Max), tags, ts, h.Max);
        output.Add(Key(name, Fields.Min), tags, ts, h.Min);
        output.Add(Key(name, Fields.StdDev), tags, ts, h.StdDev);
        var percentiles = Fields.HistogramPercentiles;
        var values = PercentileValues(h, percentiles);
        for (var i = 0; i < values.Length; i++)
        {
            output.Add(Key(name, percentiles[i].Key), tags, ts, values[i]);
        }
    }

    /// <summary>
    /// Timer: <c>count, sum, avg, max, min, std_dev, 1m_rate, 5m_rate, 15m_rate, mean_rate</c> and the timer
    /// percentiles; durations scaled by <see cref="FieldNaming.TimerDurationScale"/>.
    /// </summary>
    protected virtual void ExpandTimer(MetricSnapshot snapshot, string name, Tags tags, PointBuffer output)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(output);
        var ts = snapshot.Timestamp;
        var h = snapshot.Histogram ?? HistogramSnapshot.Empty;
        var fields = Fields;
        output.Add(Key(name, Fields.Count), tags, ts, snapshot.Count);
        output.Add(Key(name, Fields.Sum), tags, ts, fields.ScaleDuration(h.Sum));
        output.Add(Key(name, Fields.Mean), tags, ts, fields.ScaleDuration(h.Mean));
        output.Add(Key(name, Fields.Max), tags, ts, fields.ScaleDuration(h.Max));
        output.Add(Key(name, Fields.Min), tags, ts, fields.ScaleDuration(h.Min));
        output.Add(Key(name, Fields.StdDev), tags, ts, fields.ScaleDuration(h.StdDev));
        output.Add(Key(name, Fields.OneMinuteRate), tags, ts, snapshot.OneMinuteRate);
        output.Add(Key(name, Fields.FiveMinuteRate), tags, ts, snapshot.FiveMinuteRate);
        output.Add(Key(name, Fields.FifteenMinuteRate), tags, ts, snapshot.FifteenMinuteRate);
        output.Add(Key(name, Fields.MeanRate), tags, ts, snapshot.MeanRate);
        var percentiles = Fields.TimerPercentiles;
        var values = PercentileValues(h, percentiles);
        for (var i = 0; i < values.Length; i++)
        {
            output.Add(Key(name, percentiles[i].Key), tags, ts, fields.ScaleDuration(values[i]));
        }
    }

    /// <summary>The buckets of <paramref name="histogram"/> as distribution centroids (empty buckets left out), e.g. from <see cref="MetricSnapshot.Window"/>.</summary>
    /// <param name="histogram">The histogram (null gives an empty list).</param>
    /// <param name="scale">Multiplies each bucket value (timers: <see cref="FieldNaming.TimerDurationScale"/>).</param>
    protected static IReadOnlyList<Centroid> ToCentroids(HistogramSnapshot? histogram, double scale = 1)
    {
        if (histogram is null || histogram.Count == 0)
        {
            return [];
        }

        var centroids = new List<Centroid>(histogram.Buckets.Count);
        foreach (var bucket in histogram.Buckets)
        {
            if (bucket.Count > 0)
            {
                centroids.Add(new Centroid(bucket.Value * scale, bucket.Count));
            }
        }

        return centroids;
    }

    /// <summary>
    /// The values of <paramref name="histogram"/> at <paramref name="percentiles"/>, in order (0 for an empty one). They
    /// are kept with the series being expanded and given again while its reader hands back the same snapshot, which it
    /// does for a histogram that recorded nothing since the previous report: an idle histogram's percentiles are looked
    /// up once, not in every report.
    /// </summary>
    private double[] PercentileValues(HistogramSnapshot histogram, IReadOnlyList<(double Quantile, string Key)> percentiles)
    {
        var current = _current;
        if (current != null && ReferenceEquals(current.PercentilesOf, histogram) && ReferenceEquals(current.PercentileList, percentiles))
        {
            return current.Percentiles!;
        }

        var values = current?.Percentiles is { } kept && kept.Length == percentiles.Count ? kept : new double[percentiles.Count];
        Span<double> quantiles = values.Length <= 32 ? stackalloc double[values.Length] : new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            // FieldNaming has checked that each is from 0 to 1.
            quantiles[i] = percentiles[i].Quantile;
        }

        histogram.GetValues(quantiles, values);

        if (current != null)
        {
            current.PercentilesOf = histogram;
            current.PercentileList = percentiles;
            current.Percentiles = values;
        }

        return values;
    }

    /// <summary>The point name of field <paramref name="key"/> of series <paramref name="name"/> (the same instance in every report).</summary>
    protected string Key(string name, string key)
    {
        var current = _current;
        return current != null && ReferenceEquals(current.Name, name) ? current.Field(key) : string.Concat(name, ".", key);
    }

    // A series by the identity of its name and tags instances.
    private readonly struct SeriesIdentity(string name, Tags tags) : IEquatable<SeriesIdentity>
    {
        private readonly string _name = name;
        private readonly Tags _tags = tags;

        public bool Equals(SeriesIdentity other) => ReferenceEquals(_name, other._name) && ReferenceEquals(_tags, other._tags);

        public override bool Equals(object? obj) => obj is SeriesIdentity other && Equals(other);

        public override int GetHashCode() =>
            System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(_name) * -1640531535 ^ System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(_tags);
    }

    // One series' names: its prefixed name, merged tags, and its point names in the order they are asked for.
    private sealed class SeriesNames(PointExpander owner, string seriesName, Tags seriesTags, string prefix, Tags baseTags, string name, Tags tags)
    {
        private string[] _keys = new string[4];
        private string[] _names = new string[4];
        private int _count;

        public string Prefix { get; } = prefix;

        public Tags BaseTags { get; } = baseTags;

        public string Name { get; } = name;

        public Tags Tags { get; } = tags;

        public int Report { get; set; } = -1;

        // The percentile values last worked out for this series, and from which snapshot and list of percentiles.
        public HistogramSnapshot? PercentilesOf { get; set; }

        public IReadOnlyList<(double Quantile, string Key)>? PercentileList { get; set; }

        public double[]? Percentiles { get; set; }

        public bool Matches(PointExpander expander, MetricSnapshot snapshot, string prefix, Tags baseTags) =>
            ReferenceEquals(owner, expander) && ReferenceEquals(seriesName, snapshot.Name) && ReferenceEquals(seriesTags, snapshot.Tags)
            && ReferenceEquals(BaseTags, baseTags) && string.Equals(Prefix, prefix, StringComparison.Ordinal);

        // Where the next field is expected: expansion asks for the fields in the same order every time.
        public int Next { get; set; }

        public string Field(string key)
        {
            var i = Next;
            if (i >= _count || !ReferenceEquals(_keys[i], key))
            {
                i = Find(key);
            }

            Next = i + 1;
            return _names[i];
        }

        private int Find(string key)
        {
            for (var i = 0; i < _count; i++)
            {
                if (string.Equals(_keys[i], key, StringComparison.Ordinal))
                {
                    return i;
                }
            }

            if (_count == _keys.Length)
            {
                Array.Resize(ref _keys, _count * 2);
                Array.Resize(ref _names, _count * 2);
            }

            _keys[_count] = key;
            _names[_count] = string.Concat(Name, ".", key);
            return _count++;
        }
    }
}
