using Metrics.Reporters.Engine;

namespace Metrics.Reporters.Wavefront;

/// <summary>
/// The Wavefront reporter's backend: formats a batch of points (values, delta counters, distributions) into
/// Wavefront lines and writes them through a sink (proxy or direct ingestion), one write per data kind. Its
/// expander turns counters into delta counters and histograms and timers into distributions when asked.
/// </summary>
internal sealed class WavefrontBackend : IExpandingBackend
{
    private readonly IWavefrontSink _sink;
    private readonly string _source;
    private readonly HistogramGranularities _granularities;
    private readonly WavefrontMetricLines _lines = new();
    private WavefrontLineWriter? _spare;

    public WavefrontBackend(IWavefrontSink sink, string source, HistogramGranularities granularities, bool deltaCounters = false, bool distributions = false)
    {
        _spare = new WavefrontLineWriter(lines: _lines);
        _sink = sink;
        _source = source;
        _granularities = granularities;
        DeltaCounters = deltaCounters;
        Distributions = distributions;
    }

    /// <summary>Counters become delta counters.</summary>
    public bool DeltaCounters { get; }

    /// <summary>Histograms and timers become distributions.</summary>
    public bool Distributions { get; }

    public string Name => "wavefront";

    internal IWavefrontSink Sink => _sink;

    public PointExpander CreateExpander(FieldNaming fields) => new WavefrontPointExpander(fields, DeltaCounters, Distributions);

    public string? Validate(in DataPoint point)
    {
        var name = point.Metric;
        if (point.Kind == PointKind.Value)
        {
            // The same checks in the same order, with those of the name, source and tags made once per point name.
            var line = _lines.Get(name, point.Tags, _source);
            return line.NameError
                ?? WavefrontValidation.Value(point.Value, name)
                ?? (_sink.Supports(WavefrontDataKind.Metric) ? null : _sink.Unsupported(WavefrontDataKind.Metric))
                ?? line.SourceTagsError;
        }

        var error = point.Kind switch
        {
            PointKind.DeltaCounter => WavefrontValidation.Name(name, "delta counter", addsDeltaPrefix: true),
            PointKind.Distribution => WavefrontValidation.Name(name, "distribution") ?? WavefrontValidation.Centroids(point.Centroids, name),
            _ => WavefrontValidation.Name(name, "metric"),
        };
        error ??= point.Kind == PointKind.Distribution ? null : WavefrontValidation.Value(point.Value, name);
        error ??= point.Kind switch
        {
            PointKind.Distribution when !_sink.Supports(WavefrontDataKind.Distribution) => _sink.Unsupported(WavefrontDataKind.Distribution),
            not PointKind.Distribution when !_sink.Supports(WavefrontDataKind.Metric) => _sink.Unsupported(WavefrontDataKind.Metric),
            _ => null,
        };
        return error ?? WavefrontValidation.Source(_source) ?? WavefrontValidation.Tags(point.Tags, name);
    }

    public async ValueTask<SendResult> SendAsync(IReadOnlyList<DataPoint> batch, CancellationToken cancellationToken)
    {
        var writer = Interlocked.Exchange(ref _spare, null) ?? new WavefrontLineWriter(lines: _lines);
        try
        {
            var metrics = Write(writer, batch, distributions: false, out var metricCount, out var deltaCount);
            var result = await SendKindAsync(WavefrontDataKind.Metric, writer, metricCount, metrics, delivered: 0, cancellationToken).ConfigureAwait(false);
            if (result.Outcome != SendOutcome.Success)
            {
                return Widen(result, batch.Count - metrics);
            }

            // Metric lines carry their timestamp, so sending them again only overwrites the same values: when the
            // distributions fail, the whole batch may be retried (and kept offline). Delta counters are added up by
            // the server instead, so once they are delivered the batch is never sent again.
            var distributionPoints = Write(writer, batch, distributions: true, out var distributionCount, out _);
            var delivered = deltaCount > 0 ? metrics : 0;
            result = await SendKindAsync(WavefrontDataKind.Distribution, writer, distributionCount, distributionPoints, delivered, cancellationToken).ConfigureAwait(false);
            if (delivered > 0 && result.StatusCode == 413 && distributionPoints > 1)
            {
                // The batch cannot be split and sent again by the engine (the delivered delta counters would be
                // counted twice): the distributions are split and sent in halves here instead of being dropped.
                result = await SendDistributionsInHalvesAsync(writer, [.. batch.Where(p => p.Kind == PointKind.Distribution)], metrics, cancellationToken).ConfigureAwait(false);
            }

            return result.Outcome switch
            {
                SendOutcome.Success => SendResult.Ok(batch.Count, result.StatusCode),
                SendOutcome.PartialFailure => result,
                SendOutcome.Permanent when metrics > 0 => result with { Outcome = SendOutcome.PartialFailure, Succeeded = metrics },
                _ => Widen(result, metrics),
            };
        }
        finally
        {
            _spare = writer;
        }
    }

    public ValueTask DisposeAsync() => _sink.DisposeAsync();

    /// <summary>Writes the points of one kind; returns how many points of the batch are of that kind.</summary>
    private int Write(WavefrontLineWriter writer, IReadOnlyList<DataPoint> batch, bool distributions, out int lines, out int deltaLines)
    {
        writer.Clear();
        var points = 0;
        lines = 0;
        deltaLines = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            var p = batch[i];
            if ((p.Kind == PointKind.Distribution) != distributions)
            {
                continue;
            }

            points++;
            switch (p.Kind)
            {
                case PointKind.Distribution:
                    writer.WriteDistribution(p.Metric, p.Centroids!, _granularities, p.EpochSeconds, _source, p.Tags);
                    lines++;
                    break;
                case PointKind.DeltaCounter:
                    // Zero and negative increments are never sent: the server only adds.
                    if (writer.WriteDeltaCounter(p.Metric, p.Value, _source, p.Tags))
                    {
                        lines++;
                        deltaLines++;
                    }

                    break;
                default:
                    writer.WriteMetric(p.Metric, p.Value, p.EpochSeconds, _source, p.Tags);
                    lines++;
                    break;
            }
        }

        return points;
    }

    private async ValueTask<SendResult> SendKindAsync(WavefrontDataKind kind, WavefrontLineWriter writer, int lines, int points, long delivered, CancellationToken cancellationToken)
    {
        if (lines == 0)
        {
            return SendResult.Ok(points);
        }

        var status = await _sink.SendAsync(kind, writer.ToUtf8(), cancellationToken).ConfigureAwait(false);
        if (status.Ok)
        {
            return SendResult.Ok(points, status.StatusCode);
        }

        var error = status.Error ?? "unknown error";
        if (delivered > 0)
        {
            // Resending the whole batch would send the delivered delta counters twice (the server would count them
            // twice), so the part that failed is reported and not resent.
            return new SendResult(SendOutcome.PartialFailure, delivered, points, [error], status.StatusCode, null, status.Exception);
        }

        if (status.StatusCode == 413)
        {
            // The engine splits the batch and sends the halves.
            return new SendResult(SendOutcome.TooLarge, 0, points, [error], 413);
        }

        return status.Permanent
            ? SendResult.Permanent(points, error, status.StatusCode, status.Exception)
            : SendResult.Transient(points, error, status.StatusCode, status.Exception, status.RetryAfter);
    }

    /// <summary>
    /// Sends distribution points the server found too large together, split in halves until each part is taken. A
    /// single distribution still too large is dropped and the others go on; any other failure stops the sending, and
    /// the part that failed and the untried rest are reported failed. <paramref name="delivered"/> points of the batch
    /// were delivered before.
    /// </summary>
    private async ValueTask<SendResult> SendDistributionsInHalvesAsync(WavefrontLineWriter writer, DataPoint[] points, long delivered, CancellationToken cancellationToken)
    {
        var parts = new Stack<ArraySegment<DataPoint>>();
        parts.Push(new ArraySegment<DataPoint>(points, points.Length / 2, points.Length - (points.Length / 2)));
        parts.Push(new ArraySegment<DataPoint>(points, 0, points.Length / 2));
        var succeeded = delivered;
        long failed = 0;
        var errors = new List<string>();
        SendResult last = default;
        while (parts.TryPop(out var part))
        {
            Write(writer, part, distributions: true, out var lines, out _);
            last = await SendKindAsync(WavefrontDataKind.Distribution, writer, lines, part.Count, delivered: 0, cancellationToken).ConfigureAwait(false);
            if (last.Outcome == SendOutcome.Success)
            {
                succeeded += part.Count;
                continue;
            }

            if (last.Outcome == SendOutcome.TooLarge && part.Count > 1)
            {
                var half = part.Count / 2;
                parts.Push(part.Slice(half));
                parts.Push(part.Slice(0, half));
                continue;
            }

            if (last.Outcome == SendOutcome.TooLarge)
            {
                failed++;
                errors.Add($"the distribution '{part[0].Metric}' alone is too large for {Name}: {string.Join("; ", last.Errors ?? [])}");
                continue;
            }

            failed += part.Count + parts.Sum(p => p.Count);
            errors.AddRange(last.Errors ?? []);
            break;
        }

        return failed == 0
            ? SendResult.Ok((int)succeeded, last.StatusCode)
            : new SendResult(SendOutcome.PartialFailure, succeeded, failed, errors, last.StatusCode, null, last.Exception);
    }

    /// <summary>A failure of the first write also stands for the points not yet written.</summary>
    private static SendResult Widen(SendResult result, int notWritten) =>
        result with { Failed = result.Failed + notWritten };
}
