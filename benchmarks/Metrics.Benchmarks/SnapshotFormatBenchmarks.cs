using System.Buffers;
using BenchmarkDotNet.Attributes;
using Metrics.Reporters;
using Metrics.Reporters.Engine;
using Metrics.Reporters.OpenTsdb;
using Metrics.Reporters.Wavefront;

namespace Metrics.Benchmarks;

/// <summary>
/// One report's work per point: read a snapshot of a registry with a <see cref="MetricsReader"/> as the engine does
/// (gauge snapshots reused from the previous report), expand it with the
/// engine's <see cref="PointExpander"/> (pyformance fields, tags merged as the engine does), and format every point
/// as an OpenTSDB telnet line or a Wavefront metric line (UTF-8 included), into buffers reused from report to
/// report. OperationsPerInvoke is the number of points, so Mean is ns per point (target: at most 100 ns).
/// Almost every value is non-integral: gauges hold values such as 1234.5678, and meter rates, histogram and timer
/// statistics are fractions. The target rows are "read + expand + ... lines"; the "+ validate" rows add the
/// per-point check the engine runs before queueing, and the single-step rows (read only, expand only from a snapshot
/// read once, format only from points expanded once) show where the time goes.
/// </summary>
public class SnapshotFormatBenchmarks
{
    private const string Source = "web-1";
    private static readonly Tags ReporterTags = new(("env", "prod"));

    private readonly PointBuffer _points = new();
    private readonly ArrayBufferWriter<byte> _openTsdbBuffer = new(1 << 20);
    private readonly WavefrontLineWriter _wavefrontWriter = new(1 << 20, new WavefrontMetricLines());
    private readonly OpenTsdbFormat _openTsdb = new("web-1", 8, OpenTsdbInvalidCharacters.Replace);
    private readonly WavefrontBackend _wavefrontValidator = new(new NullWavefrontSink(), Source, HistogramGranularities.Minute);
    private PointExpander _expander = null!;
    private MetricsReader _reader = null!;
    private IReadOnlyList<MetricSnapshot> _snapshots = null!;
    private DataPoint[] _expanded = null!;
    private int _pointCount;
    private readonly List<Histogram> _histograms = [];
    private readonly List<Timer> _timers = [];
    private long[] _fresh = [];
    private int _freshAt;

    /// <summary>
    /// Points one report yields, in every registry: 6,200 gauges (one point each), or 1,000 series of every type
    /// (200 each of counter: 1 point, gauge: 1, meter: 5, histogram: 9, timer: 15).
    /// </summary>
    public const int Points = 6_200;

    /// <summary>
    /// Which registry is read. "recording": the mixed registry with 20,000 more values in every histogram and timer
    /// (busy, long-lived ones: most buckets of their range are filled), and 10 new values recorded into each before
    /// every read (in the measured time, about 3 ns per point), so no histogram is idle between reports.
    /// </summary>
    [Params("6200 gauges", "1000 mixed series", "1000 mixed series, recording")]
    public string Registry { get; set; } = "6200 gauges";

    [GlobalSetup]
    public void Setup()
    {
        var registry = new MetricsRegistry();
        var random = new Random(42);
        if (Registry == "6200 gauges")
        {
            for (var i = 0; i < Points; i++)
            {
                var value = (i * 1.25) + 0.0078125 + random.NextDouble();
                registry.Gauge("app.gauge" + (i % 50), new Tags(("shard", "s" + (i / 50))), () => value);
            }
        }
        else
        {
            _fresh = Enumerable.Range(0, 4096).Select(_ => (long)random.Next(1, 100_000)).ToArray();
            for (var i = 0; i < 200; i++)
            {
                var tags = new Tags(("shard", "s" + (i / 10)));
                var suffix = (i % 10).ToString(System.Globalization.CultureInfo.InvariantCulture);
                registry.Counter("app.requests" + suffix, tags).Inc(1 + i);
                var value = (i * 1.25) + 0.0078125 + random.NextDouble();
                registry.Gauge("app.queue" + suffix, tags, () => value);
                registry.Meter("app.events" + suffix, tags).Mark(100 + i);
                var histogram = registry.Histogram("app.size" + suffix, tags);
                var timer = registry.Timer("app.latency" + suffix, tags);
                if (Registry.EndsWith("recording", StringComparison.Ordinal))
                {
                    // A busy, long-lived histogram: most buckets of its range hold values already, so the few
                    // buckets each report adds hardly change the work of a read from one iteration to the next.
                    for (var v = 0; v < 20_000; v++)
                    {
                        histogram.Update(random.Next(1, 100_000));
                        timer.UpdateNanoseconds(random.Next(1_000, 50_000_000));
                    }

                    _histograms.Add(histogram);
                    _timers.Add(timer);
                }

                for (var v = 0; v < 200; v++)
                {
                    histogram.Update(random.Next(1, 100_000));
                    timer.UpdateNanoseconds(random.Next(1_000, 50_000_000));
                }
            }
        }

        _reader = registry.CreateReader();
        _expander = new WavefrontPointExpander(FieldNaming.Pyformance, deltaCounters: false, distributions: false);
        _pointCount = Expand();
        _expanded = _points.Points.ToArray();
        _snapshots = _reader.Read();
        if (_pointCount != Points)
        {
            throw new InvalidOperationException($"The registry expands into {_pointCount} points, not {Points}: fix OperationsPerInvoke.");
        }
    }

    [Benchmark(OperationsPerInvoke = Points, Description = "read only (MetricsReader.Read)")]
    public int ReadOnly()
    {
        RecordBetweenReports();
        return _reader.Read().Count;
    }

    [Benchmark(OperationsPerInvoke = Points, Description = "read only (the engine's reusing read)")]
    public int ReadReusingOnly()
    {
        RecordBetweenReports();
        return _reader.ReadReusing().Count;
    }

    [Benchmark(OperationsPerInvoke = Points, Description = "expand only (one snapshot, again)")]
    public int ExpandOnly()
    {
        _points.Clear();
        foreach (var snapshot in _snapshots)
        {
            _expander.ExpandSeries(snapshot, string.Empty, ReporterTags, _points);
        }

        _expander.EndReport();

        return _points.Points.Count;
    }

    [Benchmark(OperationsPerInvoke = Points, Description = "OpenTSDB lines only (points expanded once)")]
    public int OpenTsdbOnly() => FormatOpenTsdb(_expanded);

    [Benchmark(OperationsPerInvoke = Points, Description = "Wavefront lines only (points expanded once)")]
    public int WavefrontOnly() => FormatWavefront(_expanded);

    [Benchmark(OperationsPerInvoke = Points, Description = "read + expand")]
    public int ReadAndExpand() => Expand();

    [Benchmark(OperationsPerInvoke = Points, Description = "read + expand + OpenTSDB telnet lines")]
    public int OpenTsdbLines()
    {
        Expand();
        return FormatOpenTsdb(_points.Points);
    }

    [Benchmark(OperationsPerInvoke = Points, Description = "read + expand + Wavefront metric lines")]
    public int WavefrontLines()
    {
        Expand();
        return FormatWavefront(_points.Points);
    }

    [Benchmark(OperationsPerInvoke = Points, Description = "read + expand + validate + OpenTSDB telnet lines")]
    public int OpenTsdbLinesValidated()
    {
        Expand();
        var points = _points.Points;
        for (var i = 0; i < points.Count; i++)
        {
            if (_openTsdb.Validate(points[i], telnet: true) is { } error)
            {
                throw new InvalidOperationException(error);
            }
        }

        return FormatOpenTsdb(points);
    }

    [Benchmark(OperationsPerInvoke = Points, Description = "read + expand + validate + Wavefront metric lines")]
    public int WavefrontLinesValidated()
    {
        Expand();
        var points = _points.Points;
        for (var i = 0; i < points.Count; i++)
        {
            if (_wavefrontValidator.Validate(points[i]) is { } error)
            {
                throw new InvalidOperationException(error);
            }
        }

        return FormatWavefront(points);
    }

    // The engine's Collect: its reusing read, prefix (empty here), tags merged with the reporter's, expansion into the
    // point buffer.
    private int Expand()
    {
        RecordBetweenReports();
        _points.Clear();
        foreach (var snapshot in _reader.ReadReusing())
        {
            _expander.ExpandSeries(snapshot, string.Empty, ReporterTags, _points);
        }

        _expander.EndReport();

        return _points.Points.Count;
    }

    // The "recording" registry: 10 new values into every histogram and timer, so each one has changed since the
    // previous read (from a table, to keep the cost small beside the read).
    private void RecordBetweenReports()
    {
        var fresh = _fresh;
        var at = _freshAt;
        foreach (var histogram in _histograms)
        {
            for (var n = 0; n < 10; n++)
            {
                histogram.Update(fresh[at++ & 4095]);
            }
        }

        foreach (var timer in _timers)
        {
            for (var n = 0; n < 10; n++)
            {
                timer.UpdateNanoseconds(fresh[at++ & 4095] * 500);
            }
        }

        _freshAt = at;
    }

    private int FormatOpenTsdb(IReadOnlyList<DataPoint> points)
    {
        _openTsdbBuffer.ResetWrittenCount();
        for (var i = 0; i < points.Count; i++)
        {
            if (_openTsdb.WriteLine(_openTsdbBuffer, points[i]) is { } error)
            {
                throw new InvalidOperationException(error);
            }
        }

        return _openTsdbBuffer.WrittenCount;
    }

    private int FormatWavefront(IReadOnlyList<DataPoint> points)
    {
        _wavefrontWriter.Clear();
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            _wavefrontWriter.WriteMetric(p.Metric, p.Value, p.EpochSeconds, Source, p.Tags);
        }

        return _wavefrontWriter.ToUtf8().Length;
    }

    // Validation asks the sink whether it can carry metric lines; this one can and never sends.
    private sealed class NullWavefrontSink : IWavefrontSink
    {
        public string Name => "null";

        public bool Supports(WavefrontDataKind kind) => true;

        public string Unsupported(WavefrontDataKind kind) => string.Empty;

        public ValueTask<WavefrontSendStatus> SendAsync(WavefrontDataKind kind, ReadOnlyMemory<byte> lines, CancellationToken cancellationToken) =>
            ValueTask.FromResult(WavefrontSendStatus.Delivered());

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
