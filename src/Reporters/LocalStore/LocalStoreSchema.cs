using Microsoft.Data.Sqlite;

namespace Metrics.Reporters;

/// <summary>The tables of the store file. Points are keyed by (series, time) so that a read of one series is a range scan.</summary>
internal static class LocalStoreSchema
{
    public const int Version = 1;

    /// <summary>Creates the tables that are missing. Returns true when the file had no store yet (a new file).</summary>
    /// <exception cref="InvalidOperationException">The file is a newer store, or a database of something else.</exception>
    public static bool Create(SqliteConnection connection)
    {
        var existing = ReadVersion(connection);

        // A sound database of something else given by mistake (the application's own, offline storage's) gets
        // neither the store's tables nor its schema version nor WAL mode written into it: it is refused as it is.
        RefuseForeign(connection);

        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";
        pragma.ExecuteNonQuery();

        if (existing == Version && IsComplete(connection))
        {
            // Every table and index is there: nothing to create, so no write lock is taken. A store opened to read
            // while another process writes a long batch (or purges) opens at once instead of waiting for it, and
            // failing with 'database is locked' after the busy timeout.
            return false;
        }

        using var tx = connection.BeginTransaction();
        using var create = connection.CreateCommand();
        create.Transaction = tx;
        create.CommandText = """
            CREATE TABLE IF NOT EXISTS series (
                id INTEGER PRIMARY KEY,
                key TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS series_name ON series(name);
            CREATE TABLE IF NOT EXISTS series_tags (
                series_id INTEGER NOT NULL,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (series_id, key)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS series_tags_kv ON series_tags(key, value);
            CREATE TABLE IF NOT EXISTS series_attributes (
                series_id INTEGER NOT NULL,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (series_id, key)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS series_attributes_kv ON series_attributes(key, value);
            CREATE TABLE IF NOT EXISTS points (
                series_id INTEGER NOT NULL,
                ts INTEGER NOT NULL,
                value REAL NOT NULL,
                PRIMARY KEY (series_id, ts)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS points_ts ON points(ts);
            CREATE TABLE IF NOT EXISTS store_meta (
                key TEXT PRIMARY KEY,
                value TEXT) WITHOUT ROWID;
            PRAGMA user_version = 1;
            """;
        create.ExecuteNonQuery();
        tx.Commit();
        return existing == 0;
    }

    /// <summary>The columns of each table of the store, in order.</summary>
    private static readonly Dictionary<string, string> Columns = new(StringComparer.Ordinal)
    {
        ["series"] = "id, key, name",
        ["series_tags"] = "series_id, key, value",
        ["series_attributes"] = "series_id, key, value",
        ["points"] = "series_id, ts, value",
        ["store_meta"] = "key, value",
    };

    /// <summary>
    /// Throws when the file holds a table that is not the store's, or one of the store's tables with other columns:
    /// a store file holds nothing else, and a new one is empty.
    /// </summary>
    private static void RefuseForeign(SqliteConnection connection)
    {
        var tables = new List<string>();
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var others = tables.Where(static t => !Columns.ContainsKey(t)).ToList();
        string? why = others.Count > 0 ? $"it holds other tables ({string.Join(", ", others)})" : null;
        foreach (var table in tables)
        {
            if (why is not null)
            {
                break;
            }

            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT group_concat(name, ', ') FROM (SELECT name FROM pragma_table_info($t) ORDER BY cid)";
            cmd.Parameters.AddWithValue("$t", table);
            var found = cmd.ExecuteScalar() as string;
            if (found != Columns[table])
            {
                why = $"its {table} table has other columns ({found})";
            }
        }

        if (why is not null)
        {
            throw new InvalidOperationException(
                $"the file is a SQLite database of something else: {why}. It was left as it is; the local store needs a file of its own (or an existing store file).");
        }
    }

    /// <summary>Whether the file holds every table and index <see cref="Create"/> makes (read without a lock on writers).</summary>
    private static bool IsComplete(SqliteConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = """
            SELECT COUNT(*) FROM sqlite_master WHERE
                (type = 'table' AND name IN ('series', 'series_tags', 'series_attributes', 'points', 'store_meta'))
                OR (type = 'index' AND name IN ('series_name', 'series_tags_kv', 'series_attributes_kv', 'points_ts'))
            """;
        return Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 9;
    }

    // The file's schema version; one newer than this library's cannot be used.
    private static int ReadVersion(SqliteConnection connection)
    {
        using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version;";
        var existing = Convert.ToInt32(version.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (existing > Version)
        {
            throw new InvalidOperationException(
                $"The local store file has schema version {existing}, newer than this library's {Version}; open it with a newer Metrics.Reporters or use another path.");
        }

        return existing;
    }

    /// <summary>
    /// Checks, without writing, that the file holds a store of this library's schema (for opening it read-only).
    /// </summary>
    /// <exception cref="InvalidOperationException">It does not.</exception>
    public static void Check(SqliteConnection connection)
    {
        var existing = ReadVersion(connection);

        using var tables = connection.CreateCommand();
        tables.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('series', 'series_tags', 'series_attributes', 'points')";
        if (existing != Version || Convert.ToInt32(tables.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 4)
        {
            throw new InvalidOperationException(
                "The file opened read-only is not a local store of the current schema; open it once read-write (on a writable file) to create or upgrade it.");
        }
    }

    /// <summary>
    /// A cheap check that the file is readable: reads the first row of every table and index (their root pages),
    /// not the whole file as <c>PRAGMA quick_check</c> would. Damage further in is reported by the read that meets it.
    /// </summary>
    public static void Probe(SqliteConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = """
            SELECT id FROM series LIMIT 1;
            SELECT name FROM series INDEXED BY series_name ORDER BY name LIMIT 1;
            SELECT series_id FROM series_tags LIMIT 1;
            SELECT key FROM series_tags INDEXED BY series_tags_kv ORDER BY key LIMIT 1;
            SELECT series_id FROM series_attributes LIMIT 1;
            SELECT key FROM series_attributes INDEXED BY series_attributes_kv ORDER BY key LIMIT 1;
            SELECT series_id FROM points LIMIT 1;
            SELECT ts FROM points INDEXED BY points_ts ORDER BY ts LIMIT 1;
            """;
        using var reader = cmd.ExecuteReader();
        do
        {
            while (reader.Read())
            {
            }
        }
        while (reader.NextResult());
    }

    /// <summary>
    /// The retention recorded in the file: <c>Found</c> false when none is (a file from before retention was
    /// recorded); otherwise the retention, null meaning every point is kept.
    /// </summary>
    public static (bool Found, TimeSpan? Retention) ReadRetention(SqliteConnection connection)
    {
        using var table = connection.CreateCommand();
        table.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'store_meta'";
        if (Convert.ToInt64(table.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            // A file created before the retention was recorded, opened read-only.
            return (false, null);
        }

        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT value FROM store_meta WHERE key = 'retention_ms'";
        using var reader = cmd.ExecuteReader();
        if (!reader.Read())
        {
            return (false, null);
        }

        return reader.IsDBNull(0)
            ? (true, null)
            : (true, TimeSpan.FromMilliseconds(long.Parse(reader.GetString(0), System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>Records <paramref name="retention"/> (null: keep every point) as the file's retention.</summary>
    public static void WriteRetention(SqliteConnection connection, TimeSpan? retention)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "INSERT INTO store_meta(key, value) VALUES ('retention_ms', $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
        cmd.Parameters.AddWithValue("$v", retention is TimeSpan r
            ? ((long)r.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : DBNull.Value);
        cmd.ExecuteNonQuery();
    }
}
