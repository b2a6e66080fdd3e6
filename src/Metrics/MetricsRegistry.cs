using Metrics.Registry;

namespace Metrics;

/// <summary>
/// Holds every metric of an application. Get-or-add: the same name and tags return the same instance; the same
/// name and tags asked for as another metric type throw an <see cref="ArgumentException"/> naming both types.
/// Names may carry encoded tags (<c>orders{"region": "eu"}</c> is the series <c>orders</c> + region=eu).
/// </summary>
/// <remarks>
/// Thread-safe. Looking a series up takes no lock and allocates nothing once it exists; cache handles on hot
/// paths anyway. Adding and removing series take one lock.
/// <para>
/// Cardinality limit: one name may have at most <see cref="MetricsOptions.MaxSeriesPerName"/> series. A further
/// series of that name is folded into one overflow series of the same name tagged <c>metrics_overflow=true</c>
/// (created with the type of the first folded request), so its updates still count, in aggregate;
/// <see cref="GetFoldedSeriesCount"/> tells how many distinct series were folded. Removing series makes room again.
/// </para>
/// </remarks>
public sealed class MetricsRegistry
{
    private readonly SeriesTable _table;

    /// <summary>Creates a registry with default options.</summary>
    public MetricsRegistry()
        : this(new MetricsOptions())
    {
    }

    /// <summary>
    /// Creates a registry with <paramref name="options"/>. The registry keeps a copy: changing the options object
    /// afterwards does not change the registry.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// An option is null or out of range (for example a <see cref="MetricsOptions.MaxSeriesPerName"/> below 1, or a
    /// <see cref="MetricsOptions.DefaultHistogram"/> that no histogram could be created with).
    /// </exception>
    public MetricsRegistry(MetricsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxSeriesPerName < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                options.MaxSeriesPerName,
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"MetricsOptions.MaxSeriesPerName is {options.MaxSeriesPerName}; it must be at least 1 (default 2000)."));
        }

        if (options.TimeProvider is null || options.GlobalTags is null || options.DefaultHistogram is null)
        {
            throw new ArgumentException("MetricsOptions.TimeProvider, GlobalTags and DefaultHistogram must not be null; leave them unset for the defaults.", nameof(options));
        }

        // Checked now rather than at the first histogram, so a bad setting fails where it is made.
        Metrics.Histogram.Validate(options.DefaultHistogram);
        Options = new MetricsOptions
        {
            TimeProvider = options.TimeProvider,
            GlobalTags = options.GlobalTags,
            MaxSeriesPerName = options.MaxSeriesPerName,
            DefaultHistogram = options.DefaultHistogram.Clone(),
        };
        _table = new SeriesTable(Options.MaxSeriesPerName);
    }

    /// <summary>
    /// Names claimed by components attached to this registry, with how many hold each. Reporters use it so two
    /// reporters of one registry never share self-metric series. Lock the dictionary to use it.
    /// </summary>
    internal Dictionary<string, int> ClaimedNames { get; } = new(StringComparer.Ordinal);

    /// <summary>A copy of the options this registry was created with (changing it does not change the registry).</summary>
    public MetricsOptions Options { get; }

    /// <summary>The clock used by every metric of this registry.</summary>
    public TimeProvider TimeProvider => Options.TimeProvider;

    /// <summary>Tags merged into every series at report time.</summary>
    public Tags GlobalTags => Options.GlobalTags;

    /// <summary>Number of series held, overflow series included.</summary>
    public int SeriesCount => _table.Count;

    internal SeriesTable Table => _table;

    /// <summary>Gets or adds a counter.</summary>
    /// <exception cref="ArgumentException">The name is null, empty or malformed, or the series exists with another type.</exception>
    public Counter Counter(string name) => Counter(name, Tags.Empty);

    /// <summary>Gets or adds a tagged counter.</summary>
    /// <exception cref="ArgumentException">The name is null, empty or malformed, or the series exists with another type.</exception>
    public Counter Counter(string name, Tags tags) => GetOrAdd(name, tags, 0, static (_, _) => new Counter());

    /// <summary>
    /// Gets or adds a tagged counter from tags passed on each call, in any order, for example
    /// <c>registry.Counter("http.requests", ("method", "GET"), ("code", "200")).Inc()</c>. Allocates nothing when
    /// the series exists (a call site's first lookup may store one small cache entry so that later lookups with
    /// the same string instances, such as literals, compare references instead of hashing strings).
    /// </summary>
    /// <exception cref="ArgumentException">The name is null, empty or malformed, a tag key is empty or repeated, or the series exists with another type.</exception>
    public Counter Counter(string name, params ReadOnlySpan<(string Key, string Value)> tags)
    {
        CheckLookupName(name);
        // A cached call site matches first; series names never hold '{', so a hit needs no encoded-name check.
        var series = _table.FindCached(name, tags) ?? (MetricName.IsEncoded(name) ? null : _table.Find(name, tags));
        if (series is not null)
        {
            // A direct type test: the shared generic As<T> would look its type up at run time.
            return series.Metric as Counter ?? As<Counter>(series);
        }

        return Counter(name, new Tags(tags.ToArray()));
    }

    /// <summary>Gets or adds a meter.</summary>
    /// <exception cref="ArgumentException">The name is null, empty or malformed, or the series exists with another type.</exception>
    public Meter Meter(string name) => Meter(name, Tags.Empty);

    /// <summary>Gets or adds a tagged meter.</summary>
    /// <exception cref="ArgumentException">The name is null, empty or malformed, or the series exists with another type.</exception>
    public Meter Meter(string name, Tags tags) => GetOrAdd(name, tags, 0, static (r, _) => new Meter(r.TimeProvider));

    /// <summary>Gets or adds a histogram (with <see cref="MetricsOptions.DefaultHistogram"/> unless <paramref name="options"/> is given; options apply only on creation).</summary>
    /// <exception cref="ArgumentException">The name is null, empty or malformed, or the series exists with another type.</exception>
    public Histogram Histogram(string name, HistogramOptions? options = null) => Histogram(name, Tags.Empty, options);

    /// <summary>Gets or adds a tagged histogram (options apply only on creation).</summary>
    /// <exception cref="ArgumentException">The name is null, empty or malformed, or the series exists with another type.</exception>
    public Histogram Histogram(string name, Tags tags, HistogramOptions? options = null) =>
        GetOrAdd(name, tags, options, static (r, o) => new Histogram(o ?? r.Options.DefaultHistogram, r.TimeProvider));

    /// <summary>Gets or adds a timer (with <see cref="MetricsOptions.DefaultHistogram"/> unless <paramref name="options"/> is given; options apply only on creation).</summary>
    /// <exception cref="ArgumentException">The name is null, empty or malformed, or the series exists with another type.</exception>
    public Timer Timer(string name, HistogramOptions? options = null) => Timer(name, Tags.Empty, options);

    /// <summary>Gets or adds a tagged timer (options apply only on creation).</summary>
    /// <exception cref="ArgumentException">The name is null, empty or malformed, or the series exists with another type.</exception>
    public Timer Timer(string name, Tags tags, HistogramOptions? options = null) =>
        GetOrAdd(name, tags, options, static (r, o) => new Timer(o ?? r.Options.DefaultHistogram, r.TimeProvider));

    /// <summary>Gets or adds a callback gauge. When it exists, the existing gauge (and its callback) is returned.</summary>
    /// <exception cref="ArgumentException">The name is null, empty or malformed, or the series exists with another type.</exception>
    public Gauge Gauge(string name, Func<double> read) => Gauge(name, Tags.Empty, read);

    /// <summary>Gets or adds a tagged callback gauge. When it exists, the existing gauge (and its callback) is returned.</summary>
    /// <exception cref="ArgumentException">The name is null, empty or malformed, or the series exists with another type.</exception>
    public Gauge Gauge(string name, Tags tags, Func<double> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return GetOrAdd(name, tags, read, static (_, f) => new Gauge(f));
    }

    /// <summary>Gets or adds a settable gauge.</summary>
    /// <exception cref="ArgumentException">The name is null, empty or malformed, or the series exists with another type.</exception>
    public SettableGauge SettableGauge(string name) => SettableGauge(name, Tags.Empty);

    /// <summary>Gets or adds a tagged settable gauge.</summary>
    /// <exception cref="ArgumentException">The name is null, empty or malformed, or the series exists with another type.</exception>
    public SettableGauge SettableGauge(string name, Tags tags) => GetOrAdd(name, tags, 0, static (_, _) => new SettableGauge());

    /// <summary>
    /// Removes the series <paramref name="name"/> + <paramref name="tags"/> (the name may carry encoded tags).
    /// Returns whether it existed. Handles to it keep working but are no longer read. Removing an overflow series
    /// also forgets the series folded into it.
    /// </summary>
    /// <exception cref="ArgumentException">The name is null, empty or malformed.</exception>
    public bool Remove(string name, Tags? tags = null)
    {
        var id = Resolve(name, tags ?? Tags.Empty);
        return _table.Remove(id.Name, id.Tags);
    }

    /// <summary>
    /// Removes every series for which <paramref name="predicate"/> is true. Returns how many were removed.
    /// The predicate runs without the registry's lock held, on a snapshot of the series.
    /// </summary>
    public int RemoveWhere(Func<MetricId, MetricType, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var removed = 0;
        foreach (var series in _table.Snapshot())
        {
            if (predicate(series.Id, series.Type) && _table.Remove(series))
            {
                removed++;
            }
        }

        return removed;
    }

    /// <summary>
    /// How many distinct series of <paramref name="name"/> (the name without tags) were folded into its overflow series because of
    /// <see cref="MetricsOptions.MaxSeriesPerName"/>; 0 when none. Distinct up to ten times the limit; past that,
    /// each request for a tag set not remembered counts again.
    /// </summary>
    /// <remarks>White space around the name is not part of it, as for the series themselves.</remarks>
    /// <exception cref="ArgumentException">The name is null, empty or only white space.</exception>
    public long GetFoldedSeriesCount(string name)
    {
        ValidateName(name);
        return _table.FoldedCount(name.Trim());
    }

    /// <summary>
    /// Creates a reader with its own cursor: each <see cref="MetricsReader.Read"/> returns deltas and histogram
    /// windows since that reader's previous read, and never resets what another reader sees.
    /// </summary>
    public MetricsReader CreateReader() => new(this);

    // The lookup paths' check: a blank name is never in the table (creation refuses it in ValidateName), so a lookup
    // only needs to rule out null and empty before it searches, and leaves the full check to the path that creates.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void CheckLookupName(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            ValidateName(name);
        }
    }

    private static void ValidateName(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException(
                name is null ? "A metric name must not be null." : $"A metric name must not be empty or only white space (was '{name}').",
                nameof(name));
        }
    }

    private static MetricId Resolve(string name, Tags tags)
    {
        ValidateName(name);
        ArgumentNullException.ThrowIfNull(tags);
        if (!MetricName.IsEncoded(name))
        {
            // White space around a name is not part of it, as in the encoded form: " orders " is "orders".
            return new MetricId(char.IsWhiteSpace(name[0]) || char.IsWhiteSpace(name[^1]) ? name.Trim() : name, tags);
        }

        MetricId decoded;
        try
        {
            decoded = MetricName.Decode(name);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException(ex.Message, nameof(name), ex);
        }

        return new MetricId(decoded.Name, decoded.Tags.Merge(tags));
    }

    // The factory takes its state as an argument so that the lookup path builds no closure.
    private T GetOrAdd<T, TState>(string name, Tags tags, TState state, Func<MetricsRegistry, TState, T> create)
        where T : class
    {
        CheckLookupName(name);
        ArgumentNullException.ThrowIfNull(tags);
        var encoded = MetricName.IsEncoded(name);
        var found = encoded
            ? (tags.IsEmpty ? _table.FindEncoded(name) : null)
            : _table.Find(name, tags);
        if (found is not null)
        {
            return As<T>(found);
        }

        return As<T>(Add(name, tags, encoded, state, create));
    }

    private Series Add<T, TState>(string name, Tags tags, bool encoded, TState state, Func<MetricsRegistry, TState, T> create)
        where T : class
    {
        var id = Resolve(name, tags);
        var series = _table.GetOrAdd(id.Name, id.Tags, typeof(T), () => create(this, state));
        if (encoded && tags.IsEmpty && series.Metric is T)
        {
            _table.AddEncodedName(name, series);
        }

        return series;
    }

    private static T As<T>(Series series)
        where T : class
    {
        if (series.Metric is T metric)
        {
            return metric;
        }

        var tags = series.Id.Tags.IsEmpty ? string.Empty : " " + series.Id.Tags;
        throw new ArgumentException(
            $"'{series.Id.Name}'{tags} is already registered as a {series.TypeName}; it cannot also be a {typeof(T).Name}.");
    }
}
