namespace Metrics.Registry;

/// <summary>Turns one series into a <see cref="MetricSnapshot"/> for a reader, advancing that reader's cursor.</summary>
internal static class SeriesReader
{
    /// <param name="series">The series read.</param>
    /// <param name="timestamp">The snapshot's time.</param>
    /// <param name="cursor">The reader's cursor of the series, advanced.</param>
    /// <param name="reuse">The caller is done with the previous reusing read's snapshots (see <see cref="MetricsReader.ReadReusing"/>).</param>
    public static MetricSnapshot Read(Series series, DateTimeOffset timestamp, MetricsReader.Cursor cursor, bool reuse)
    {
        var name = series.Id.Name;
        var tags = series.Id.Tags;
        switch (series.Metric)
        {
            case Counter counter:
            {
                var count = counter.Count;
                return new MetricSnapshot
                {
                    Name = name, Tags = tags, Type = MetricType.Counter, Timestamp = timestamp,
                    Count = count, Delta = Advance(cursor, count),
                };
            }

            case Meter meter:
            {
                var count = meter.Count;
                var rates = meter.ReadRates(count);
                return new MetricSnapshot
                {
                    Name = name, Tags = tags, Type = MetricType.Meter, Timestamp = timestamp,
                    Count = count, Delta = Advance(cursor, count),
                    MeanRate = rates.Mean, OneMinuteRate = rates.OneMinute,
                    FiveMinuteRate = rates.FiveMinute, FifteenMinuteRate = rates.FifteenMinute,
                };
            }

            case Histogram histogram:
            {
                var (count, lifetime) = ReadHistogram(histogram, cursor, reuse, out var window);
                return new MetricSnapshot
                {
                    Name = name, Tags = tags, Type = MetricType.Histogram, Timestamp = timestamp,
                    Count = count, Delta = Advance(cursor, count),
                    Histogram = lifetime, Window = window,
                };
            }

            case Timer timer:
            {
                var (count, lifetime) = ReadHistogram(timer.Histogram, cursor, reuse, out var window);
                var rates = timer.Meter.ReadRates(count);
                return new MetricSnapshot
                {
                    Name = name, Tags = tags, Type = MetricType.Timer, Timestamp = timestamp,
                    Count = count, Delta = Advance(cursor, count),
                    MeanRate = rates.Mean, OneMinuteRate = rates.OneMinute,
                    FiveMinuteRate = rates.FiveMinute, FifteenMinuteRate = rates.FifteenMinute,
                    Histogram = lifetime, Window = window,
                };
            }

            case Gauge gauge:
                return new MetricSnapshot { Name = name, Tags = tags, Type = MetricType.Gauge, Timestamp = timestamp, Value = gauge.Value };

            case SettableGauge settable:
                return new MetricSnapshot { Name = name, Tags = tags, Type = MetricType.Gauge, Timestamp = timestamp, Value = settable.Value };

            default:
                throw new InvalidOperationException($"Series '{series.Id}' holds an unknown metric type {series.TypeName}.");
        }
    }

    // An HDR histogram's count is its lifetime snapshot's, summed from the same block totals the read just took (so
    // count and buckets agree); a reservoir's snapshot holds only its sample, so its count is the histogram's own.
    private static (long Count, HistogramSnapshot Lifetime) ReadHistogram(Histogram histogram, MetricsReader.Cursor cursor, bool reuse, out HistogramSnapshot window)
    {
        if (histogram.Hdr is null)
        {
            var count = histogram.Count;
            return (count, histogram.GetSnapshotAndWindow(ref cursor.Histogram, reuse, out window));
        }

        var lifetime = histogram.GetSnapshotAndWindow(ref cursor.Histogram, reuse, out window);
        return (lifetime.Count, lifetime);
    }

    private static long Advance(MetricsReader.Cursor cursor, long count)
    {
        var delta = count - cursor.LastCount;
        cursor.LastCount = count;
        return delta;
    }
}
