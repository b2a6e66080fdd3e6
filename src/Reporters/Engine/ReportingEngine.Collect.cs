using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Metrics.Reporters.Engine;

/// <summary>Taking a report: snapshot, filter, expansion, validation, queueing.</summary>
internal sealed partial class ReportingEngine
{
    private readonly PointBuffer _collected = new();

    private async Task ReportCoreAsync(bool final, CancellationToken cancellationToken)
    {
        Collect();
        await FlushAsync(final, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the registry with this reporter's cursor and queues the valid points. Never throws.</summary>
    private void Collect()
    {
        // Reports are serialized (the gate), and the queue copies the points: one buffer serves every report.
        var buffer = _collected;
        buffer.Clear();
        try
        {
            var filter = _options.Filter;
            foreach (var snapshot in _source())
            {
                try
                {
                    if (filter is not null && !filter(snapshot))
                    {
                        continue;
                    }

                    _expander.ExpandSeries(snapshot, _options.Prefix, _baseTags, buffer);
                }
                catch (Exception ex)
                {
                    _logger.LogError(ex, "Reporter {Reporter}: series {Series} could not be expanded and is left out of this report.", Name, snapshot.Name);
                }
            }

            _expander.EndReport();
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Reporter {Reporter}: reading the registry failed; this report is skipped.", Name);
            return;
        }

        if (buffer.SkippedNonFinite > 0)
        {
            _self.Skipped.Inc(buffer.SkippedNonFinite);
        }

        var valid = Validate(buffer.Points);
        var evicted = new List<DataPoint>();
        _queue.Enqueue(valid, evicted);
        if (evicted.Count > 0)
        {
            int dropped;
            var fate = _options.OfflineStorage is null ? string.Empty : " (StoreOnQueueOverflow is off)";
            if (_options.OfflineStorage is { StoreOnQueueOverflow: true })
            {
                dropped = Park(evicted, "queue full", unreported: 0);
                fate = " (" + StorageFailure() + ")";
            }
            else
            {
                dropped = evicted.Count;
                _self.Drop(dropped);
                _logger.LogWarning("Reporter {Reporter}: the queue is full ({Capacity} points); dropped the {Count} oldest.", Name, _queue.Capacity, dropped);
            }

            // Once per report, with the number dropped: a flood of drops never floods the error handler.
            if (dropped > 0)
            {
                Notify(new ReportFailure(Name, null, 0, dropped, [
                    string.Create(CultureInfo.InvariantCulture, $"the queue is full (MaxQueueSize = {_queue.Capacity}); the {dropped} oldest points were dropped{fate}. Raise MaxQueueSize, report more often, or send fewer points."),
                ]));
            }
        }
    }

    private IReadOnlyList<DataPoint> Validate(IReadOnlyList<DataPoint> points)
    {
        List<DataPoint>? valid = null;
        List<string>? reasons = null;
        for (var i = 0; i < points.Count; i++)
        {
            string? reason;
            try
            {
                reason = _backend.Validate(points[i]);
            }
            catch (Exception ex)
            {
                reason = $"validation threw {ex.GetType().Name}: {ex.Message}";
            }

            if (reason is null)
            {
                valid?.Add(points[i]);
                continue;
            }

            if (valid is null)
            {
                valid = new List<DataPoint>(points.Count);
                for (var j = 0; j < i; j++)
                {
                    valid.Add(points[j]);
                }
            }

            (reasons ??= new()).Add($"{points[i].Metric}: {reason}");
        }

        if (reasons is not null)
        {
            _self.Failed.Inc(reasons.Count);
            _self.Drop(reasons.Count);
            Notify(new ReportFailure(Name, null, 0, reasons.Count, reasons));
        }

        return valid ?? points;
    }
}
