using System.Diagnostics;
using System.Globalization;
using Metrics.Reporters;

namespace Metrics.Benchmarks;

/// <summary>
/// The load of an end-to-end run: gauges spread over 100 names (so no name reaches the cardinality limit), whose
/// non-integral values change with every report, on a registry clock that moves one second per report. Each
/// (series, report) pair is therefore a distinct sample: a backend that drops duplicate timestamps keeps them all.
/// </summary>
internal sealed class GaugeLoad
{
    private const int Names = 100;

    private readonly SteppedClock _clock;
    private readonly string _prefix;
    private int _report;

    public GaugeLoad(int series, int points, string prefix)
    {
        _prefix = prefix + ".";
        SeriesCount = series;
        Reports = points / series;

        // Whole seconds, well in the past: inside every backend's retention and behind any query latency offset.
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Start = now - TimeSpan.FromSeconds(Reports + 300);
        _clock = new SteppedClock(Start);
        Registry = new MetricsRegistry(new MetricsOptions { TimeProvider = _clock });
        for (var i = 0; i < series; i++)
        {
            var index = i;
            Registry.Gauge(
                _prefix + "m" + (i % Names).ToString(CultureInfo.InvariantCulture),
                new Tags(("s", (i / Names).ToString(CultureInfo.InvariantCulture))),
                () => index + 0.5 + (Volatile.Read(ref _report) * 0.001));
        }
    }

    public MetricsRegistry Registry { get; }

    public int SeriesCount { get; }

    public int Reports { get; }

    public long TotalPoints => (long)SeriesCount * Reports;

    /// <summary>The timestamp of the first report.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>Just after the timestamp of the last report.</summary>
    public DateTimeOffset End => Start + TimeSpan.FromSeconds(Reports);

    /// <summary>Filter for the reporter: only the load's gauges, not the reporter's own self-metrics.</summary>
    public bool IsLoad(MetricSnapshot snapshot) => snapshot.Name.StartsWith(_prefix, StringComparison.Ordinal);

    /// <summary>Runs every report, one second apart on the registry clock, and returns the wall time they took.</summary>
    public async Task<TimeSpan> ReportAllAsync(Reporter reporter)
    {
        var watch = Stopwatch.StartNew();
        for (var r = 0; r < Reports; r++)
        {
            Volatile.Write(ref _report, r);
            _clock.Set(Start + TimeSpan.FromSeconds(r));
            await reporter.ReportNowAsync();
        }

        watch.Stop();
        return watch.Elapsed;
    }

    /// <summary>Wall-clock timers and timestamps, with a "now" the load sets.</summary>
    private sealed class SteppedClock(DateTimeOffset start) : TimeProvider
    {
        private long _utcTicks = start.UtcTicks;

        public void Set(DateTimeOffset now) => Volatile.Write(ref _utcTicks, now.UtcTicks);

        public override DateTimeOffset GetUtcNow() => new(Volatile.Read(ref _utcTicks), TimeSpan.Zero);
    }
}
