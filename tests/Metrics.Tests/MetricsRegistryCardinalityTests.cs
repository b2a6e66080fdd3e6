namespace Metrics.Tests;

public class MetricsRegistryCardinalityTests
{
    private static readonly Tags Overflow = new(("metrics_overflow", "true"));

    private MetricsRegistry _registry = null!;

    [SetUp]
    public void SetUp() => _registry = new MetricsRegistry(new MetricsOptions { MaxSeriesPerName = 3 });

    private static Tags User(int i) => new(("user", i.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    [Test]
    public void Counter_BeyondTheLimit_FoldsIntoOneOverflowSeries()
    {
        for (var i = 0; i < 10; i++)
        {
            _registry.Counter("logins", User(i)).Inc();
        }

        Assert.Multiple(() =>
        {
            Assert.That(_registry.SeriesCount, Is.EqualTo(4));
            Assert.That(_registry.Counter("logins", Overflow).Count, Is.EqualTo(7));
            Assert.That(_registry.GetFoldedSeriesCount("logins"), Is.EqualTo(7));
        });
    }

    [Test]
    public void GetFoldedSeriesCount_CountsDistinctSeries_NotUpdates()
    {
        for (var round = 0; round < 5; round++)
        {
            for (var i = 0; i < 6; i++)
            {
                _registry.Counter("logins", ("user", i.ToString(System.Globalization.CultureInfo.InvariantCulture))).Inc();
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(_registry.GetFoldedSeriesCount("logins"), Is.EqualTo(3));
            Assert.That(_registry.Counter("logins", Overflow).Count, Is.EqualTo(15));
            Assert.That(_registry.Counter("logins", User(0)).Count, Is.EqualTo(5));
        });
    }

    [Test]
    public void GetFoldedSeriesCount_NameWithWhiteSpaceAround_CountsTheSeriesOfTheTrimmedName()
    {
        for (var i = 0; i < 5; i++)
        {
            _registry.Counter(" logins ", User(i)).Inc();
        }

        Assert.Multiple(() =>
        {
            Assert.That(_registry.GetFoldedSeriesCount("logins"), Is.EqualTo(2));
            Assert.That(_registry.GetFoldedSeriesCount(" logins\t"), Is.EqualTo(2), "the same name as the series were created with");
        });
    }

    [Test]
    public void Limit_IsPerName()
    {
        for (var i = 0; i < 3; i++)
        {
            _registry.Counter("a", User(i));
            _registry.Counter("b", User(i));
        }

        Assert.Multiple(() =>
        {
            Assert.That(_registry.SeriesCount, Is.EqualTo(6));
            Assert.That(_registry.GetFoldedSeriesCount("a"), Is.Zero);
            Assert.That(_registry.GetFoldedSeriesCount("b"), Is.Zero);
        });
    }

    [Test]
    public void Read_ShowsTheOverflowSeriesTagged()
    {
        for (var i = 0; i < 4; i++)
        {
            _registry.Meter("clicks", User(i)).Mark();
        }

        var overflow = _registry.CreateReader().Read().Single(s => s.Tags.Equals(Overflow));

        Assert.Multiple(() =>
        {
            Assert.That(overflow.Name, Is.EqualTo("clicks"));
            Assert.That(overflow.Type, Is.EqualTo(MetricType.Meter));
            Assert.That(overflow.Count, Is.EqualTo(1));
        });
    }

    [Test]
    public void FoldedSeriesOfAnotherType_ThrowsNamingTheOverflowSeries()
    {
        for (var i = 0; i < 4; i++)
        {
            _registry.Counter("mixed", User(i));
        }

        var ex = Assert.Throws<ArgumentException>(() => _registry.Meter("mixed", User(99)));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Contain("metrics_overflow=true").And.Contain("Counter").And.Contain("Meter"));
            Assert.That(_registry.GetFoldedSeriesCount("mixed"), Is.EqualTo(1));
        });
    }

    [Test]
    public void Remove_MakesRoomForANewSeries()
    {
        for (var i = 0; i < 3; i++)
        {
            _registry.Counter("logins", User(i));
        }

        _registry.Remove("logins", User(0));
        _registry.Counter("logins", User(50)).Inc();

        Assert.Multiple(() =>
        {
            Assert.That(_registry.GetFoldedSeriesCount("logins"), Is.Zero);
            Assert.That(_registry.SeriesCount, Is.EqualTo(3));
        });
    }

    [Test]
    public void RemoveOverflow_ForgetsFoldedSeries()
    {
        for (var i = 0; i < 5; i++)
        {
            _registry.Counter("logins", User(i)).Inc();
        }

        var removed = _registry.Remove("logins", Overflow);
        var refolded = _registry.Counter("logins", User(4));

        Assert.Multiple(() =>
        {
            Assert.That(removed, Is.True);
            Assert.That(refolded.Count, Is.Zero, "a folded series must not keep pointing at the removed overflow series");
            Assert.That(_registry.GetFoldedSeriesCount("logins"), Is.EqualTo(1));
        });
    }

    [Test]
    public void RemoveWhere_OverflowSeriesOfSomeNames_ForgetsOnlyTheirFoldedSeries()
    {
        var registry = new MetricsRegistry(new MetricsOptions { MaxSeriesPerName = 1 });
        string[] names = ["a", "b", "c", "d"];
        foreach (var name in names)
        {
            for (var i = 0; i < 4; i++)
            {
                registry.Counter(name, User(i)).Inc();
            }
        }

        var removed = registry.RemoveWhere((id, _) => id.Tags.Equals(Overflow) && id.Name is "a" or "c");
        var reader = registry.CreateReader();
        var afterRemove = reader.Read().Select(s => $"{s.Name} {s.Tags} {s.Count}").ToList();
        var refoldedA = registry.Counter("a", User(2));
        var stillFoldedB = registry.Counter("b", User(2));

        Assert.Multiple(() =>
        {
            Assert.That(removed, Is.EqualTo(2));
            Assert.That(afterRemove, Is.EqualTo(new[]
            {
                "a {user=0} 1", "b {metrics_overflow=true} 3", "b {user=0} 1",
                "c {user=0} 1", "d {metrics_overflow=true} 3", "d {user=0} 1",
            }));
            Assert.That(refoldedA.Count, Is.Zero, "a's folded series start afresh in a new overflow series");
            Assert.That(stillFoldedB.Count, Is.EqualTo(3), "b's folded series still share its overflow series");
            Assert.That(registry.GetFoldedSeriesCount("a"), Is.EqualTo(1));
            Assert.That(registry.GetFoldedSeriesCount("b"), Is.EqualTo(3));
            Assert.That(registry.GetFoldedSeriesCount("c"), Is.Zero);
            Assert.That(registry.SeriesCount, Is.EqualTo(7));
        });
    }

    [Test]
    public void RemoveOverflow_AfterMoreFoldedSeriesThanRemembered_LeavesNoneOfThemPointingAtIt()
    {
        var registry = new MetricsRegistry(new MetricsOptions { MaxSeriesPerName = 1 });
        for (var i = 0; i <= 15; i++)
        {
            registry.Counter("logins", User(i)).Inc();
        }

        registry.Remove("logins", Overflow);
        var counts = Enumerable.Range(1, 15).Select(i => registry.Counter("logins", User(i)).Count).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(counts, Is.All.Zero, "every folded series, remembered or not, starts again from zero");
            Assert.That(registry.GetFoldedSeriesCount("logins"), Is.EqualTo(15));
            Assert.That(registry.SeriesCount, Is.EqualTo(2));
        });
    }

    [Test]
    public void FoldedSeries_RememberedUpToTenTimesTheLimit_StillFoldBeyondIt()
    {
        var registry = new MetricsRegistry(new MetricsOptions { MaxSeriesPerName = 1 });
        registry.Counter("logins", User(0));

        for (var i = 1; i <= 15; i++)
        {
            registry.Counter("logins", User(i)).Inc();
        }

        var afterFirstPass = registry.GetFoldedSeriesCount("logins");
        for (var i = 1; i <= 10; i++)
        {
            registry.Counter("logins", User(i)).Inc();
        }

        Assert.Multiple(() =>
        {
            Assert.That(afterFirstPass, Is.EqualTo(15));
            Assert.That(registry.GetFoldedSeriesCount("logins"), Is.EqualTo(15), "the first ten folded tag sets are remembered");
            Assert.That(registry.Counter("logins", Overflow).Count, Is.EqualTo(25));
            Assert.That(registry.SeriesCount, Is.EqualTo(2));
        });
    }

    [Test]
    public void DefaultLimit_Is2000()
    {
        var registry = new MetricsRegistry();
        for (var i = 0; i < 2001; i++)
        {
            registry.Counter("big", User(i));
        }

        Assert.Multiple(() =>
        {
            Assert.That(registry.Options.MaxSeriesPerName, Is.EqualTo(2000));
            Assert.That(registry.GetFoldedSeriesCount("big"), Is.EqualTo(1));
            Assert.That(registry.SeriesCount, Is.EqualTo(2001));
        });
    }
}
