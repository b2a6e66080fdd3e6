using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Metrics.Reporters.Offline;

/// <summary>A stored point and its row id (for deletion once the backend accepted it).</summary>
internal readonly record struct StoredPoint(long Id, DataPoint Point);

/// <summary>
/// Points that could not be delivered, kept in a SQLite file (WAL mode) until they are sent or expire. Rows carry
/// the original metric, tags (JSON), timestamp, value, kind, centroids (JSON) and an expiry (now + TTL on the
/// registry clock). Reads return the oldest first; rows are deleted only after the backend accepted them.
/// </summary>
/// <remarks>
/// A file that is not a readable SQLite database is moved aside to <c>&lt;path&gt;.corrupt-&lt;timestamp&gt;</c>
/// and a fresh one is started, with a warning; a sound database of something else is refused and left untouched. One store at a time owns a file: it holds an exclusive lock on
/// <c>&lt;path&gt;.lock</c> while open, so a second reporter (in this process or another) pointed at the same file
/// runs without offline storage, with an error, instead of replaying the first one's points to its own backend and
/// sending them twice. Thread-safe (one connection under a lock).
/// </remarks>
internal sealed class OfflineStore : IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS points (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            metric TEXT NOT NULL,
            tags TEXT NOT NULL,
            timestamp_ms INTEGER NOT NULL,
            value REAL NOT NULL,
            kind INTEGER NOT NULL,
            centroids TEXT NULL,
            expires_ms INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS points_expires ON points (expires_ms);
        """;

    // SQLite's result codes for a damaged file and for a file that is not a database: the only ones moved aside.
    private const int Corrupt = 11;
    private const int NotADatabase = 26;

    private readonly object _lock = new();
    private readonly OfflineStorageOptions _options;
    private readonly TimeProvider _time;
    private SqliteConnection? _connection;
    private FileStream? _ownership;
    private long _count;

    private OfflineStore(OfflineStorageOptions options, TimeProvider time, SqliteConnection connection, FileStream? ownership)
    {
        _options = options;
        _time = time;
        _connection = connection;
        _count = Scalar(connection, "SELECT COUNT(*) FROM points;");
        _ownership = ownership;
    }

    /// <summary>The file in use.</summary>
    public string Path => _options.Path;

    /// <summary>Rows stored (expired rows included until purged).</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>
    /// Opens (or creates) the store. A corrupt or unreadable file is moved aside and a fresh one started.
    /// Returns null, with an error logged, when not even a fresh file can be opened (e.g. the folder is read-only).
    /// </summary>
    public static OfflineStore? Open(OfflineStorageOptions options, TimeProvider time, ILogger logger, string reporter) =>
        Open(options, time, logger, reporter, logInUse: true, out _);

    /// <summary>
    /// <see cref="Open(OfflineStorageOptions, TimeProvider, ILogger, string)"/>, telling whether the file was in use by
    /// another store (<paramref name="inUse"/>: worth trying again later) and logging that only when
    /// <paramref name="logInUse"/>.
    /// </summary>
    public static OfflineStore? Open(OfflineStorageOptions options, TimeProvider time, ILogger logger, string reporter, bool logInUse, out bool inUse)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        inUse = false;
        FileStream? ownership;
        try
        {
            ownership = Own(options.Path);
        }
        catch (IOException ex) when (IsHeldByAnother(ex, options.Path))
        {
            inUse = true;
            if (logInUse)
            {
                logger.LogError(
                    ex,
                    "Reporter {Reporter}: the offline storage file {Path} is in use by another reporter (in this process or another, e.g. the previous process still stopping); until it is free (tried again at each report) this reporter runs without offline storage and drops undeliverable points. Give each reporter a file of its own.",
                    reporter,
                    options.Path);
            }

            return null;
        }

        try
        {
            return OpenOwned(options, time, logger, reporter, ownership);
        }
        catch
        {
            ownership?.Dispose();
            throw;
        }
    }

    private static OfflineStore? OpenOwned(OfflineStorageOptions options, TimeProvider time, ILogger logger, string reporter, FileStream? ownership)
    {
        try
        {
            return new OfflineStore(options, time, Connect(options.Path), ownership);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is Corrupt or NotADatabase)
        {
            var aside = MoveAside(options.Path, time);
            logger.LogWarning(
                ex,
                "Reporter {Reporter}: the offline storage file {Path} is corrupt or unreadable ({Error}); it was moved to {Aside} and a new file was started. Points stored in it are not replayed.",
                reporter,
                options.Path,
                ex.Message,
                aside ?? "(could not be moved)");
        }
        catch (Exception ex)
        {
            // Whatever the reason (read-only folder or file, bad path, the database of something else, missing
            // native library), the file is left as it is and reporting goes on without it.
            logger.LogError(ex, "Reporter {Reporter}: offline storage at {Path} cannot be opened ({Error}); undeliverable points will be dropped.", reporter, options.Path, ex.Message);
            ownership?.Dispose();
            return null;
        }

        try
        {
            return new OfflineStore(options, time, Connect(options.Path), ownership);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Reporter {Reporter}: offline storage at {Path} cannot be opened ({Error}); undeliverable points will be dropped.", reporter, options.Path, ex.Message);
            ownership?.Dispose();
            return null;
        }
    }

    // A sharing violation is a plain IOException (its code differs by OS: 32 on Windows, EWOULDBLOCK on Unix), on a
    // lock file that exists; missing folders, bad paths and access denied are other types.
    private static bool IsHeldByAnother(IOException ex, string path) =>
        ex.GetType() == typeof(IOException) && File.Exists(System.IO.Path.GetFullPath(path) + ".lock");

    /// <summary>
    /// Takes the exclusive lock on <c>&lt;path&gt;.lock</c> (an OS file lock: released when the process ends, even by a
    /// crash). Throws a sharing violation when another store holds it; returns null when the lock file cannot be
    /// created at all (the store's own open then says why, or works without it).
    /// </summary>
    private static FileStream? Own(string path)
    {
        try
        {
            var full = System.IO.Path.GetFullPath(path);
            var folder = System.IO.Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            return new FileStream(full + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (IsHeldByAnother(ex, path))
        {
            throw;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Stores <paramref name="points"/> in one transaction. Returns how many of the oldest rows were evicted to stay within MaxStoredPoints.</summary>
    public long Store(IReadOnlyList<DataPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0)
        {
            return 0;
        }

        lock (_lock)
        {
            var connection = Connection;
            // A Ttl too long for the calendar (TimeSpan.MaxValue: keep until replayed) never expires.
            var now = _time.GetUtcNow();
            var expires = _options.Ttl < DateTimeOffset.MaxValue - now ? (now + _options.Ttl).ToUnixTimeMilliseconds() : long.MaxValue;
            using var transaction = connection.BeginTransaction();
            using (var insert = connection.CreateCommand())
            {
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO points (metric, tags, timestamp_ms, value, kind, centroids, expires_ms) VALUES ($m, $t, $ts, $v, $k, $c, $e);";
                var m = insert.Parameters.Add("$m", SqliteType.Text);
                var t = insert.Parameters.Add("$t", SqliteType.Text);
                var ts = insert.Parameters.Add("$ts", SqliteType.Integer);
                var v = insert.Parameters.Add("$v", SqliteType.Real);
                var k = insert.Parameters.Add("$k", SqliteType.Integer);
                var c = insert.Parameters.Add("$c", SqliteType.Text);
                var e = insert.Parameters.Add("$e", SqliteType.Integer);
                insert.Prepare();
                foreach (var p in points)
                {
                    m.Value = p.Metric;
                    t.Value = PointJson.WriteTags(p.Tags);
                    ts.Value = p.Timestamp.ToUnixTimeMilliseconds();
                    v.Value = p.Value;
                    k.Value = (int)p.Kind;
                    c.Value = (object?)PointJson.WriteCentroids(p.Centroids) ?? DBNull.Value;
                    e.Value = expires;
                    insert.ExecuteNonQuery();
                }
            }

            long evicted = 0;
            var total = _count + points.Count;
            if (total > _options.MaxStoredPoints)
            {
                using var trim = connection.CreateCommand();
                trim.Transaction = transaction;
                trim.CommandText = "DELETE FROM points WHERE id IN (SELECT id FROM points ORDER BY id LIMIT $n);";
                trim.Parameters.AddWithValue("$n", total - _options.MaxStoredPoints);
                evicted = trim.ExecuteNonQuery();
            }

            transaction.Commit();
            Interlocked.Exchange(ref _count, total - evicted);
            return evicted;
        }
    }

    /// <summary>
    /// Returns up to <paramref name="max"/> unexpired points, oldest first. Rows stay until <see cref="Delete"/>.
    /// Rows that cannot be read back (damaged JSON, unknown kind) are deleted and counted in <paramref name="discarded"/>,
    /// so one bad row never blocks the replay of the rest.
    /// </summary>
    public IReadOnlyList<StoredPoint> ReadOldest(int max, out long discarded)
    {
        lock (_lock)
        {
            var result = new List<StoredPoint>();
            var bad = new List<StoredPoint>();
            using (var select = Connection.CreateCommand())
            {
                select.CommandText = "SELECT id, metric, tags, timestamp_ms, value, kind, centroids FROM points WHERE expires_ms > $now ORDER BY id LIMIT $n;";
                select.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
                select.Parameters.AddWithValue("$n", max);
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    var id = reader.GetInt64(0);
                    try
                    {
                        var kind = (PointKind)reader.GetInt32(5);
                        if (!Enum.IsDefined(kind))
                        {
                            throw new FormatException($"unknown point kind {(int)kind}");
                        }

                        var point = new DataPoint(reader.GetString(1), PointJson.ReadTags(reader.GetString(2)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), reader.GetDouble(4))
                        {
                            Kind = kind,
                            Centroids = reader.IsDBNull(6) ? null : PointJson.ReadCentroids(reader.GetString(6)),
                        };
                        result.Add(new StoredPoint(id, point));
                    }
                    catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or InvalidOperationException or ArgumentException or InvalidCastException)
                    {
                        bad.Add(new StoredPoint(id, default));
                    }
                }
            }

            Delete(bad);
            discarded = bad.Count;
            return result;
        }
    }

    /// <summary>Deletes rows the backend accepted (or rejected for good).</summary>
    public void Delete(IReadOnlyList<StoredPoint> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            var connection = Connection;
            using var transaction = connection.BeginTransaction();
            using var delete = connection.CreateCommand();
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM points WHERE id = $id;";
            var id = delete.Parameters.Add("$id", SqliteType.Integer);
            delete.Prepare();
            long deleted = 0;
            foreach (var row in rows)
            {
                id.Value = row.Id;
                deleted += delete.ExecuteNonQuery();
            }

            transaction.Commit();
            Interlocked.Add(ref _count, -deleted);
        }
    }

    /// <summary>Deletes expired rows; returns how many.</summary>
    public long PurgeExpired()
    {
        lock (_lock)
        {
            using var purge = Connection.CreateCommand();
            purge.CommandText = "DELETE FROM points WHERE expires_ms <= $now;";
            purge.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
            long purged = purge.ExecuteNonQuery();
            Interlocked.Add(ref _count, -purged);
            return purged;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_connection is { } connection)
            {
                _connection = null;
                connection.Dispose();
                SqliteConnection.ClearPool(connection);
            }

            // The lock file stays: deleting it could let two stores each lock a different file of that name.
            _ownership?.Dispose();
            _ownership = null;
        }
    }

    private SqliteConnection Connection => _connection ?? throw new ObjectDisposedException(nameof(OfflineStore), $"The offline storage at {_options.Path} is closed.");

    private static SqliteConnection Connect(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        try
        {
            connection.Open();
            using (var check = connection.CreateCommand())
            {
                check.CommandText = "PRAGMA quick_check;";
                var result = check.ExecuteScalar() as string;
                if (!string.Equals(result, "ok", StringComparison.OrdinalIgnoreCase))
                {
                    throw new SqliteException($"integrity check failed: {result}", Corrupt);
                }
            }

            // A file this process cannot write (permissions, a read-only mount) opens read-only: replayed points could
            // not be deleted and would be sent again at every report. It is left for when it can be written again.
            if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
            {
                throw new IOException($"{full} is read-only for this process; the points stored in it stay there, to be replayed once it can be written again.");
            }

            // A sound database of something else (the application's own, or a LocalStore file) given by mistake is
            // neither moved aside as if corrupt nor changed (journal mode, a table of ours): it is refused.
            RefuseForeign(connection, path);
            Execute(connection, "PRAGMA journal_mode=WAL;");
            Execute(connection, Schema);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void RefuseForeign(SqliteConnection connection, string path)
    {
        using var tables = connection.CreateCommand();
        tables.CommandText = "SELECT group_concat(name, ', ') FROM sqlite_master WHERE type = 'table' AND name NOT IN ('points', 'sqlite_sequence');";
        var others = tables.ExecuteScalar() as string;
        string? why = string.IsNullOrEmpty(others) ? null : $"it holds other tables ({others})";
        if (why is null)
        {
            using var columns = connection.CreateCommand();
            columns.CommandText = "SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_table_info('points') ORDER BY cid);";
            var found = columns.ExecuteScalar() as string;
            if (!string.IsNullOrEmpty(found) && found != "id,metric,tags,timestamp_ms,value,kind,centroids,expires_ms")
            {
                why = $"its points table has other columns ({found})";
            }
        }

        if (why is not null)
        {
            throw new InvalidDataException(
                $"{System.IO.Path.GetFullPath(path)} is a SQLite database of something else: {why}. It was left as it is; offline storage needs a file of its own.");
        }
    }

    private static string? MoveAside(string path, TimeProvider time)
    {
        var full = System.IO.Path.GetFullPath(path);
        var aside = full + ".corrupt-" + PointJson.Stamp(time.GetUtcNow());
        for (var n = 2; File.Exists(aside); n++)
        {
            aside = full + ".corrupt-" + PointJson.Stamp(time.GetUtcNow()) + "-" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        try
        {
            if (!File.Exists(full))
            {
                return null;
            }

            File.Move(full, aside);
            foreach (var suffix in new[] { "-wal", "-shm" })
            {
                if (File.Exists(full + suffix))
                {
                    File.Move(full + suffix, aside + suffix);
                }
            }

            return aside;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
