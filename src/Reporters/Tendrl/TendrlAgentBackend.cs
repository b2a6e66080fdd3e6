using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Metrics.Reporters.Engine;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters.Tendrl;

/// <summary>
/// Sends batches to the local Tendrl agent as publish messages on its Unix socket. Without wait, the agent answers
/// only errors, which arrive in the background and go to <c>agentError</c>; a send is done once written. With wait,
/// each message is answered: a send reads one answer per message, in order, and each point is accepted or failed
/// by its own answer. A connection lost in the middle fails the batch as transient (the engine retries it, then
/// keeps it offline), and the points the agent had already answered are not sent again.
/// </summary>
internal sealed class TendrlAgentBackend : IReportBackend
{
    /// <summary>The most points remembered as answered in batches that failed later; past it, such points may be sent twice.</summary>
    internal const int MaxSettled = 100_000;

    private readonly JsonStreamTransport _transport;
    private readonly TendrlFormat _format;
    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private readonly Utf8JsonWriter _writer;
    private readonly List<StreamAnswer> _answers = new();
    private readonly List<int> _written = new();
    private readonly List<PointKey> _skipped = new();
    private readonly SemaphoreSlim _gate = new(1, 1);

    // Points the agent answered in a batch whose send failed afterwards: null when it took the point, else its error.
    // A retry or replay of the batch settles them from here instead of sending them again.
    private readonly Dictionary<PointKey, string?> _settled = new();

    public TendrlAgentBackend(JsonStreamTransport transport, TendrlFormat format, Action<string> agentError)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(agentError);
        _transport = transport;
        _format = format;
        _writer = TendrlFormat.CreateWriter(_buffer);
        _transport.Unsolicited = answer => agentError(answer.Message ?? "an error without a message");
    }

    public string Name => "tendrl";

    /// <summary>Points remembered as answered by the agent in a batch that failed afterwards (tests).</summary>
    internal int Settled => _settled.Count;

    /// <summary>The connection to the agent (tests).</summary>
    internal JsonStreamTransport Transport => _transport;

    public string? Validate(in DataPoint point) => TendrlFormat.Validate(point);

    public async ValueTask<SendResult> SendAsync(IReadOnlyList<DataPoint> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await SendLockedAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _buffer.ResetWrittenCount();
            if (_buffer.Capacity > 4 << 20)
            {
                // Not kept: one huge batch must not hold its memory for good.
                _buffer.Clear();
            }

            _gate.Release();
        }
    }

    private async ValueTask<SendResult> SendLockedAsync(IReadOnlyList<DataPoint> batch, CancellationToken cancellationToken)
    {
        _buffer.ResetWrittenCount();
        _written.Clear();
        _answers.Clear();
        _skipped.Clear();
        long succeeded = 0;
        List<string>? errors = null;
        for (var i = 0; i < batch.Count; i++)
        {
            if (_settled.Count > 0 && _settled.TryGetValue(PointKey.Of(batch[i]), out var earlier))
            {
                _skipped.Add(PointKey.Of(batch[i]));
                if (earlier is null)
                {
                    succeeded++;
                }
                else
                {
                    (errors ??= new List<string>()).Add(earlier);
                }

                continue;
            }

            _format.Write(_writer, batch[i]);
            _written.Add(i);
        }

        if (_written.Count > 0)
        {
            var expected = _format.Wait ? _written.Count : 0;
            try
            {
                await _transport.SendAsync(_buffer.WrittenMemory, expected, _answers, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                Settle(batch);
                var answered = _format.Wait ? string.Create(CultureInfo.InvariantCulture, $" ({_answers.Count} answered before; they are not sent again)") : string.Empty;
                return SendResult.Transient(batch.Count, string.Create(CultureInfo.InvariantCulture, $"Sending {_written.Count} message(s) to the Tendrl agent failed{answered}: {ex.Message}"), exception: ex);
            }
            catch (OperationCanceledException)
            {
                Settle(batch);
                throw;
            }

            if (!_format.Wait)
            {
                succeeded += _written.Count;
            }

            for (var k = 0; k < _answers.Count; k++)
            {
                if (_answers[k].IsError)
                {
                    (errors ??= new List<string>()).Add(ErrorFor(batch[_written[k]], _answers[k]));
                }
                else
                {
                    succeeded++;
                }
            }
        }

        // Settled for good only now: had the send failed, a retry would have needed them again.
        foreach (var key in _skipped)
        {
            _settled.Remove(key);
        }

        if (errors is null)
        {
            return SendResult.Ok(batch.Count);
        }

        return new SendResult(succeeded > 0 ? SendOutcome.PartialFailure : SendOutcome.Permanent, succeeded, errors.Count, errors);
    }

    // The answers of a failed send settle their points: a retry or replay of them does not send them twice.
    private void Settle(IReadOnlyList<DataPoint> batch)
    {
        for (var k = 0; k < _answers.Count && _settled.Count < MaxSettled; k++)
        {
            var point = batch[_written[k]];
            _settled[PointKey.Of(point)] = _answers[k].IsError ? ErrorFor(point, _answers[k]) : null;
        }
    }

    private static string ErrorFor(in DataPoint point, StreamAnswer answer) =>
        $"The Tendrl agent refused {point.Metric}: {answer.Message ?? "an error without a message"}";

    public async ValueTask DisposeAsync()
    {
        await _transport.DisposeAsync().ConfigureAwait(false);
        await _writer.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>What tells a point from another once sent: its name, tags, millisecond (as written) and value.</summary>
    private readonly record struct PointKey(string Metric, Tags Tags, long Milliseconds, double Value)
    {
        public static PointKey Of(in DataPoint point) => new(point.Metric, point.Tags, point.Timestamp.ToUnixTimeMilliseconds(), point.Value);
    }
}
