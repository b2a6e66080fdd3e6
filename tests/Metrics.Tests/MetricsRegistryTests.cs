namespace Metrics.Tests;

public class MetricsRegistryTests
{
    private MetricsRegistry _registry = null!;

    [SetUp]
    public void SetUp() => _registry = new MetricsRegistry();

    [Test]
    public void Counter_SameName_ReturnsTheSameInstance()
    {
        var first = _registry.Counter("orders");

        Assert.That(_registry.Counter("orders"), Is.SameAs(first));
    }

    [Test]
    public void Counter_SameTagsInAnotherOrder_ReturnsTheSameInstance()
    {
        var a = _registry.Counter("orders", new Tags(("region", "eu"), ("code", "200")));
        var b = _registry.Counter("orders", new Tags(("code", "200"), ("region", "eu")));

        Assert.That(a, Is.SameAs(b));
    }

    [Test]
    public void Counter_OtherTags_IsAnotherSeries()
    {
        var eu = _registry.Counter("orders", new Tags(("region", "eu")));
        var us = _registry.Counter("orders", new Tags(("region", "us")));

        Assert.Multiple(() =>
        {
            Assert.That(eu, Is.Not.SameAs(us));
            Assert.That(_registry.SeriesCount, Is.EqualTo(2));
        });
    }

    [Test]
    public void Counter_EncodedName_IsTheSameSeriesAsNamePlusTags()
    {
        var tagged = _registry.Counter("orders", new Tags(("region", "eu")));

        Assert.Multiple(() =>
        {
            Assert.That(_registry.Counter("orders{\"region\": \"eu\"}"), Is.SameAs(tagged));
            Assert.That(_registry.Counter("orders{\"region\":\"eu\"}"), Is.SameAs(tagged));
            Assert.That(_registry.Counter(" orders { \"region\" :  \"eu\" } "), Is.SameAs(tagged));
            Assert.That(_registry.SeriesCount, Is.EqualTo(1));
        });
    }

    [Test]
    public void EveryType_EncodedName_IsTheSameSeriesAsNamePlusTags()
    {
        var eu = new Tags(("region", "eu"));

        Assert.Multiple(() =>
        {
            Assert.That(_registry.Meter("m{\"region\": \"eu\"}"), Is.SameAs(_registry.Meter("m", eu)));
            Assert.That(_registry.Histogram("h{\"region\": \"eu\"}"), Is.SameAs(_registry.Histogram("h", eu)));
            Assert.That(_registry.Timer("t{\"region\": \"eu\"}"), Is.SameAs(_registry.Timer("t", eu)));
            Assert.That(_registry.SettableGauge("s{\"region\": \"eu\"}"), Is.SameAs(_registry.SettableGauge("s", eu)));
            Assert.That(_registry.Gauge("g{\"region\": \"eu\"}", () => 1), Is.SameAs(_registry.Gauge("g", eu, () => 2)));
            Assert.That(_registry.SeriesCount, Is.EqualTo(5));
        });
    }

    [Test]
    public void Timer_WithReservoirOption_KeepsItsDurationsInThatReservoir()
    {
        var timer = _registry.Timer("db", new HistogramOptions { Reservoir = ReservoirType.SlidingWindow, SampleSize = 2 });

        timer.Update(TimeSpan.FromMilliseconds(1));
        timer.Update(TimeSpan.FromMilliseconds(2));
        timer.Update(TimeSpan.FromMilliseconds(3));
        var snapshot = timer.GetSnapshot();

        Assert.Multiple(() =>
        {
            Assert.That(timer.Count, Is.EqualTo(3));
            Assert.That(snapshot.Buckets.Select(b => b.Value), Is.EqualTo(new[] { 2_000_000.0, 3_000_000.0 }));
        });
    }

    [Test]
    public void Counter_EncodedNameWithNonAsciiEscapes_IsTheSameSeriesAsTheDecodedTags()
    {
        var tagged = _registry.Counter("orders", new Tags(("city", "Zürich")));

        Assert.That(_registry.Counter("orders{\"city\": \"Z\\u00fcrich\"}"), Is.SameAs(tagged));
    }

    [Test]
    public void Counter_EncodedNamePlusTags_MergesBoth()
    {
        var counter = _registry.Counter("orders{\"region\": \"eu\"}", new Tags(("code", "200")));

        Assert.That(counter, Is.SameAs(_registry.Counter("orders", new Tags(("code", "200"), ("region", "eu")))));
    }

    [Test]
    public void Counter_NamePaddedWithWhiteSpace_IsTheSameSeriesAsTheTrimmedAndEncodedNames()
    {
        var padded = _registry.Counter(" orders ", new Tags(("region", "eu")));
        padded.Inc(3);

        Assert.Multiple(() =>
        {
            Assert.That(_registry.Counter("orders", new Tags(("region", "eu"))), Is.SameAs(padded));
            Assert.That(_registry.Counter(" orders {\"region\": \"eu\"}"), Is.SameAs(padded));
            Assert.That(_registry.Counter(" orders ", ("region", "eu")), Is.SameAs(padded));
            Assert.That(_registry.SeriesCount, Is.EqualTo(1));
            Assert.That(_registry.CreateReader().Read().Single().Name, Is.EqualTo("orders"));
        });
    }

    [Test]
    public void Counter_EncodedNameWithALoneSurrogate_ThrowsArgumentException()
    {
        var encoded = MetricName.Encode("m", new Tags(("k", "\ud800")));

        Assert.That(() => _registry.Counter(encoded), Throws.ArgumentException.With.Message.Contain("not valid Unicode text"));
    }

    [Test]
    public void Counter_MalformedEncodedName_ThrowsQuotingTheName()
    {
        var ex = Assert.Throws<ArgumentException>(() => _registry.Counter("orders{\"region\": "));

        Assert.That(ex!.Message, Does.Contain("orders{\"region\": "));
    }

    [Test]
    public void Counter_SpanTags_FindsTheSeriesBuiltFromTags()
    {
        var tagged = _registry.Counter("orders", new Tags(("region", "eu"), ("code", "200")));

        Assert.Multiple(() =>
        {
            Assert.That(_registry.Counter("orders", ("code", "200"), ("region", "eu")), Is.SameAs(tagged));
            Assert.That(_registry.Counter("orders", ("region", "eu"), ("code", "200")), Is.SameAs(tagged));
        });
    }

    [Test]
    public void Counter_SpanTagsForANewSeries_CreatesItOnce()
    {
        var first = _registry.Counter("orders", ("region", "eu"));
        var second = _registry.Counter("orders", ("region", "eu"));

        Assert.Multiple(() =>
        {
            Assert.That(second, Is.SameAs(first));
            Assert.That(_registry.Counter("orders", new Tags(("region", "eu"))), Is.SameAs(first));
            Assert.That(_registry.SeriesCount, Is.EqualTo(1));
        });
    }

    [Test]
    public void Counter_SpanTagsWithoutTags_IsTheUntaggedSeries()
    {
        Assert.That(_registry.Counter("orders", ReadOnlySpan<(string, string)>.Empty), Is.SameAs(_registry.Counter("orders")));
    }

    [Test]
    public void Counter_SpanTagsWithRepeatedKey_ThrowsNamingTheKey()
    {
        var ex = Assert.Throws<ArgumentException>(() => _registry.Counter("orders", ("region", "eu"), ("region", "us")));

        Assert.That(ex!.Message, Does.Contain("region"));
    }

    [Test]
    public void Counter_SpanTagsWithNullValue_ThrowsNamingTheKey()
    {
        _registry.Counter("orders", ("region", "eu"));

        var ex = Assert.Throws<ArgumentException>(() => _registry.Counter("orders", ("region", null!)));

        Assert.That(ex!.Message, Does.Contain("'region'").And.Contain("null"));
    }

    [Test]
    public void Counter_SpanTagsWithEmptyKey_ThrowsSayingTheKeyIsEmpty()
    {
        var ex = Assert.Throws<ArgumentException>(() => _registry.Counter("orders", ("", "eu")));

        Assert.That(ex!.Message, Does.Contain("key"));
    }

    [Test]
    public void Meter_WhereACounterExists_ThrowsNamingBothTypes()
    {
        _registry.Counter("orders", new Tags(("region", "eu")));

        var ex = Assert.Throws<ArgumentException>(() => _registry.Meter("orders", new Tags(("region", "eu"))));

        Assert.That(ex!.Message, Is.EqualTo("'orders' {region=eu} is already registered as a Counter; it cannot also be a Meter."));
    }

    [Test]
    public void Counter_WhereAnUntaggedTimerExists_ThrowsNamingBothTypes()
    {
        _registry.Timer("latency");

        var ex = Assert.Throws<ArgumentException>(() => _registry.Counter("latency"));

        Assert.That(ex!.Message, Is.EqualTo("'latency' is already registered as a Timer; it cannot also be a Counter."));
    }

    [Test]
    public void Counter_SpanLookupWhereAMeterExists_ThrowsNamingBothTypes()
    {
        _registry.Meter("orders", new Tags(("region", "eu")));

        var ex = Assert.Throws<ArgumentException>(() => _registry.Counter("orders", ("region", "eu")));

        Assert.That(ex!.Message, Does.Contain("Meter").And.Contain("Counter"));
    }

    [Test]
    public void SettableGauge_WhereACallbackGaugeExists_ThrowsNamingBothTypes()
    {
        _registry.Gauge("depth", () => 1);

        var ex = Assert.Throws<ArgumentException>(() => _registry.SettableGauge("depth"));

        Assert.That(ex!.Message, Does.Contain("a Gauge").And.Contain("a SettableGauge"));
    }

    [Test]
    public void SameNameOtherTags_MayBeAnotherType()
    {
        _registry.Counter("orders", new Tags(("region", "eu")));

        Assert.That(() => _registry.Meter("orders", new Tags(("region", "us"))), Throws.Nothing);
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("   ")]
    [TestCase("\t")]
    public void AnyGetter_NullOrEmptyName_ThrowsArgumentException(string? name)
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => _registry.Counter(name!), Throws.InstanceOf<ArgumentException>().With.Message.Contain("name"));
            Assert.That(() => _registry.Counter(name!, ("k", "v")), Throws.InstanceOf<ArgumentException>());
            Assert.That(() => _registry.Meter(name!), Throws.InstanceOf<ArgumentException>());
            Assert.That(() => _registry.Histogram(name!), Throws.InstanceOf<ArgumentException>());
            Assert.That(() => _registry.Timer(name!), Throws.InstanceOf<ArgumentException>());
            Assert.That(() => _registry.Gauge(name!, () => 1), Throws.InstanceOf<ArgumentException>());
            Assert.That(() => _registry.SettableGauge(name!), Throws.InstanceOf<ArgumentException>());
            Assert.That(() => _registry.Remove(name!), Throws.InstanceOf<ArgumentException>());
        });
        Assert.That(_registry.SeriesCount, Is.Zero);
    }

    [Test]
    public void Gauge_Existing_KeepsTheFirstCallback()
    {
        var first = _registry.Gauge("depth", () => 1);
        var second = _registry.Gauge("depth", () => 2);

        Assert.Multiple(() =>
        {
            Assert.That(second, Is.SameAs(first));
            Assert.That(second.Value, Is.EqualTo(1));
        });
    }

    [Test]
    public void Gauge_CallbackThrows_ValueIsNaN()
    {
        var gauge = _registry.Gauge("broken", () => throw new InvalidOperationException("no"));

        Assert.That(gauge.Value, Is.NaN);
    }

    [Test]
    public void SettableGauge_Set_IsReadBack()
    {
        var gauge = _registry.SettableGauge("temperature", new Tags(("room", "a")));

        gauge.Set(21.5);

        Assert.That(_registry.SettableGauge("temperature", new Tags(("room", "a"))).Value, Is.EqualTo(21.5));
    }

    [Test]
    public void Remove_ExistingSeries_ForgetsItAndANewOneStartsAtZero()
    {
        var tags = new Tags(("region", "eu"));
        _registry.Counter("orders", tags).Inc(5);

        var removed = _registry.Remove("orders", tags);

        Assert.Multiple(() =>
        {
            Assert.That(removed, Is.True);
            Assert.That(_registry.SeriesCount, Is.Zero);
            Assert.That(_registry.Counter("orders", ("region", "eu")).Count, Is.Zero);
        });
    }

    [Test]
    public void Remove_ByEncodedName_RemovesTheTaggedSeriesAndItsEncodedAlias()
    {
        var old = _registry.Counter("orders{\"region\": \"eu\"}");

        Assert.Multiple(() =>
        {
            Assert.That(_registry.Remove("orders{\"region\": \"eu\"}"), Is.True);
            Assert.That(_registry.Counter("orders{\"region\": \"eu\"}"), Is.Not.SameAs(old));
        });
    }

    [Test]
    public void Remove_ByPlainName_ForgetsEveryEncodedSpellingOfTheSeries()
    {
        var old = _registry.Counter("orders{\"region\": \"eu\", \"code\": \"1\"}");
        Assert.That(_registry.Counter("orders{\"code\": \"1\", \"region\": \"eu\"}"), Is.SameAs(old));
        old.Inc(7);

        _registry.Remove("orders", new Tags(("code", "1"), ("region", "eu")));

        var first = _registry.Counter("orders{\"region\": \"eu\", \"code\": \"1\"}");
        Assert.Multiple(() =>
        {
            Assert.That(first, Is.Not.SameAs(old));
            Assert.That(first.Count, Is.Zero);
            Assert.That(_registry.Counter("orders{\"code\": \"1\", \"region\": \"eu\"}"), Is.SameAs(first));
        });
    }

    [Test]
    public void Remove_Missing_ReturnsFalse()
    {
        _registry.Counter("orders");

        Assert.Multiple(() =>
        {
            Assert.That(_registry.Remove("orders", new Tags(("region", "eu"))), Is.False);
            Assert.That(_registry.Remove("other"), Is.False);
            Assert.That(_registry.SeriesCount, Is.EqualTo(1));
        });
    }

    [Test]
    public void RemoveWhere_RemovesMatchingSeriesAndCountsThem()
    {
        _registry.Counter("http.requests", new Tags(("code", "200")));
        _registry.Counter("http.requests", new Tags(("code", "500")));
        _registry.Meter("http.errors");
        var kept = _registry.Counter("db.queries");

        var removed = _registry.RemoveWhere((id, type) => id.Name.StartsWith("http.", StringComparison.Ordinal) && type == MetricType.Counter);

        Assert.Multiple(() =>
        {
            Assert.That(removed, Is.EqualTo(2));
            Assert.That(_registry.SeriesCount, Is.EqualTo(2));
            Assert.That(_registry.Counter("db.queries"), Is.SameAs(kept));
        });
    }

    [Test]
    public void Histogram_OptionsGivenLater_DoNotReplaceTheFirst()
    {
        var first = _registry.Histogram("size", new HistogramOptions { Reservoir = ReservoirType.Uniform });

        Assert.That(_registry.Histogram("size", new HistogramOptions { Reservoir = ReservoirType.SlidingWindow }), Is.SameAs(first));
    }

    [Test]
    public void Constructor_MaxSeriesPerNameBelowOne_ThrowsSayingWhatIsAllowed()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new MetricsRegistry(new MetricsOptions { MaxSeriesPerName = 0 }));

        Assert.That(ex!.Message, Does.Contain("MaxSeriesPerName").And.Contain("at least 1"));
    }

    [Test]
    [SetCulture("sv-SE")]
    public void Constructor_NegativeMaxSeriesPerNameUnderSwedishCulture_MessageShowsInvariantNumber()
    {
        // sv-SE writes a minus sign as U+2212; the message quotes the option as the user wrote it.
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new MetricsRegistry(new MetricsOptions { MaxSeriesPerName = -1 }));

        Assert.That(ex!.Message, Does.Contain("MaxSeriesPerName is -1;"));
    }

    [Test]
    public void Constructor_InvalidDefaultHistogram_ThrowsAtOnceNamingTheSetting()
    {
        var options = new MetricsOptions { DefaultHistogram = new HistogramOptions { SignificantDigits = 9 } };

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new MetricsRegistry(options));

        Assert.That(ex!.Message, Does.Contain("SignificantDigits must be from 1 to 5"));
    }

    [Test]
    public void Constructor_OptionsChangedAfterwards_RegistryKeepsWhatItWasCreatedWith()
    {
        var time = new Metrics.Testing.ManualTimeProvider();
        var histogramOptions = new HistogramOptions { Reservoir = ReservoirType.SlidingWindow, SampleSize = 2 };
        var options = new MetricsOptions
        {
            TimeProvider = time,
            GlobalTags = new Tags(("env", "prod")),
            MaxSeriesPerName = 5,
            DefaultHistogram = histogramOptions,
        };
        var registry = new MetricsRegistry(options);

        options.TimeProvider = null!;
        options.GlobalTags = null!;
        options.MaxSeriesPerName = 1;
        histogramOptions.SignificantDigits = 0;
        var meter = registry.Meter("requests");
        var histogram = registry.Histogram("size");
        registry.Counter("c", new Tags(("k", "1")));
        registry.Counter("c", new Tags(("k", "2")));
        meter.Mark(5);
        time.Advance(TimeSpan.FromSeconds(5));
        for (var v = 1; v <= 3; v++)
        {
            histogram.Update((long)v);
        }

        Assert.Multiple(() =>
        {
            Assert.That(registry.TimeProvider, Is.SameAs(time));
            Assert.That(registry.GlobalTags, Is.EqualTo(new Tags(("env", "prod"))));
            Assert.That(registry.GetFoldedSeriesCount("c"), Is.Zero, "the limit stays 5");
            Assert.That(meter.OneMinuteRate, Is.EqualTo(1.0).Within(1e-8));
            Assert.That(histogram.GetSnapshot().Count, Is.EqualTo(2), "a sliding window of 2, as configured at creation");
        });
    }

    [Test]
    public void GetOrAdd_FromManyThreads_AllGetTheSameSeries()
    {
        var seen = new System.Collections.Concurrent.ConcurrentBag<Counter>();

        Hammer.Run(8, i =>
        {
            for (var n = 0; n < 1000; n++)
            {
                var counter = _registry.Counter("shared", ("k", (n % 10).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                counter.Inc();
                if (n % 10 == 0)
                {
                    seen.Add(counter);
                }
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(_registry.SeriesCount, Is.EqualTo(10));
            Assert.That(seen.Distinct().Count(), Is.EqualTo(1));
            Assert.That(_registry.Counter("shared", ("k", "0")).Count, Is.EqualTo(800));
        });
    }
}
