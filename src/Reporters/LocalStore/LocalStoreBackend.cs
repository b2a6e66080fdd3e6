using System.Globalization;
using Metrics.Reporters.Engine;
using Microsoft.Data.Sqlite;

namespace Metrics.Reporters;

/// <summary>Stores each point as a value of the series named by its metric and tags; delta counters add to the value at their time.</summary>
internal sealed class LocalStoreBackend : IReportBackend
{
    // SQLite result codes that retrying cannot fix: read-only file, corrupt file, not a database, no permission, auth.
    private static readonly HashSet<int> PermanentErrors = [3, 8, 11, 23, 26];

    private readonly ILocalStoreWriter _store;
    private readonly IDisposable? _owned;

    /// <summary>Creates a backend writing to <paramref name="store"/>; <paramref name="owned"/> (if any) is disposed with the backend.</summary>
    public LocalStoreBackend(ILocalStoreWriter store, IDisposable? owned)
    {
        _store = store;
        _owned = owned;
    }

    public string Name => "localstore";

    public string Path => _store.Path;

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
        catch (SqliteException ex) when (PermanentErrors.Contains(ex.SqliteErrorCode))
        {
            return ValueTask.FromResult(SendResult.Permanent(batch.Count, $"local store '{_store.Path}': {ex.Message}", exception: ex));
        }
        catch (SqliteException ex)
        {
            // Busy, locked, full or failing disk: nothing was committed and a later attempt may succeed.
            return ValueTask.FromResult(SendResult.Transient(batch.Count, $"local store '{_store.Path}': {ex.Message}", exception: ex));
        }
        catch (IOException ex) when (ex.InnerException is SqliteException inner && PermanentErrors.Contains(inner.SqliteErrorCode))
        {
            // A damaged file: the store says so (and names it); retrying cannot help.
            return ValueTask.FromResult(SendResult.Permanent(batch.Count, ex.Message, exception: ex));
        }
        catch (IOException ex)
        {
            // The store's own messages (busy, failing disk) name the file already.
            var message = ex.Message.Contains(_store.Path, StringComparison.Ordinal) ? ex.Message : $"local store '{_store.Path}': {ex.Message}";
            return ValueTask.FromResult(SendResult.Transient(batch.Count, message, exception: ex));
        }
        catch (NotSupportedException ex)
        {
            // The store is open read-only (a file this process cannot write): retrying cannot help.
            return ValueTask.FromResult(SendResult.Permanent(batch.Count, ex.Message, exception: ex));
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
                var metric = batch[i].Metric;
                var series = metric.Length == 0 ? "(no name)"
                    : string.IsNullOrWhiteSpace(metric) || metric.Contains('{', StringComparison.Ordinal) ? $"'{metric}'"
                    : MetricName.Encode(metric, batch[i].Tags);
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{series} at {batch[i].Timestamp.UtcDateTime:O}: {string.Join("; ", statuses[i].Messages)}"));
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
        _owned?.Dispose();
        return ValueTask.CompletedTask;
    }
}
