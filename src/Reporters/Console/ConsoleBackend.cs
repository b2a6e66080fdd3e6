using Metrics.Reporters.Engine;

// Internal types stay in Metrics.Reporters: a Metrics.Reporters.Console namespace would hide System.Console.
namespace Metrics.Reporters;

/// <summary>Writes each batch as a table to a <see cref="TextWriter"/>.</summary>
internal sealed class ConsoleBackend : IReplayAwareBackend
{
    private readonly TextWriter _output;
    private readonly TimeProvider _time;
    private readonly string[] _dottedFields;

    public ConsoleBackend(TextWriter output, TimeProvider time, FieldNaming fields)
    {
        _output = output;
        _time = time;
        _dottedFields = ConsoleTableFormat.DottedFields(fields);
    }

    public string Name => "console";

    /// <inheritdoc />
    public bool Replaying { get; set; }

    public string? Validate(in DataPoint point) => null;

    public async ValueTask<SendResult> SendAsync(IReadOnlyList<DataPoint> batch, CancellationToken cancellationToken)
    {
        // The table is headed with the report's time: the newest point (all points of one snapshot share it); only
        // older points carry their own time. A batch replayed from offline storage is headed with the time it is
        // written, so that every replayed point, its newest too, carries its own time and none passes for a live one.
        var reportTime = batch.Count == 0 || Replaying ? _time.GetUtcNow() : batch.Max(p => p.Timestamp);
        var table = ConsoleTableFormat.Format(reportTime, batch, _dottedFields);
        try
        {
            await _output.WriteAsync(table.AsMemory(), cancellationToken).ConfigureAwait(false);
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            return SendResult.Ok(batch.Count);
        }
        catch (ObjectDisposedException ex)
        {
            return SendResult.Permanent(batch.Count, "the output writer is closed", exception: ex);
        }
        catch (IOException ex)
        {
            return SendResult.Transient(batch.Count, "writing to the output failed: " + ex.Message, exception: ex);
        }
    }

    // The writer belongs to the caller (often Console.Out): it is not closed here.
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
