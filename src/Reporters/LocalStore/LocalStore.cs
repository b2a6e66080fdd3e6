using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Metrics.Reporters;

/// <summary>
/// An embedded time-series store in one SQLite file (WAL mode, indexed by series and time), with a TempoDB-style
/// API: series with keys, tags and attributes; single and multi-point writes (one status per point); increments;
/// reads of [start, end) with rollups (<c>1min</c> ... <c>1year</c>, sum/max/min/mean/stddev/count/last) and a summary;
/// deletes; and retention.
/// </summary>
/// <remarks>
/// Thread-safe: calls are serialized on one connection. Other processes may open the same file (SQLite locking):
/// a call that waits more than 5 s for another connection's lock, or that SQLite fails otherwise (a full disk, an
/// I/O error), throws <see cref="IOException"/> naming the file, and a write then changes nothing.
/// Dispose closes the file; any call after that throws <see cref="ObjectDisposedException"/>.
/// Timestamps are stored with millisecond precision; a second write at the same series and millisecond replaces
/// the value (<see cref="Increment"/> adds to it).
/// </remarks>
public sealed class LocalStore : IDisposable
{
    private const string InsertSql =
        "INSERT INTO points(series_id, ts, value) VALUES ($s, $t, $v) ON CONFLICT(series_id, ts) DO UPDATE SET value = excluded.value";

    // The sum is stored only while finite ($max is double.MaxValue); otherwise nothing changes and no row is counted.
    private const string IncrementSql =
        "INSERT INTO points(series_id, ts, value) VALUES ($s, $t, $v) ON CONFLICT(series_id, ts) DO UPDATE SET value = points.value + excluded.value"
        + " WHERE abs(points.value + excluded.value) <= $max";

    private const string NotFiniteSum = "the stored value plus this increment would not be a finite number (the stored value is unchanged)";

    private readonly object _lock = new();
    private readonly LocalStoreOptions _options;
    private readonly string? _readOnly;
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, SeriesRef> _seriesByKey = new(StringComparer.Ordinal);
    private readonly ITimer? _purgeTimer;
    private readonly TimeSpan? _retention;
    private long _lastPurgeMs = long.MinValue;
    private bool _disposed;

    /// <summary>Opens (or creates) the store file at <paramref name="path"/>, creating its directory if needed.</summary>
    /// <param name="path">The SQLite file, e.g. <c>metrics.db</c>.</param>
    /// <param name="options">
    /// Retention and clock; null for the defaults: the retention recorded in the file (30 days for a new file), the
    /// system clock. See <see cref="LocalStoreOptions.Retention"/>.
    /// </param>
    /// <exception cref="ArgumentException">The path is empty or an option is invalid.</exception>
    /// <exception cref="IOException">The file cannot be opened or is not a store.</exception>
    public LocalStore(string path, LocalStoreOptions? options = null)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException("The local store path is empty; give a file path such as \"metrics.db\".", nameof(path));
        }

        _options = options ?? new LocalStoreOptions();
        _options.Validate();
        Path = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory) && !_options.ReadOnly)
        {
            Directory.CreateDirectory(directory);
        }

        _connection = OpenConnection(_options.ReadOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate);
        try
        {
            _readOnly = _options.ReadOnly ? "LocalStoreOptions.ReadOnly is set" : null;
            if (_readOnly is null && SQLitePCL.raw.sqlite3_db_readonly(_connection.Handle, "main") == 1)
            {
                _readOnly = "the file cannot be written by this process";
            }

            if (_readOnly is null)
            {
                try
                {
                    _retention = ResolveRetention(LocalStoreSchema.Create(_connection));
                }
                catch (SqliteException ex) when (ex.SqliteErrorCode == 8)
                {
                    // SQLITE_READONLY: the file (or its directory, for the WAL files) cannot be written; read only.
                    _connection.Dispose();
                    _connection = OpenConnection(SqliteOpenMode.ReadOnly);
                    _readOnly = "the file cannot be written by this process";
                }
            }

            if (_readOnly is not null)
            {
                LocalStoreSchema.Check(_connection);
                _retention = _options.RetentionIsSet ? _options.Retention : LocalStoreSchema.ReadRetention(_connection).Retention;
            }

            LocalStoreSchema.Probe(_connection);
        }
        catch (SqliteException ex) when (IsCorrupt(ex))
        {
            _connection.Dispose();
            throw Corrupt(ex);
        }
        catch (SqliteException ex)
        {
            _connection.Dispose();
            throw new IOException($"Cannot open the local store at '{Path}': {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // A file written by a newer version of this library: as documented, the file cannot be opened.
            _connection.Dispose();
            throw new IOException($"Cannot open the local store at '{Path}': {ex.Message}", ex);
        }
        catch
        {
            _connection.Dispose();
            throw;
        }

        if (_retention is not null && _readOnly is null)
        {
            _purgeTimer = _options.TimeProvider.CreateTimer(static s => ((LocalStore)s!).PurgeFromTimer(), this, _options.PurgeInterval, _options.PurgeInterval);
        }
    }

    /// <summary>The full path of the store file.</summary>
    public string Path { get; }

    /// <summary>
    /// Whether the store is open for reading only (<see cref="LocalStoreOptions.ReadOnly"/>, or a file this process
    /// cannot write); writes then throw <see cref="NotSupportedException"/>.
    /// </summary>
    public bool IsReadOnly => _readOnly is not null;

    /// <summary>
    /// The retention in effect (null: every point is kept): the one set in the options, or else the one recorded in
    /// the file. See <see cref="LocalStoreOptions.Retention"/>.
    /// </summary>
    public TimeSpan? Retention => _retention;

    /// <summary>Writes points to the series <paramref name="name"/> + <paramref name="tags"/> (created on first write) in one transaction.</summary>
    /// <exception cref="ArgumentException">
    /// The name is empty, or a point is not finite or older than the retention, or the series' key belongs to a series
    /// with another name or tags (given as a <see cref="SeriesPoint.Key"/>); nothing is written then.
    /// </exception>
    public void Write(string name, Tags tags, IEnumerable<(DateTimeOffset Timestamp, double Value)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        tags ??= Tags.Empty;
        var list = points.ToList();
        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfReadOnly();
            var nowMs = NowMs();
            var key = KeyOf(name, tags);
            for (var i = 0; i < list.Count; i++)
            {
                var errors = ValidatePoint(name, list[i].Timestamp, list[i].Value, nowMs);
                if (errors is not null)
                {
                    throw new ArgumentException($"Point {i} of series '{key}' is rejected, nothing was written: {string.Join("; ", errors)}.", nameof(points));
                }
            }

            InTransaction(tx =>
            {
                var series = ResolveSeries(tx, key, name, tags, out var conflict);
                if (conflict is not null)
                {
                    throw new ArgumentException($"The points of series '{key}' are rejected, nothing was written: {conflict}.", nameof(name));
                }

                using var insert = PointCommand(tx, InsertSql);
                foreach (var (timestamp, value) in list)
                {
                    ExecutePoint(insert, series.Id, timestamp.ToUnixTimeMilliseconds(), value);
                }

                PurgeIfDue(tx, nowMs);
                return 0;
            });
        }
    }

    /// <summary>
    /// Writes points of any series in one transaction and answers for each submitted point, in order: 200 when
    /// stored, 422 with the reasons when rejected (empty or blank name, a name holding <c>{</c>, non-finite value,
    /// older than the retention, a key that belongs to another series). Rejected points do not stop the others.
    /// </summary>
    public IReadOnlyList<WriteStatus> WriteMany(IEnumerable<SeriesPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        return WriteBatch(points.Select(static p => (p, false)));
    }

    /// <summary>Adds <paramref name="delta"/> to the value of the series at <paramref name="timestamp"/> (0 when there is none yet).</summary>
    /// <exception cref="ArgumentException">
    /// The name is empty, or the delta is not finite, or the sum with the stored value would not be finite, or the
    /// time is older than the retention, or the series' key belongs to a series with another name or tags; nothing
    /// is changed then.
    /// </exception>
    public void Increment(string name, Tags tags, DateTimeOffset timestamp, double delta)
    {
        tags ??= Tags.Empty;
        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfReadOnly();
            var nowMs = NowMs();
            var key = KeyOf(name, tags);
            var errors = ValidatePoint(name, timestamp, delta, nowMs);
            if (errors is not null)
            {
                throw new ArgumentException($"Increment of series '{key}' is rejected: {string.Join("; ", errors)}.", nameof(delta));
            }

            InTransaction(tx =>
            {
                var series = ResolveSeries(tx, key, name, tags, out var conflict);
                if (conflict is not null)
                {
                    throw new ArgumentException($"Increment of series '{key}' is rejected: {conflict}.", nameof(name));
                }

                using var increment = PointCommand(tx, IncrementSql);
                if (ExecutePoint(increment, series.Id, timestamp.ToUnixTimeMilliseconds(), delta) == 0)
                {
                    throw new ArgumentException(string.Create(
                        CultureInfo.InvariantCulture,
                        $"Increment of series '{key}' at {timestamp.UtcDateTime:O} is rejected: {NotFiniteSum}."), nameof(delta));
                }

                PurgeIfDue(tx, nowMs);
                return 0;
            });
        }
    }

    /// <summary>The series with <paramref name="key"/>, or null when there is none.</summary>
    public Series? GetSeries(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            ThrowIfDisposed();
            return InReadTransaction(tx =>
            {
                using var cmd = _connection.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = "SELECT id, key, name FROM series WHERE key = $key";
                cmd.Parameters.AddWithValue("$key", key);
                return LoadSeries(cmd).FirstOrDefault();
            });
        }
    }

    /// <summary>
    /// The series that have <paramref name="name"/> (when given), every tag in <paramref name="tags"/> and every
    /// attribute in <paramref name="attributes"/> (they may have more), ordered by key. No filter returns every series.
    /// </summary>
    public IReadOnlyList<Series> FilterSeries(string? name = null, Tags? tags = null, IReadOnlyDictionary<string, string>? attributes = null)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            return InReadTransaction(tx =>
            {
                using var cmd = FilterCommand(name, tags, attributes);
                cmd.Transaction = tx;
                return LoadSeries(cmd);
            });
        }
    }

    /// <summary>Replaces the attributes of the series with <paramref name="key"/>; returns the updated series.</summary>
    /// <exception cref="KeyNotFoundException">There is no series with that key (series are created by writing points).</exception>
    /// <exception cref="ArgumentException">An attribute key is empty or a value is null.</exception>
    public Series UpdateSeries(string key, IReadOnlyDictionary<string, string> attributes)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(attributes);
        foreach (var (k, v) in attributes)
        {
            if (string.IsNullOrEmpty(k) || v is null)
            {
                throw new ArgumentException($"Attribute '{k}' is invalid: attribute keys must be non-empty and values non-null.", nameof(attributes));
            }
        }

        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfReadOnly();
            return InTransaction(tx =>
            {
                using var find = _connection.CreateCommand();
                find.Transaction = tx;
                find.CommandText = "SELECT id FROM series WHERE key = $key";
                find.Parameters.AddWithValue("$key", key);
                var id = find.ExecuteScalar() as long?
                    ?? throw new KeyNotFoundException($"There is no series with key '{key}'; series are created by writing points to them.");

                using var clear = _connection.CreateCommand();
                clear.Transaction = tx;
                clear.CommandText = "DELETE FROM series_attributes WHERE series_id = $id";
                clear.Parameters.AddWithValue("$id", id);
                clear.ExecuteNonQuery();

                InsertPairs(tx, "series_attributes", id, attributes);

                using var load = _connection.CreateCommand();
                load.Transaction = tx;
                load.CommandText = "SELECT id, key, name FROM series WHERE id = $id";
                load.Parameters.AddWithValue("$id", id);
                return LoadSeries(load)[0];
            });
        }
    }

    /// <summary>
    /// Reads the points in [<paramref name="start"/>, <paramref name="end"/>) of every series matching
    /// <paramref name="name"/>, <paramref name="tags"/> and <paramref name="attributes"/> (as in <see cref="FilterSeries"/>),
    /// one <see cref="DataSet"/> per series (ordered by key, including series with no points in the range).
    /// </summary>
    /// <param name="start">The start of the range, inclusive.</param>
    /// <param name="end">The end of the range, exclusive.</param>
    /// <param name="name">Only series with this name; null for any.</param>
    /// <param name="tags">Only series with all these tags; null for any.</param>
    /// <param name="attributes">Only series with all these attributes; null for any.</param>
    /// <param name="interval">
    /// <c>raw</c> or <c>&lt;n&gt;&lt;unit&gt;</c> with unit <c>min</c>, <c>hour</c>, <c>day</c>, <c>month</c>, <c>year</c>.
    /// Buckets are aligned to the Unix epoch (months and years to UTC calendar boundaries) and stamped with their start.
    /// Null chooses by the range: up to 2 days raw, up to 30 days <c>1hour</c>, longer <c>1day</c>.
    /// </param>
    /// <param name="function">The rollup function: <c>sum</c>, <c>max</c>, <c>min</c>, <c>avg</c>/<c>mean</c>, <c>stddev</c> (sample), <c>count</c>, <c>last</c> (the newest value of the bucket: for a reported counter, whose stored values are running totals, the total at the bucket's end). Default <c>mean</c>; ignored for raw reads.</param>
    /// <exception cref="ArgumentException">The range is empty, or the interval or function is not one of the accepted forms.</exception>
    public IReadOnlyList<DataSet> Read(
        DateTimeOffset start,
        DateTimeOffset end,
        string? name = null,
        Tags? tags = null,
        IReadOnlyDictionary<string, string>? attributes = null,
        string? interval = null,
        string? function = null)
    {
        ThrowIfEmptyRange(start, end);
        var rollup = interval is null ? RollupInterval.ForRange(end - start) : RollupInterval.Parse(interval);
        var fn = function is null ? RollupFunction.Mean : Rollup.ParseFunction(function);
        var intervalText = rollup.ToString();
        var functionText = rollup.IsRaw ? null : Rollup.Name(fn);

        lock (_lock)
        {
            ThrowIfDisposed();
            var startMs = CeilingMs(start);
            if (RetentionCutoffMs(NowMs()) is long cutoff && cutoff > startMs)
            {
                startMs = cutoff;
            }

            var endMs = CeilingMs(end);

            // One read transaction: every series is read from the same snapshot of the file, so a batch another
            // store commits meanwhile shows in all of them or in none.
            return InReadTransaction(tx =>
            {
                List<Series> series;
                using (var filter = FilterCommand(name, tags, attributes))
                {
                    filter.Transaction = tx;
                    series = LoadSeries(filter);
                }

                using var cmd = _connection.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = "SELECT p.ts, p.value FROM points p JOIN series s ON s.id = p.series_id WHERE s.key = $key AND p.ts >= $start AND p.ts < $end ORDER BY p.ts";
                var pKey = cmd.Parameters.Add("$key", SqliteType.Text);
                cmd.Parameters.AddWithValue("$start", startMs);
                cmd.Parameters.AddWithValue("$end", endMs);

                var result = new List<DataSet>(series.Count);
                foreach (var s in series)
                {
                    pKey.Value = s.Key;
                    var points = new List<TimeValue>();
                    var summary = default(Accumulator);
                    var bucket = default(Accumulator);
                    var bucketStart = long.MinValue;
                    using (var reader = cmd.ExecuteReader())
                    {
                        while (reader.Read())
                        {
                            var ts = reader.GetInt64(0);
                            var value = reader.GetDouble(1);
                            summary.Add(value);
                            if (rollup.IsRaw)
                            {
                                points.Add(new TimeValue(DateTimeOffset.FromUnixTimeMilliseconds(ts), value));
                                continue;
                            }

                            var b = rollup.BucketStart(ts);
                            if (b != bucketStart && bucket.Count > 0)
                            {
                                points.Add(new TimeValue(DateTimeOffset.FromUnixTimeMilliseconds(bucketStart), bucket.Result(fn)));
                                bucket = default;
                            }

                            bucketStart = b;
                            bucket.Add(value);
                        }
                    }

                    if (bucket.Count > 0)
                    {
                        points.Add(new TimeValue(DateTimeOffset.FromUnixTimeMilliseconds(bucketStart), bucket.Result(fn)));
                    }

                    result.Add(new DataSet(s, start, end, intervalText, functionText, points, summary.ToSummary()));
                }

                return result;
            });
        }
    }

    /// <summary>
    /// Deletes the points in [<paramref name="start"/>, <paramref name="end"/>) of every series matching
    /// <paramref name="name"/> and <paramref name="tags"/> (null matches any). The series themselves and their
    /// attributes are kept. Returns how many points were deleted: those a read of the range returned (points past the
    /// retention, never returned, are purged first and not counted).
    /// </summary>
    /// <exception cref="ArgumentException">The range is empty.</exception>
    public long Delete(DateTimeOffset start, DateTimeOffset end, string? name = null, Tags? tags = null)
    {
        ThrowIfEmptyRange(start, end);
        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfReadOnly();
            return InTransaction(tx =>
            {
                // Points past the retention are gone for readers already: they are purged first, so that the count
                // is of the points a read of the range returned.
                Purge(tx, NowMs());
                using var cmd = FilterCommand(name, tags, attributes: null, select: "s.id");
                cmd.Transaction = tx;
                cmd.CommandText = "DELETE FROM points WHERE ts >= $start AND ts < $end AND series_id IN (" + cmd.CommandText + ")";
                cmd.Parameters.AddWithValue("$start", CeilingMs(start));
                cmd.Parameters.AddWithValue("$end", CeilingMs(end));
                return (long)cmd.ExecuteNonQuery();
            });
        }
    }

    /// <summary>Closes the file. Idempotent.</summary>
    public void Dispose()
    {
        _purgeTimer?.Dispose();
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _connection.Dispose();
        }
    }

    /// <summary>
    /// <see cref="WriteMany"/> where each point either sets its value or (<c>Increment</c>) adds to the value at its time.
    /// </summary>
    internal IReadOnlyList<WriteStatus> WriteBatch(IEnumerable<(SeriesPoint Point, bool Increment)> points)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfReadOnly();
            var nowMs = NowMs();
            return InTransaction(tx =>
            {
                var statuses = new List<WriteStatus>();
                SqliteCommand? insert = null;
                SqliteCommand? increment = null;
                try
                {
                    foreach (var (point, add) in points)
                    {
                        var tags = point.Tags ?? Tags.Empty;
                        var errors = ValidatePoint(point.Name, point.Timestamp, point.Value, nowMs);
                        if (errors is null && point.Key is { Length: 0 })
                        {
                            errors = ["key must not be empty; leave it null to use the encoded name"];
                        }

                        if (errors is not null)
                        {
                            statuses.Add(WriteStatus.Rejected(errors));
                            continue;
                        }

                        var series = ResolveSeries(tx, point.Key ?? MetricName.Encode(point.Name, tags), point.Name, tags, out var conflict);
                        if (conflict is not null)
                        {
                            statuses.Add(WriteStatus.Rejected([conflict]));
                            continue;
                        }

                        var cmd = add ? increment ??= PointCommand(tx, IncrementSql) : insert ??= PointCommand(tx, InsertSql);
                        if (ExecutePoint(cmd, series.Id, point.Timestamp.ToUnixTimeMilliseconds(), point.Value) == 0)
                        {
                            statuses.Add(WriteStatus.Rejected([NotFiniteSum]));
                            continue;
                        }

                        statuses.Add(WriteStatus.Ok);
                    }
                }
                finally
                {
                    insert?.Dispose();
                    increment?.Dispose();
                }

                PurgeIfDue(tx, nowMs);
                return (IReadOnlyList<WriteStatus>)statuses;
            });
        }
    }

    /// <summary>Purges points past the retention now. Returns how many were deleted.</summary>
    internal long PurgeNow()
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            ThrowIfReadOnly();
            return InTransaction(tx => Purge(tx, NowMs()));
        }
    }

    /// <summary>Every stored point, past the retention or not, for tests.</summary>
    internal long CountPoints()
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            return InReadTransaction(tx =>
            {
                using var cmd = _connection.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = "SELECT COUNT(*) FROM points";
                return (long)cmd.ExecuteScalar()!;
            });
        }
    }

    private static string KeyOf(string name, Tags tags)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException("The series name is empty; every series needs a metric name.", nameof(name));
        }

        return MetricName.Encode(name, tags);
    }

    /// <summary>
    /// <paramref name="t"/> in Unix milliseconds, rounded up to a whole millisecond. Points are stored to the
    /// millisecond, so for a stored time ts: t &lt;= ts exactly when CeilingMs(t) &lt;= ts, and ts &lt; t exactly when
    /// ts &lt; CeilingMs(t); range bounds rounded up keep [start, end) exact.
    /// </summary>
    private static long CeilingMs(DateTimeOffset t) =>
        t.ToUnixTimeMilliseconds() + (t.UtcTicks % TimeSpan.TicksPerMillisecond == 0 ? 0 : 1);

    private static void ThrowIfEmptyRange(DateTimeOffset start, DateTimeOffset end)
    {
        if (end <= start)
        {
            throw new ArgumentException(
                $"The range [{start:O}, {end:O}) is empty; end must be after start (start is inclusive, end exclusive).", nameof(end));
        }
    }

    /// <summary>Writes one point; returns the rows changed (0 when an increment was refused as not finite).</summary>
    private static int ExecutePoint(SqliteCommand cmd, long seriesId, long ts, double value)
    {
        cmd.Parameters[0].Value = seriesId;
        cmd.Parameters[1].Value = ts;
        cmd.Parameters[2].Value = value;
        return cmd.ExecuteNonQuery();
    }

    private List<string>? ValidatePoint(string? name, DateTimeOffset timestamp, double value, long nowMs)
    {
        List<string>? errors = null;
        if (string.IsNullOrEmpty(name))
        {
            (errors ??= []).Add("name must not be empty");
        }
        else if (string.IsNullOrWhiteSpace(name))
        {
            (errors ??= []).Add("name must not be only white space");
        }
        else if (name.Contains('{', StringComparison.Ordinal))
        {
            (errors ??= []).Add($"name '{name}' must not hold '{{', which starts the tags of an encoded name; pass the tags as Tags");
        }

        if (!double.IsFinite(value))
        {
            (errors ??= []).Add("value must be a finite number");
        }

        if (RetentionCutoffMs(nowMs) is long cutoff && timestamp.ToUnixTimeMilliseconds() < cutoff)
        {
            (errors ??= []).Add(string.Create(
                CultureInfo.InvariantCulture,
                $"timestamp {timestamp.UtcDateTime:O} is older than the retention of {_retention} (raise LocalStoreOptions.Retention to keep older points)"));
        }

        return errors;
    }

    private long NowMs() => _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    private long? RetentionCutoffMs(long nowMs) =>
        _retention is TimeSpan r ? nowMs - (long)r.TotalMilliseconds : null;

    private SqliteCommand PointCommand(SqliteTransaction tx, string sql)
    {
        var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.Parameters.Add("$s", SqliteType.Integer);
        cmd.Parameters.Add("$t", SqliteType.Integer);
        cmd.Parameters.Add("$v", SqliteType.Real);
        if (sql == IncrementSql)
        {
            cmd.Parameters.AddWithValue("$max", double.MaxValue);
        }

        cmd.Prepare();
        return cmd;
    }

    private T InTransaction<T>(Func<SqliteTransaction, T> work)
    {
        try
        {
            using var tx = _connection.BeginTransaction();
            var result = work(tx);
            tx.Commit();
            return result;
        }
        catch (SqliteException ex) when (IsCorrupt(ex))
        {
            _seriesByKey.Clear();
            throw Corrupt(ex);
        }
        catch (SqliteException ex)
        {
            _seriesByKey.Clear();
            throw Failed(ex, "nothing was changed");
        }
        catch
        {
            // Series created in the rolled-back transaction must not stay in the cache.
            _seriesByKey.Clear();
            throw;
        }
    }

    /// <summary>SQLITE_CORRUPT (11) or SQLITE_NOTADB (26): the file is damaged or not a database.</summary>
    private static bool IsCorrupt(SqliteException ex) => ex.SqliteErrorCode is 11 or 26;

    private IOException Corrupt(SqliteException ex) => new(
        $"The local store at '{Path}' is damaged or not a store ({ex.Message}); restore it from a backup, or move it away so that a new store is created there.",
        ex);

    /// <summary>
    /// Any other SQLite failure of a call, as an <see cref="IOException"/> naming the file: most often another
    /// connection (a reporter, another process) holding the file locked past the busy timeout.
    /// </summary>
    private IOException Failed(SqliteException ex, string outcome) => new(
        ex.SqliteErrorCode is 5 or 6
            ? string.Create(
                CultureInfo.InvariantCulture,
                $"The local store at '{Path}' is busy: another connection (a reporter, another process) kept it locked for more than {_options.BusyTimeoutSeconds} s ({ex.Message}); {outcome}. Try again later.")
            : $"The local store at '{Path}' failed ({ex.Message}); {outcome}.",
        ex);

    /// <summary>Runs <paramref name="work"/> in a read transaction: all its queries see one snapshot of the file.</summary>
    private T InReadTransaction<T>(Func<SqliteTransaction, T> work)
    {
        try
        {
            using var tx = _connection.BeginTransaction(deferred: true);
            var result = work(tx);
            tx.Commit();
            return result;
        }
        catch (SqliteException ex) when (IsCorrupt(ex))
        {
            throw Corrupt(ex);
        }
        catch (SqliteException ex)
        {
            throw Failed(ex, "nothing was read");
        }
    }

    private SeriesRef ResolveSeries(SqliteTransaction tx, string key, string name, Tags tags, out string? conflict)
    {
        if (!_seriesByKey.TryGetValue(key, out var series))
        {
            using var find = _connection.CreateCommand();
            find.Transaction = tx;
            find.CommandText = "SELECT id, name FROM series WHERE key = $key";
            find.Parameters.AddWithValue("$key", key);
            using (var reader = find.ExecuteReader())
            {
                if (reader.Read())
                {
                    var id = reader.GetInt64(0);
                    series = new SeriesRef(id, reader.GetString(1), LoadTags(tx, id));
                }
            }

            if (series is null)
            {
                series = CreateSeries(tx, key, name, tags);
            }

            _seriesByKey[key] = series;
        }

        conflict = string.Equals(series.Name, name, StringComparison.Ordinal) && series.Tags == tags
            ? null
            : $"key '{key}' already belongs to series {MetricName.Encode(series.Name, series.Tags)}, not {MetricName.Encode(name, tags)}";
        return series;
    }

    private SeriesRef CreateSeries(SqliteTransaction tx, string key, string name, Tags tags)
    {
        using var insert = _connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = "INSERT INTO series(key, name) VALUES ($key, $name) RETURNING id";
        insert.Parameters.AddWithValue("$key", key);
        insert.Parameters.AddWithValue("$name", name);
        var id = (long)insert.ExecuteScalar()!;

        InsertPairs(tx, "series_tags", id, tags);
        return new SeriesRef(id, name, tags);
    }

    /// <summary>Inserts key/value rows of one series into <paramref name="table"/> (<c>series_tags</c> or <c>series_attributes</c>).</summary>
    private void InsertPairs(SqliteTransaction tx, string table, long seriesId, IEnumerable<KeyValuePair<string, string>> pairs)
    {
        using var insert = _connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = "INSERT INTO " + table + "(series_id, key, value) VALUES ($id, $k, $v)";
        insert.Parameters.AddWithValue("$id", seriesId);
        var pk = insert.Parameters.Add("$k", SqliteType.Text);
        var pv = insert.Parameters.Add("$v", SqliteType.Text);
        foreach (var (k, v) in pairs)
        {
            pk.Value = k;
            pv.Value = v;
            insert.ExecuteNonQuery();
        }
    }

    private Tags LoadTags(SqliteTransaction? tx, long id)
    {
        var pairs = LoadPairs(tx, "series_tags", id);
        return pairs.Count == 0 ? Tags.Empty : new Tags(pairs);
    }

    private SortedDictionary<string, string> LoadAttributes(SqliteTransaction? tx, long id)
    {
        var attributes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in LoadPairs(tx, "series_attributes", id))
        {
            attributes[k] = v;
        }

        return attributes;
    }

    /// <summary>The key/value rows of one series in <paramref name="table"/> (<c>series_tags</c> or <c>series_attributes</c>).</summary>
    private List<KeyValuePair<string, string>> LoadPairs(SqliteTransaction? tx, string table, long seriesId)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT key, value FROM " + table + " WHERE series_id = $id";
        cmd.Parameters.AddWithValue("$id", seriesId);
        using var reader = cmd.ExecuteReader();
        var pairs = new List<KeyValuePair<string, string>>();
        while (reader.Read())
        {
            pairs.Add(new KeyValuePair<string, string>(reader.GetString(0), reader.GetString(1)));
        }

        return pairs;
    }

    /// <summary>Runs a query returning (id, key, name) rows and loads each series' tags and attributes.</summary>
    private List<Series> LoadSeries(SqliteCommand cmd)
    {
        var rows = new List<(long Id, string Key, string Name)>();
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
            {
                rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        var result = new List<Series>(rows.Count);
        foreach (var (id, key, name) in rows)
        {
            result.Add(new Series(key, name, LoadTags(cmd.Transaction, id), LoadAttributes(cmd.Transaction, id)));
        }

        return result;
    }

    /// <summary>A query of the series matching the filter; every value is a parameter.</summary>
    private SqliteCommand FilterCommand(string? name, Tags? tags, IReadOnlyDictionary<string, string>? attributes, string select = "s.id, s.key, s.name")
    {
        var cmd = _connection.CreateCommand();
        var sql = new System.Text.StringBuilder("SELECT ").Append(select).Append(" FROM series s WHERE 1 = 1");
        if (name is not null)
        {
            sql.Append(" AND s.name = $name");
            cmd.Parameters.AddWithValue("$name", name);
        }

        var i = 0;
        foreach (var (k, v) in tags ?? Tags.Empty)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND EXISTS (SELECT 1 FROM series_tags t WHERE t.series_id = s.id AND t.key = $tk{i} AND t.value = $tv{i})");
            cmd.Parameters.AddWithValue("$tk" + i.ToString(CultureInfo.InvariantCulture), k);
            cmd.Parameters.AddWithValue("$tv" + i.ToString(CultureInfo.InvariantCulture), v);
            i++;
        }

        i = 0;
        foreach (var (k, v) in attributes ?? new Dictionary<string, string>())
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND EXISTS (SELECT 1 FROM series_attributes a WHERE a.series_id = s.id AND a.key = $ak{i} AND a.value = $av{i})");
            cmd.Parameters.AddWithValue("$ak" + i.ToString(CultureInfo.InvariantCulture), k);
            cmd.Parameters.AddWithValue("$av" + i.ToString(CultureInfo.InvariantCulture), v);
            i++;
        }

        sql.Append(" ORDER BY s.key");
        cmd.CommandText = sql.ToString();
        return cmd;
    }

    /// <summary>
    /// The retention of this store: set in the options (and then recorded in the file), or else the file's, so that
    /// a store opened only to read never purges what the writer keeps.
    /// </summary>
    private TimeSpan? ResolveRetention(bool newFile)
    {
        if (_options.RetentionIsSet)
        {
            LocalStoreSchema.WriteRetention(_connection, _options.Retention);
            return _options.Retention;
        }

        var (found, recorded) = LocalStoreSchema.ReadRetention(_connection);
        if (found)
        {
            return recorded;
        }

        if (newFile)
        {
            LocalStoreSchema.WriteRetention(_connection, LocalStoreOptions.DefaultRetention);
            return LocalStoreOptions.DefaultRetention;
        }

        // A file from before retention was recorded: its writer's retention is unknown, so nothing is purged.
        return null;
    }

    private void PurgeIfDue(SqliteTransaction tx, long nowMs)
    {
        if (_retention is not null && (_lastPurgeMs == long.MinValue || nowMs - _lastPurgeMs >= (long)_options.PurgeInterval.TotalMilliseconds))
        {
            Purge(tx, nowMs);
        }
    }

    private long Purge(SqliteTransaction tx, long nowMs)
    {
        _lastPurgeMs = nowMs;
        if (RetentionCutoffMs(nowMs) is not long cutoff)
        {
            return 0;
        }

        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "DELETE FROM points WHERE ts < $cutoff";
        cmd.Parameters.AddWithValue("$cutoff", cutoff);
        return cmd.ExecuteNonQuery();
    }

    private void PurgeFromTimer()
    {
        try
        {
            lock (_lock)
            {
                if (!_disposed)
                {
                    InTransaction(tx => Purge(tx, NowMs()));
                }
            }
        }
        catch (Exception ex) when (ex is SqliteException or InvalidOperationException or ObjectDisposedException or IOException)
        {
            // A busy, locked or failing file: the next tick or write purges instead. An exception escaping a timer
            // callback would take the whole process down.
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private void ThrowIfReadOnly()
    {
        if (_readOnly is not null)
        {
            throw new NotSupportedException(
                $"The local store at '{Path}' is open read-only ({_readOnly}); writes, increments, deletes and attribute updates need a store opened read-write on a file this process can write.");
        }
    }

    private SqliteConnection OpenConnection(SqliteOpenMode mode)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = mode,
            Pooling = false,
            // How long a statement waits for another writer of the same file before failing with SQLITE_BUSY.
            DefaultTimeout = _options.BusyTimeoutSeconds,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new IOException($"Cannot open the local store at '{Path}': {ex.Message}", ex);
        }

        return connection;
    }

    private sealed record SeriesRef(long Id, string Name, Tags Tags);
}
