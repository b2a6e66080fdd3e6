namespace Metrics.Reporters.Tests.LocalStore;

public class LocalStoreTests : LocalStoreFixture
{
    private static readonly Tags Eu = new(("region", "eu"));
    private static readonly Tags Us = new(("region", "us"));

    [Test]
    public void Write_NewSeries_CreatesItUnderTheEncodedName()
    {
        var store = Open();

        store.Write("orders", new Tags(("region", "eu"), ("channel", "web")), [(T0, 1)]);

        var series = store.GetSeries("orders{\"channel\": \"web\", \"region\": \"eu\"}");
        Assert.That(series, Is.Not.Null);
        Assert.That(series!.Name, Is.EqualTo("orders"));
        Assert.That(series.Tags, Is.EqualTo(new Tags(("channel", "web"), ("region", "eu"))));
        Assert.That(series.Attributes, Is.Empty);
    }

    [Test]
    public void Constructor_AnotherConnectionHoldsTheWriteLock_OpensAndReadsWithoutWaiting()
    {
        var writer = Open();
        writer.Write("x", Tags.Empty, [(T0, 1)]);
        using var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath};Pooling=False");
        other.Open();
        using var tx = other.BeginTransaction(deferred: false);
        using (var write = other.CreateCommand())
        {
            write.Transaction = tx;
            write.CommandText = "INSERT INTO points(series_id, ts, value) VALUES (1, 1, 1)";
            write.ExecuteNonQuery();
        }

        // Another process in the middle of a long write: opening the store to read it neither waits nor fails.
        var reader = Open(new LocalStoreOptions { TimeProvider = Clock, BusyTimeoutSeconds = 1 });

        Assert.That(reader.IsReadOnly, Is.False);
        Assert.That(reader.Retention, Is.Null, "the retention the writer recorded");
        Assert.That(reader.Read(T0, T0.AddMinutes(1)).Single().Points, Is.EqualTo(new[] { new TimeValue(T0, 1) }));
    }

    [Test]
    public void Write_AnotherConnectionHoldsTheWriteLock_ThrowsIOExceptionNamingTheFileAndWritesNothing()
    {
        var store = Open(new LocalStoreOptions { Retention = null, TimeProvider = Clock, BusyTimeoutSeconds = 1 });
        store.Write("x", Tags.Empty, [(T0, 1)]);
        using (var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            other.Open();
            using var tx = other.BeginTransaction(deferred: false);

            var ex = Assert.Throws<IOException>(() => store.Write("x", Tags.Empty, [(T0.AddSeconds(1), 2)]));

            Assert.That(ex!.Message, Does.Contain(DbPath).And.Contain("busy").And.Contain("nothing was changed"));
            Assert.That(ex.InnerException, Is.InstanceOf<Microsoft.Data.Sqlite.SqliteException>());
        }

        store.Write("y", Tags.Empty, [(T0, 3)]);
        Assert.That(store.Read(T0, T0.AddMinutes(1)).Select(d => d.Points.Count), Is.EqualTo(new[] { 1, 1 }), "the lock gone, writes go on; the refused point was not written");
    }

    [Test]
    public void Write_SameTimestampTwice_KeepsTheLastValue()
    {
        var store = Open();

        store.Write("x", Tags.Empty, [(T0, 1)]);
        store.Write("x", Tags.Empty, [(T0, 7)]);

        Assert.That(store.Read(T0, T0.AddMinutes(1)).Single().Points, Is.EqualTo(new[] { new TimeValue(T0, 7) }));
    }

    [Test]
    public void Write_NonFiniteValue_ThrowsAndWritesNothing()
    {
        var store = Open();

        var ex = Assert.Throws<ArgumentException>(() => store.Write("x", Eu, [(T0, 1), (T0.AddSeconds(1), double.NaN)]));

        Assert.That(ex!.Message, Does.Contain("Point 1").And.Contain("value must be a finite number"));
        Assert.That(store.CountPoints(), Is.Zero);
    }

    [Test]
    public void Write_EmptyName_Throws()
    {
        var store = Open();

        var ex = Assert.Throws<ArgumentException>(() => store.Write("", Tags.Empty, [(T0, 1)]));

        Assert.That(ex!.Message, Does.Contain("name is empty"));
    }

    [Test]
    public void WriteMany_MixedPoints_AnswersOneStatusPerPointInOrder()
    {
        var store = Open(new LocalStoreOptions { Retention = TimeSpan.FromDays(30), TimeProvider = Clock });
        var points = new[]
        {
            new SeriesPoint("orders", Eu, T0, 1),
            new SeriesPoint("orders", Eu, T0.AddSeconds(1), double.NaN),
            new SeriesPoint("orders", Us, T0, 2),
            new SeriesPoint("", Us, T0, 3),
            new SeriesPoint("orders", Us, T0.AddSeconds(1), double.PositiveInfinity),
            new SeriesPoint("orders", Us, T0.AddDays(-40), 4),
        };

        var statuses = store.WriteMany(points);

        Assert.That(statuses.Select(s => s.Code), Is.EqualTo(new[] { 200, 422, 200, 422, 422, 422 }));
        Assert.That(statuses[0].Messages, Is.Empty);
        Assert.That(statuses[1].Messages, Is.EqualTo(new[] { "value must be a finite number" }));
        Assert.That(statuses[3].Messages, Is.EqualTo(new[] { "name must not be empty" }));
        Assert.That(statuses[4].Messages, Is.EqualTo(new[] { "value must be a finite number" }));
        Assert.That(statuses[5].Messages.Single(), Does.Contain("older than the retention"));
        Assert.That(store.CountPoints(), Is.EqualTo(2));
    }

    [Test]
    public void WriteMany_BlankOrBraceName_RejectsThatPointOnly()
    {
        var store = Open();

        var statuses = store.WriteMany([
            new SeriesPoint("orders", Eu, T0, 1),
            new SeriesPoint("   ", Eu, T0, 2),
            new SeriesPoint("orders{x", Eu, T0, 3),
            new SeriesPoint("a{b", Eu, T0, 4) { Key = "custom" },
            new SeriesPoint("orders", Eu, T0.AddSeconds(1), 5),
        ]);

        Assert.That(statuses.Select(s => s.Code), Is.EqualTo(new[] { 200, 422, 422, 422, 200 }));
        Assert.That(statuses[1].Messages.Single(), Does.Contain("white space"));
        Assert.That(statuses[2].Messages.Single(), Does.Contain("'orders{x'").And.Contain("'{'"));
        Assert.That(store.Read(T0, T0.AddMinutes(1)).Single().Points.Select(p => p.Value), Is.EqualTo(new[] { 1.0, 5 }));
    }

    [Test]
    public void WriteMany_KeyOfAnotherSeries_RejectsThatPointOnly()
    {
        var store = Open();

        var statuses = store.WriteMany([
            new SeriesPoint("orders", Eu, T0, 1) { Key = "eu-orders" },
            new SeriesPoint("refunds", Eu, T0, 2) { Key = "eu-orders" },
            new SeriesPoint("orders", Eu, T0.AddSeconds(1), 3) { Key = "eu-orders" },
        ]);

        Assert.That(statuses.Select(s => s.Code), Is.EqualTo(new[] { 200, 422, 200 }));
        Assert.That(statuses[1].Messages.Single(), Does.Contain("'eu-orders' already belongs to series orders{\"region\": \"eu\"}"));
        Assert.That(store.GetSeries("eu-orders")!.Name, Is.EqualTo("orders"));
        Assert.That(store.Read(T0, T0.AddMinutes(1), "orders").Single().Points.Select(p => p.Value), Is.EqualTo(new[] { 1.0, 3 }));
    }

    [Test]
    public void Write_KeyOwnedByAnotherSeries_ThrowsNamingTheOwnerAndWritesNothing()
    {
        var store = Open();
        store.WriteMany([new SeriesPoint("refunds", Eu, T0, 1) { Key = "orders" }]);

        var ex = Assert.Throws<ArgumentException>(() => store.Write("orders", Tags.Empty, [(T0, 5), (T0.AddSeconds(1), 6)]));

        Assert.That(ex!.Message, Does.Contain("'orders' already belongs to series refunds{\"region\": \"eu\"}"));
        Assert.That(store.CountPoints(), Is.EqualTo(1));
        Assert.That(store.Read(T0, T0.AddMinutes(1)).Single().Points.Single(), Is.EqualTo(new TimeValue(T0, 1)));
    }

    [Test]
    public void Increment_KeyOwnedByAnotherSeries_ThrowsNamingTheOwnerAndLeavesTheValue()
    {
        var store = Open();
        store.WriteMany([new SeriesPoint("refunds", Eu, T0, 1) { Key = "orders" }]);

        var ex = Assert.Throws<ArgumentException>(() => store.Increment("orders", Tags.Empty, T0, 5));

        Assert.That(ex!.Message, Does.Contain("'orders' already belongs to series refunds{\"region\": \"eu\"}"));
        Assert.That(store.Read(T0, T0.AddMinutes(1)).Single().Points.Single(), Is.EqualTo(new TimeValue(T0, 1)));
    }

    [Test]
    public void Increment_SameTimestamp_AddsToTheValue()
    {
        var store = Open();

        store.Increment("hits", Eu, T0, 2);
        store.Increment("hits", Eu, T0, 3.5);
        store.Write("hits", Eu, [(T0.AddSeconds(1), 10)]);
        store.Increment("hits", Eu, T0.AddSeconds(1), -1);

        Assert.That(store.Read(T0, T0.AddMinutes(1), "hits").Single().Points,
            Is.EqualTo(new[] { new TimeValue(T0, 5.5), new TimeValue(T0.AddSeconds(1), 9) }));
    }

    [Test]
    public void Increment_NonFiniteDelta_Throws()
    {
        var store = Open();

        var ex = Assert.Throws<ArgumentException>(() => store.Increment("hits", Eu, T0, double.NegativeInfinity));

        Assert.That(ex!.Message, Does.Contain("value must be a finite number"));
    }

    [Test]
    public void Increment_SumNotFinite_ThrowsAndLeavesTheValue()
    {
        var store = Open();
        store.Write("hits", Eu, [(T0, double.MaxValue)]);

        var ex = Assert.Throws<ArgumentException>(() => store.Increment("hits", Eu, T0, double.MaxValue));

        Assert.That(ex!.Message, Does.Contain("would not be a finite number"));
        Assert.That(store.Read(T0, T0.AddSeconds(1)).Single().Points.Single().Value, Is.EqualTo(double.MaxValue));
        store.Increment("hits", Eu, T0, -double.MaxValue);
        Assert.That(store.Read(T0, T0.AddSeconds(1)).Single().Points.Single().Value, Is.Zero);
    }

    [Test]
    public void WriteBatch_IncrementSumNotFinite_RejectsThatPointOnly()
    {
        var store = Open();
        store.Write("hits", Eu, [(T0, -double.MaxValue)]);

        var statuses = store.WriteBatch([
            (new SeriesPoint("hits", Eu, T0, -double.MaxValue), true),
            (new SeriesPoint("hits", Eu, T0.AddSeconds(1), 2), true),
        ]);

        Assert.That(statuses.Select(s => s.Code), Is.EqualTo(new[] { 422, 200 }));
        Assert.That(statuses[0].Messages.Single(), Does.Contain("would not be a finite number"));
        Assert.That(store.Read(T0, T0.AddSeconds(2)).Single().Points.Select(p => p.Value), Is.EqualTo(new[] { -double.MaxValue, 2 }));
    }

    [Test]
    public void Increment_FromManyThreads_AddsUpExactly()
    {
        var store = Open();
        const int threads = 4;
        const int perThread = 500;

        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            for (var i = 0; i < perThread; i++)
            {
                store.Increment("hits", Tags.Empty, T0, 1);
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());

        Assert.That(store.Read(T0, T0.AddSeconds(1)).Single().Points.Single().Value, Is.EqualTo(threads * perThread));
    }

    [Test]
    public void Read_SubMillisecondBounds_KeepsStartInclusiveEndExclusive()
    {
        var store = Open();
        store.Write("x", Tags.Empty, [(T0.AddMilliseconds(10), 1), (T0.AddMilliseconds(20), 2)]);
        var half = TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond / 2);

        var points = store.Read(T0.AddMilliseconds(10) + half, T0.AddMilliseconds(20) + half).Single().Points;

        Assert.That(points, Is.EqualTo(new[] { new TimeValue(T0.AddMilliseconds(20), 2) }));
        Assert.That(store.Read(T0, T0.AddMilliseconds(10) + half).Single().Points.Select(p => p.Value), Is.EqualTo(new[] { 1.0 }));
        Assert.That(store.Read(T0.AddMilliseconds(10) + half, T0.AddMilliseconds(19) + half).Single().Points, Is.Empty);
    }

    [Test]
    public void Delete_SubMillisecondBounds_KeepsStartInclusiveEndExclusive()
    {
        var store = Open();
        store.Write("x", Tags.Empty, [(T0.AddMilliseconds(10), 1), (T0.AddMilliseconds(20), 2)]);
        var half = TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond / 2);

        Assert.That(store.Delete(T0.AddMilliseconds(10) + half, T0.AddMilliseconds(20) + half), Is.EqualTo(1));
        Assert.That(store.Read(T0, T0.AddSeconds(1)).Single().Points.Select(p => p.Value), Is.EqualTo(new[] { 1.0 }));
    }

    [Test]
    public void Delete_NameAndTags_RemovesOnlyMatchingPointsInRange()
    {
        var store = Open();
        foreach (var tags in new[] { Eu, Us })
        {
            store.Write("orders", tags, [(T0, 1), (T0.AddMinutes(1), 2), (T0.AddMinutes(2), 3)]);
        }

        store.Write("refunds", Eu, [(T0.AddMinutes(1), 4)]);

        var deleted = store.Delete(T0.AddMinutes(1), T0.AddMinutes(2), "orders", Eu);

        Assert.That(deleted, Is.EqualTo(1));
        var sets = store.Read(T0, T0.AddHours(1)).ToDictionary(s => s.Series.Key, s => s.Points.Select(p => p.Value).ToArray());
        Assert.That(sets["orders{\"region\": \"eu\"}"], Is.EqualTo(new[] { 1.0, 3 }));
        Assert.That(sets["orders{\"region\": \"us\"}"], Is.EqualTo(new[] { 1.0, 2, 3 }));
        Assert.That(sets["refunds{\"region\": \"eu\"}"], Is.EqualTo(new[] { 4.0 }));
    }

    [Test]
    public void Delete_NoFilter_RemovesEverySeriesPointsButKeepsTheSeries()
    {
        var store = Open();
        store.Write("a", Eu, [(T0, 1)]);
        store.Write("b", Us, [(T0, 1)]);

        Assert.That(store.Delete(T0.AddDays(-1), T0.AddDays(1)), Is.EqualTo(2));
        Assert.That(store.CountPoints(), Is.Zero);
        Assert.That(store.FilterSeries().Select(s => s.Key), Is.EqualTo(new[] { "a{\"region\": \"eu\"}", "b{\"region\": \"us\"}" }));
    }

    [Test]
    public void Delete_RangeHoldingPointsPastRetentionNotYetPurged_CountsOnlyThePointsReadsReturn()
    {
        var store = Open(new LocalStoreOptions { Retention = TimeSpan.FromHours(1), PurgeInterval = TimeSpan.FromDays(1), TimeProvider = Clock });
        var now = Clock.GetUtcNow();
        store.Write("orders", Eu, [(now.AddMinutes(-50), 1), (now.AddMinutes(-40), 2), (now.AddMinutes(-10), 3)]);
        Clock.Advance(TimeSpan.FromMinutes(30));
        var visible = store.Read(now.AddHours(-2), now.AddHours(1)).Single().Points.Count;

        var deleted = store.Delete(now.AddHours(-2), now.AddHours(1));

        Assert.That(visible, Is.EqualTo(1));
        Assert.That(deleted, Is.EqualTo(visible), "points past the retention are gone for the user already: deleting them again is not news");
        Assert.That(store.CountPoints(), Is.Zero);
    }

    [Test]
    public void FilterSeries_TagsAndAttributes_ReturnsSeriesHavingAllOfThem()
    {
        var store = Open();
        store.Write("orders", new Tags(("region", "eu"), ("channel", "web")), [(T0, 1)]);
        store.Write("orders", new Tags(("region", "eu"), ("channel", "app")), [(T0, 1)]);
        store.Write("orders", Us, [(T0, 1)]);
        store.Write("refunds", Eu, [(T0, 1)]);
        store.UpdateSeries("orders{\"channel\": \"web\", \"region\": \"eu\"}", new Dictionary<string, string> { ["unit"] = "orders", ["team"] = "shop" });
        store.UpdateSeries("refunds{\"region\": \"eu\"}", new Dictionary<string, string> { ["team"] = "shop" });

        Assert.That(store.FilterSeries(tags: Eu).Select(s => s.Key), Is.EqualTo(new[]
        {
            "orders{\"channel\": \"app\", \"region\": \"eu\"}", "orders{\"channel\": \"web\", \"region\": \"eu\"}", "refunds{\"region\": \"eu\"}",
        }));
        Assert.That(store.FilterSeries("orders", Eu).Count, Is.EqualTo(2));
        Assert.That(store.FilterSeries(attributes: new Dictionary<string, string> { ["team"] = "shop" }).Select(s => s.Name), Is.EqualTo(new[] { "orders", "refunds" }));
        Assert.That(store.FilterSeries(tags: Eu, attributes: new Dictionary<string, string> { ["team"] = "shop", ["unit"] = "orders" }).Single().Tags["channel"], Is.EqualTo("web"));
        Assert.That(store.FilterSeries("nothing"), Is.Empty);
        Assert.That(store.FilterSeries(), Has.Count.EqualTo(4));
    }

    [Test]
    public void Read_Attributes_FiltersLikeFilterSeries()
    {
        var store = Open();
        store.Write("orders", Eu, [(T0, 1)]);
        store.Write("orders", Us, [(T0, 2)]);
        store.UpdateSeries("orders{\"region\": \"us\"}", new Dictionary<string, string> { ["unit"] = "orders" });

        var set = store.Read(T0, T0.AddHours(1), attributes: new Dictionary<string, string> { ["unit"] = "orders" }).Single();

        Assert.That(set.Series.Tags, Is.EqualTo(Us));
        Assert.That(set.Series.Attributes["unit"], Is.EqualTo("orders"));
        Assert.That(set.Points.Single().Value, Is.EqualTo(2));
    }

    [Test]
    public void UpdateSeries_ReplacesAttributes()
    {
        var store = Open();
        store.Write("orders", Eu, [(T0, 1)]);
        var key = MetricName.Encode("orders", Eu);

        store.UpdateSeries(key, new Dictionary<string, string> { ["unit"] = "orders", ["team"] = "shop" });
        var updated = store.UpdateSeries(key, new Dictionary<string, string> { ["unit"] = "count" });

        Assert.That(updated.Attributes, Is.EqualTo(new Dictionary<string, string> { ["unit"] = "count" }));
        Assert.That(store.GetSeries(key)!.Attributes, Is.EqualTo(new Dictionary<string, string> { ["unit"] = "count" }));
    }

    [Test]
    public void UpdateSeries_UnknownKey_ThrowsKeyNotFound()
    {
        var store = Open();

        var ex = Assert.Throws<KeyNotFoundException>(() => store.UpdateSeries("missing", new Dictionary<string, string>()));

        Assert.That(ex!.Message, Does.Contain("'missing'").And.Contain("writing points"));
    }

    [Test]
    public void GetSeries_UnknownKey_ReturnsNull()
    {
        Assert.That(Open().GetSeries("missing"), Is.Null);
    }

    [Test]
    public void Open_ExistingFile_KeepsSeriesAttributesAndPoints()
    {
        using (var first = new Reporters.LocalStore(DbPath, new LocalStoreOptions { Retention = null }))
        {
            first.Write("orders", Eu, [(T0, 1), (T0.AddSeconds(1), 2)]);
            first.UpdateSeries(MetricName.Encode("orders", Eu), new Dictionary<string, string> { ["unit"] = "orders" });
        }

        var reopened = Open();
        reopened.Write("orders", Eu, [(T0.AddSeconds(2), 3)]);

        var set = reopened.Read(T0, T0.AddMinutes(1), "orders", Eu).Single();
        Assert.That(set.Points.Select(p => p.Value), Is.EqualTo(new[] { 1.0, 2, 3 }));
        Assert.That(set.Series.Attributes["unit"], Is.EqualTo("orders"));
        Assert.That(reopened.FilterSeries(), Has.Count.EqualTo(1));
    }

    [Test]
    public void Open_CreatesWalModeFileInMissingDirectory()
    {
        var path = Path.Combine(Directory, "nested", "dir", "store.db");

        using (var store = new Reporters.LocalStore(path))
        {
            store.Write("x", Tags.Empty, [(DateTimeOffset.UtcNow, 1)]);
            Assert.That(File.Exists(path + "-wal"), Is.True);
        }

        Assert.That(File.Exists(path), Is.True);
    }

    [Test]
    public void Open_NotASqliteFile_ThrowsIOExceptionNamingThePath()
    {
        File.WriteAllText(DbPath, new string('x', 4096));

        var ex = Assert.Throws<IOException>(() => Open());

        Assert.That(ex!.Message, Does.Contain(DbPath));
    }

    [Test]
    public void Open_DamagedPages_ThrowsIOExceptionNamingThePath()
    {
        WriteManyPointsThenDamage(fromByte: 4096);

        var ex = Assert.Throws<IOException>(() => Open().Read(T0, T0.AddDays(1)));

        Assert.That(ex!.Message, Does.Contain(DbPath).And.Contain("damaged"));
    }

    [Test]
    public void Read_DamagedTail_ThrowsIOExceptionNamingThePath()
    {
        var length = WriteManyPointsThenDamage(fromByte: -8192);

        var ex = Assert.Throws<IOException>(() => Open().Read(T0, T0.AddDays(1)));

        Assert.That(ex!.Message, Does.Contain(DbPath).And.Contain("damaged"), $"file of {length} bytes");
    }

    [TestCase("CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'Ada'); PRAGMA user_version = 1;", "other tables (customers)")]
    [TestCase("CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'Ada');", "other tables (customers)")]
    [TestCase("CREATE TABLE points(id INTEGER PRIMARY KEY, metric TEXT, payload BLOB); INSERT INTO points VALUES (1, 'x', NULL);", "points table has other columns (id, metric, payload)")]
    public void Open_DatabaseOfSomethingElse_ThrowsIOExceptionAndLeavesItUntouched(string schema, string why)
    {
        using (var app = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            app.Open();
            using var cmd = app.CreateCommand();
            cmd.CommandText = schema;
            cmd.ExecuteNonQuery();
        }

        var before = File.ReadAllBytes(DbPath);

        var ex = Assert.Throws<IOException>(() => Open());

        Assert.That(ex!.Message, Does.Contain(DbPath).And.Contain("database of something else").And.Contain(why));
        Assert.That(File.ReadAllBytes(DbPath), Is.EqualTo(before), "no table, index, version or journal mode of the store was written into it");
        Assert.That(File.Exists(DbPath + "-wal"), Is.False);
    }

    /// <summary>Writes a store of several pages, then overwrites it with garbage from a byte (negative: from the end).</summary>
    private long WriteManyPointsThenDamage(long fromByte)
    {
        using (var store = new Reporters.LocalStore(DbPath, new LocalStoreOptions { Retention = null }))
        {
            store.Write("orders", Eu, Enumerable.Range(0, 20_000).Select(i => (T0.AddSeconds(i), (double)i)));
        }

        using var file = new FileStream(DbPath, FileMode.Open, FileAccess.ReadWrite);
        var start = fromByte >= 0 ? fromByte : file.Length + fromByte;
        file.Position = start;
        var garbage = new byte[file.Length - start];
        new Random(7).NextBytes(garbage);
        file.Write(garbage);
        return file.Length;
    }

    [Test]
    public void Open_FileFromANewerSchema_ThrowsIOExceptionNamingTheVersion()
    {
        Open().Dispose();
        using (var raw = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + DbPath + ";Pooling=False"))
        {
            raw.Open();
            using var bump = raw.CreateCommand();
            bump.CommandText = "PRAGMA user_version = 99;";
            bump.ExecuteNonQuery();
        }

        var ex = Assert.Throws<IOException>(() => Open());

        Assert.That(ex!.Message, Does.Contain(DbPath).And.Contain("schema version 99"));
    }

    [Test]
    public void Open_NonPositiveRetention_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => Open(new LocalStoreOptions { Retention = TimeSpan.Zero }));

        Assert.That(ex!.Message, Does.Contain("Retention"));
    }

    [Test]
    public void Open_SubMillisecondRetention_ThrowsWithoutCreatingTheFile()
    {
        var ex = Assert.Throws<ArgumentException>(() => Open(new LocalStoreOptions { Retention = TimeSpan.FromTicks(5000), TimeProvider = Clock }));

        Assert.That(ex!.Message, Does.Contain("LocalStoreOptions.Retention").And.Contain("at least 1 millisecond"));
        Assert.That(File.Exists(DbPath), Is.False, "nothing recorded: the file would say 0 and a reader would purge every point");
    }

    [Test]
    public void Open_OneMillisecondRetention_ReopensWithTheSameRetention()
    {
        Open(new LocalStoreOptions { Retention = TimeSpan.FromMilliseconds(1), TimeProvider = Clock }).Dispose();

        Assert.That(Open(new LocalStoreOptions { TimeProvider = Clock }).Retention, Is.EqualTo(TimeSpan.FromMilliseconds(1)));
    }

    [Test]
    public void Retention_TimerTick_PurgesExpiredPoints()
    {
        var store = Open(new LocalStoreOptions { Retention = TimeSpan.FromDays(1), PurgeInterval = TimeSpan.FromMinutes(1), TimeProvider = Clock });
        var now = Clock.GetUtcNow();
        store.Write("x", Tags.Empty, [(now, 1), (now.AddHours(12), 2)]);

        Clock.Advance(TimeSpan.FromDays(1).Add(TimeSpan.FromMinutes(1)));

        Assert.That(store.CountPoints(), Is.EqualTo(1));
        Assert.That(store.Read(now, now.AddDays(2)).Single().Points.Select(p => p.Value), Is.EqualTo(new[] { 2.0 }));
    }

    [Test]
    public void Retention_WriteAfterPurgeInterval_PurgesExpiredPoints()
    {
        var store = Open(new LocalStoreOptions { Retention = TimeSpan.FromDays(1), PurgeInterval = TimeSpan.FromMinutes(1), TimeProvider = Clock });
        var now = Clock.GetUtcNow();
        store.Write("x", Tags.Empty, [(now, 1)]);

        Clock.SetUtcNow(now.AddDays(2));
        store.Write("x", Tags.Empty, [(now.AddDays(2), 2)]);

        Assert.That(store.CountPoints(), Is.EqualTo(1));
    }

    [Test]
    public void Retention_ExpiredButNotYetPurged_IsNotRead()
    {
        var store = Open(new LocalStoreOptions { Retention = TimeSpan.FromDays(1), PurgeInterval = TimeSpan.FromHours(1), TimeProvider = Clock });
        var now = Clock.GetUtcNow();
        store.Write("x", Tags.Empty, [(now, 1), (now.AddDays(1), 2)]);

        Clock.SetUtcNow(now.AddDays(1).AddMinutes(1));

        Assert.That(store.CountPoints(), Is.EqualTo(2));
        Assert.That(store.Read(now, now.AddDays(2)).Single().Points.Select(p => p.Value), Is.EqualTo(new[] { 2.0 }));
    }

    [Test]
    public void Retention_Null_KeepsOldPoints()
    {
        var store = Open();
        store.Write("x", Tags.Empty, [(T0.AddYears(-5), 1)]);

        Clock.Advance(TimeSpan.FromDays(400));

        Assert.That(store.CountPoints(), Is.EqualTo(1));
    }

    [Test]
    public void Retention_ReaderWithDefaultOptions_DeletesNothingTheWriterKeeps()
    {
        var writer = Open(new LocalStoreOptions { Retention = null, TimeProvider = Clock });
        var now = Clock.GetUtcNow();
        writer.Write("x", Tags.Empty, [(now.AddDays(-90), 1), (now.AddDays(-45), 2), (now.AddDays(-1), 3)]);

        var reader = Open(new LocalStoreOptions { TimeProvider = Clock, PurgeInterval = TimeSpan.FromMinutes(1) });
        Clock.Advance(TimeSpan.FromMinutes(5));
        reader.PurgeNow();
        reader.Write("y", Tags.Empty, [(Clock.GetUtcNow(), 4)]);
        using (var plain = new Reporters.LocalStore(DbPath))
        {
            plain.PurgeNow();
        }

        Assert.That(reader.Retention, Is.Null);
        Assert.That(writer.CountPoints(), Is.EqualTo(4));
        Assert.That(reader.Read(now.AddDays(-100), now.AddDays(1), "x").Single().Points.Select(p => p.Value), Is.EqualTo(new[] { 1.0, 2, 3 }));
    }

    [Test]
    public void Retention_ReaderWithDefaultOptions_FollowsTheRetentionRecordedByTheWriter()
    {
        Open(new LocalStoreOptions { Retention = TimeSpan.FromDays(7), TimeProvider = Clock }).Dispose();

        Assert.That(Open(new LocalStoreOptions { TimeProvider = Clock }).Retention, Is.EqualTo(TimeSpan.FromDays(7)));
    }

    [Test]
    public void Retention_NewFileWithDefaultOptions_Records30Days()
    {
        using (var first = new Reporters.LocalStore(DbPath))
        {
            Assert.That(first.Retention, Is.EqualTo(TimeSpan.FromDays(30)));
        }

        Assert.That(Open(new LocalStoreOptions { TimeProvider = Clock }).Retention, Is.EqualTo(TimeSpan.FromDays(30)));
    }

    [Test]
    public void Retention_ExistingFileWithoutRecordedRetention_KeepsEverything()
    {
        Open().Dispose();
        using (var raw = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + DbPath + ";Pooling=False"))
        {
            raw.Open();
            using var drop = raw.CreateCommand();
            drop.CommandText = "DROP TABLE store_meta;";
            drop.ExecuteNonQuery();
        }

        Assert.That(Open(new LocalStoreOptions { TimeProvider = Clock }).Retention, Is.Null);
    }

    [Test]
    public void Read_WhileAnotherStoreWritesBatches_SeesEachBatchInEverySeriesOrInNone()
    {
        var reader = Open();
        var writer = Open();
        writer.WriteMany([new SeriesPoint("a", Tags.Empty, T0, 0), new SeriesPoint("b", Tags.Empty, T0, 0), new SeriesPoint("c", Tags.Empty, T0, 0)]);
        using var stop = new CancellationTokenSource();
        var writes = 0;
        var writing = new Thread(() =>
        {
            for (var i = 1; !stop.IsCancellationRequested; i++)
            {
                var t = T0.AddMilliseconds(i);
                writer.WriteMany([new SeriesPoint("a", Tags.Empty, t, i), new SeriesPoint("b", Tags.Empty, t, i), new SeriesPoint("c", Tags.Empty, t, i)]);
                Interlocked.Increment(ref writes);
            }
        });
        writing.Start();

        var torn = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(2);
        var reads = 0;
        try
        {
            while ((DateTime.UtcNow < deadline || Volatile.Read(ref writes) < 50) && torn.Count == 0)
            {
                var counts = reader.Read(T0, T0.AddHours(1), interval: "raw").Select(s => s.Points.Count).ToArray();
                reads++;
                if (counts.Distinct().Count() != 1)
                {
                    torn.Add(string.Join(", ", counts));
                }
            }
        }
        finally
        {
            stop.Cancel();
            writing.Join();
        }

        Assert.That(torn, Is.Empty, $"{reads} reads during {writes} batches");
    }

    [Test]
    public void Open_ReadOnlyOption_ReadsWhileTheWriterIsOpen_AndRefusesWrites()
    {
        var writer = Open();
        writer.Write("orders", Eu, [(T0, 1), (T0.AddSeconds(1), 2)]);

        var reader = Open(new LocalStoreOptions { ReadOnly = true, TimeProvider = Clock });

        Assert.That(reader.IsReadOnly, Is.True);
        Assert.That(reader.Read(T0, T0.AddMinutes(1), "orders").Single().Points.Select(p => p.Value), Is.EqualTo(new[] { 1.0, 2 }));
        Assert.That(reader.FilterSeries().Single().Name, Is.EqualTo("orders"));
        var ex = Assert.Throws<NotSupportedException>(() => reader.Write("orders", Eu, [(T0.AddSeconds(2), 3)]));
        Assert.That(ex!.Message, Does.Contain(DbPath).And.Contain("read-only"));
        Assert.Throws<NotSupportedException>(() => reader.Increment("orders", Eu, T0, 1));
        Assert.Throws<NotSupportedException>(() => reader.WriteMany([new SeriesPoint("orders", Eu, T0, 1)]));
        Assert.Throws<NotSupportedException>(() => reader.Delete(T0, T0.AddMinutes(1)));
        Assert.Throws<NotSupportedException>(() => reader.UpdateSeries(MetricName.Encode("orders", Eu), new Dictionary<string, string>()));
        writer.Write("orders", Eu, [(T0.AddSeconds(2), 3)]);
        Assert.That(reader.Read(T0, T0.AddMinutes(1), "orders").Single().Points, Has.Count.EqualTo(3));
    }

    [Test]
    public void Open_ReadOnlyOption_MissingFile_ThrowsIOExceptionAndCreatesNothing()
    {
        var ex = Assert.Throws<IOException>(() => Open(new LocalStoreOptions { ReadOnly = true }));

        Assert.That(ex!.Message, Does.Contain(DbPath));
        Assert.That(File.Exists(DbPath), Is.False);
    }

    [Test]
    public void Open_ImmutableFile_OpensReadOnlyAndReads()
    {
        using (var writer = new Reporters.LocalStore(DbPath, new LocalStoreOptions { Retention = null }))
        {
            writer.Write("orders", Eu, [(T0, 1)]);
        }

        // Root ignores file permissions, so the file is made immutable (chattr +i) instead; skipped where that is not allowed.
        if (!Chattr("+i"))
        {
            Assert.Ignore("chattr +i is not available here");
        }

        try
        {
            using var store = new Reporters.LocalStore(DbPath, new LocalStoreOptions { TimeProvider = Clock });
            Assert.That(store.IsReadOnly, Is.True);
            Assert.That(store.Read(T0, T0.AddMinutes(1)).Single().Points.Single().Value, Is.EqualTo(1));
            var ex = Assert.Throws<NotSupportedException>(() => store.Write("orders", Eu, [(T0.AddSeconds(1), 2)]));
            Assert.That(ex!.Message, Does.Contain(DbPath).And.Contain("cannot be written"));
        }
        finally
        {
            Chattr("-i");
        }
    }

    private bool Chattr(string flag)
    {
        try
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("chattr", [flag, DbPath])
            {
                RedirectStandardError = true,
            })!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    [Test]
    public void Dispose_ThenWrite_ThrowsObjectDisposed()
    {
        var store = Open();
        store.Dispose();

        Assert.Throws<ObjectDisposedException>(() => store.Write("x", Tags.Empty, [(T0, 1)]));
    }
}
