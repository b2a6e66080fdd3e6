using System.Globalization;
using Metrics.Reporters.Engine;
using Microsoft.Data.Sqlite;

namespace Metrics.Reporters;

/// <summary>Stores each point as a value of the series named by its metric and tags; delta counters add to the value at their time.</summary>
internal sealed class LocalStoreBackend : IReportBackend
{
    private readonly LocalStore _store;
    private readonly bool _ownsStore;

    public LocalStoreBackend(LocalStore store, bool ownsStore)
    {
        _store = store;
        _ownsStore = ownsStore;
    }

    public string Name => "localstore";

    public LocalStore Store => _store;

    public string? Validate(in DataPoint point)
    {
        if (string.IsNullOrEmpty(point.Metric))
        {
            return "name must not be empty";
        }

        return double.IsFinite(point.Value) ? null : "value must be a finite number";
    }

    public ValueTask<SendResult> SendAsync(IReadOnlyList<DataPoint> batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<WriteStatus> statuses;
        try
        {
            statuses = _store.WriteBatch(batch.Select(static p =>
                (new SeriesPoint(p.Metric, p.Tags, p.Timestamp, p.Value), p.Kind == PointKind.DeltaCounter)));
        }
        catch (SqliteException ex)
        {
            // Busy, locked, full or failing disk: nothing was committed and a later attempt may succeed.
            return ValueTask.FromResult(SendResult.Transient(batch.Count, $"local store '{_store.Path}': {ex.Message}", exception: ex));
        }
        catch (ObjectDisposedException ex)
        {
            return ValueTask.FromResult(SendResult.Permanent(batch.Count, $"local store '{_store.Path}' is closed", exception: ex));
        }

        var errors = new List<string>();
        for (var i = 0; i < statuses.Count; i++)
        {
            if (!statuses[i].IsSuccess)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{MetricName.Encode(batch[i].Metric.Length == 0 ? "?" : batch[i].Metric, batch[i].Tags)} at {batch[i].Timestamp.UtcDateTime:O}: {string.Join("; ", statuses[i].Messages)}"));
            }
        }

        if (errors.Count == 0)
        {
            return ValueTask.FromResult(SendResult.Ok(batch.Count));
        }

        var succeeded = batch.Count - errors.Count;
        return ValueTask.FromResult(new SendResult(
            succeeded == 0 ? SendOutcome.Permanent : SendOutcome.PartialFailure, succeeded, errors.Count, errors, StatusCode: 207));
    }

    public ValueTask DisposeAsync()
    {
        if (_ownsStore)
        {
            _store.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
