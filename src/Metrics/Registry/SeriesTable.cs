using System.Collections.Concurrent;

namespace Metrics.Registry;

/// <summary>
/// The series of one registry. Lookups are lock-free (a concurrent dictionary, also searchable by a span of tag
/// pairs); adds and removes take one lock so the per-name series count and the overflow folding stay exact.
/// </summary>
/// <remarks>
/// A series folded because its name reached the limit is remembered as an alias of the name's overflow series,
/// so later lookups of it are as cheap as any other; at most <see cref="AliasesPerLimit"/> times the limit are
/// remembered per name, to bound memory under a cardinality explosion.
/// </remarks>
internal sealed class SeriesTable
{
    /// <summary>The tags of the series that takes a name's folded series.</summary>
    public static readonly Tags OverflowTags = new(("metrics_overflow", "true"));

    internal const int AliasesPerLimit = 10;

    /// <summary>The most encoded names remembered; past it, an encoded name not remembered is decoded on each lookup.</summary>
    internal const int MaxEncodedNames = 100_000;

    private readonly ConcurrentDictionary<SeriesKey, Series> _series = new(SeriesKeyComparer.Instance);
    private readonly ConcurrentDictionary<SeriesKey, Series>.AlternateLookup<SpanKey> _bySpan;
    private readonly ConcurrentDictionary<string, Series> _byEncodedName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NameInfo> _names = new(StringComparer.Ordinal);
    private readonly SpanLookupCache _spanCache = new();
    private readonly TagsLookupCache _tagsCache = new();
    private readonly Func<Series, bool> _isHeld;
    private readonly object _writeLock = new();
    private readonly int _maxSeriesPerName;
    private int _count;
    private int _version;
    private int _encodedCount;

    public SeriesTable(int maxSeriesPerName)
    {
        _maxSeriesPerName = maxSeriesPerName;
        _bySpan = _series.GetAlternateLookup<SpanKey>();
        _isHeld = IsHeld;
    }

    /// <summary>Number of series (overflow series included, folded aliases not).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Changes each time a series is added to or removed from <see cref="Snapshot"/>'s set, after the change is
    /// visible: a reader that sees the same version as at its previous snapshot holds the same series.
    /// </summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary>Looks a series up by value, first by reference in the prebuilt-tags cache, which it fills on a hit.</summary>
    public Series? Find(string name, Tags tags)
    {
        var cached = _tagsCache.Find(name, tags);
        if (cached is not null)
        {
            return cached;
        }

        if (!_series.TryGetValue(new SeriesKey(name, tags), out var series))
        {
            return null;
        }

        _tagsCache.TryAdd(name, tags, series, _isHeld);
        return series;
    }

    /// <summary>Looks a prebuilt <see cref="Tags"/> up by reference only (see <see cref="TagsLookupCache"/>).</summary>
    public Series? FindCachedByTags(string name, Tags tags) => _tagsCache.Find(name, tags);

    /// <summary>Looks a call site's tags up by reference only (see <see cref="SpanLookupCache"/>).</summary>
    public Series? FindCached(string name, ReadOnlySpan<(string Key, string Value)> tags) => _spanCache.Find(name, tags);

    /// <summary>Looks tags passed as a span up by value, and remembers the call site's strings for next time.</summary>
    public Series? Find(string name, ReadOnlySpan<(string Key, string Value)> tags)
    {
        // A null key or value cannot name a series; the caller's slow path builds Tags, which says what is wrong.
        foreach (var (key, value) in tags)
        {
            if (key is null || value is null)
            {
                return null;
            }
        }

        if (!_bySpan.TryGetValue(new SpanKey(name, tags), out var series))
        {
            return null;
        }

        _spanCache.TryAdd(name, tags, series, _isHeld);
        return series;
    }

    public Series? FindEncoded(string encodedName) => _byEncodedName.TryGetValue(encodedName, out var s) ? s : null;

    /// <summary>Remembers that <paramref name="encodedName"/> decodes to <paramref name="series"/>, so it is not decoded again.</summary>
    public void AddEncodedName(string encodedName, Series series)
    {
        lock (_writeLock)
        {
            // Only while the series is still held: a concurrent Remove must not leave a stale alias behind.
            if (IsHeld(series) && _encodedCount < MaxEncodedNames && _byEncodedName.TryAdd(encodedName, series))
            {
                _encodedCount++;
                (series.EncodedNames ??= []).Add(encodedName);
            }
        }
    }

    /// <summary>
    /// Returns the series <paramref name="name"/> + <paramref name="tags"/>, creating it with <paramref name="create"/>
    /// when absent, or the name's overflow series when the name already has the most series allowed.
    /// The caller checks the returned series' type.
    /// </summary>
    public Series GetOrAdd(string name, Tags tags, Type metricType, Func<object> create)
    {
        lock (_writeLock)
        {
            var key = new SeriesKey(name, tags);
            if (_series.TryGetValue(key, out var existing))
            {
                return existing;
            }

            if (!_names.TryGetValue(name, out var info))
            {
                info = new NameInfo();
                _names.Add(name, info);
            }

            if (tags.Equals(OverflowTags))
            {
                return GetOrAddOverflow(name, info, create);
            }

            if (info.Count < _maxSeriesPerName)
            {
                var series = new Series(new MetricId(name, tags), create());
                _series[key] = series;
                info.Count++;
                _count++;
                Changed();
                return series;
            }

            var overflow = GetOrAddOverflow(name, info, create);
            if (overflow.Metric.GetType() == metricType)
            {
                info.Folded++;
                if ((info.AliasKeys?.Count ?? 0) < (long)_maxSeriesPerName * AliasesPerLimit)
                {
                    _series[key] = overflow;
                    (info.AliasKeys ??= []).Add(key);
                }
            }

            return overflow;
        }
    }

    /// <summary>Removes the series <paramref name="name"/> + <paramref name="tags"/> (not a folded alias). Returns whether it was held.</summary>
    public bool Remove(string name, Tags tags)
    {
        lock (_writeLock)
        {
            return _series.TryGetValue(new SeriesKey(name, tags), out var series)
                && series.Id.Tags.Equals(tags)
                && RemoveHeld(series);
        }
    }

    /// <summary>Removes <paramref name="series"/> if it is still held. Returns whether it was.</summary>
    public bool Remove(Series series)
    {
        lock (_writeLock)
        {
            return IsHeld(series) && RemoveHeld(series);
        }
    }

    /// <summary>Every series held (not folded aliases), in no particular order. Lock-free; concurrent changes may or may not show.</summary>
    public List<Series> Snapshot()
    {
        var list = new List<Series>(Count);
        foreach (var (key, series) in _series)
        {
            if (ReferenceEquals(key.Tags, series.Id.Tags))
            {
                list.Add(series);
            }
        }

        return list;
    }

    public long FoldedCount(string name)
    {
        lock (_writeLock)
        {
            return _names.TryGetValue(name, out var info) ? info.Folded : 0;
        }
    }

    private bool IsHeld(Series series) =>
        _series.TryGetValue(new SeriesKey(series.Id.Name, series.Id.Tags), out var held) && ReferenceEquals(held, series);

    private Series GetOrAddOverflow(string name, NameInfo info, Func<object> create)
    {
        var key = new SeriesKey(name, OverflowTags);
        if (_series.TryGetValue(key, out var overflow))
        {
            return overflow;
        }

        overflow = new Series(new MetricId(name, OverflowTags), create());
        _series[key] = overflow;
        info.HasOverflow = true;
        _count++;
        Changed();
        return overflow;
    }

    // Caller holds the lock.
    private void Changed() => Volatile.Write(ref _version, _version + 1);

    // Caller holds the lock and has checked that the series is held under its own key.
    private bool RemoveHeld(Series series)
    {
        var name = series.Id.Name;
        _series.TryRemove(new SeriesKey(name, series.Id.Tags), out _);
        _spanCache.Remove(series);
        _tagsCache.Remove(series);
        _count--;
        Changed();
        if (series.EncodedNames is { } encodedNames)
        {
            foreach (var encoded in encodedNames)
            {
                if (_byEncodedName.TryRemove(KeyValuePair.Create(encoded, series)))
                {
                    _encodedCount--;
                }
            }

            series.EncodedNames = null;
        }

        var info = _names[name];
        if (series.Id.Tags.Equals(OverflowTags))
        {
            // Folded aliases pointed at the removed overflow series; they start afresh. The name keeps their keys, so
            // this costs the aliases' number, not a walk of every series (which made removing many overflow series
            // quadratic).
            foreach (var key in info.AliasKeys ?? [])
            {
                _series.TryRemove(KeyValuePair.Create(key, series));
            }

            info.HasOverflow = false;
            info.AliasKeys = null;
            info.Folded = 0;
        }
        else
        {
            info.Count--;
        }

        if (info.Count == 0 && !info.HasOverflow)
        {
            _names.Remove(name);
        }

        return true;
    }

    private sealed class NameInfo
    {
        public int Count { get; set; }

        public bool HasOverflow { get; set; }

        /// <summary>The keys remembered as folded into the name's overflow series (at most <see cref="AliasesPerLimit"/> times the limit).</summary>
        public List<SeriesKey>? AliasKeys { get; set; }

        public long Folded { get; set; }
    }
}
