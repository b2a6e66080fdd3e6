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
    /// <summary>The most points remembered as answered in batches that failed later; past it the oldest are forgotten (and may be sent twice).</summary>
    internal const int MaxSettled = 100_000;

    private readonly JsonStreamTransport _transport;
    private readonly TendrlFormat _format;
    private const int InitialBufferSize = 16 * 1024;

    private ArrayBufferWriter<byte> _buffer = new(InitialBufferSize);
    private readonly Utf8JsonWriter _writer;
    private readonly List<StreamAnswer> _answers = new();
    private readonly List<int> _written = new();
    private readonly List<PointKey> _skipped = new();
    private readonly SemaphoreSlim _gate = new(1, 1);

    // Points the agent answered in a batch whose send failed afterwards: null when it took the point, else its error,
    // and when. A retry or replay of the batch settles them from here instead of sending them again.
    private readonly Dictionary<PointKey, Settlement> _settled = new();

    // The settled points oldest first, to forget them in that order (an entry whose point was settled since, or
    // settled again, is skipped).
    private readonly Queue<(PointKey Key, long At)> _settledOrder = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan? _keepSettled;
    private readonly int _maxSettled;

    // The batch whose send failed last: without offline storage only a retry of it can bring settled points back.
    private IReadOnlyList<DataPoint>? _failedBatch;

    /// <param name="transport">The connection to the agent.</param>
    /// <param name="format">How points are written.</param>
    /// <param name="agentError">Where errors the agent writes back unasked go.</param>
    /// <param name="time">The clock settled points age by.</param>
    /// <param name="keepSettled">
    /// With offline storage, how long a failed batch's points may come back (its Ttl plus the retries): points settled
    /// longer ago are forgotten. Null without offline storage: a failed batch comes back only as a retry of the same
    /// batch, so the next other batch forgets them.
    /// </param>
    /// <param name="maxSettled">The most points remembered; past it the oldest are forgotten.</param>
    public TendrlAgentBackend(JsonStreamTransport transport, TendrlFormat format, Action<string> agentError, TimeProvider time, TimeSpan? keepSettled, int maxSettled = MaxSettled)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(agentError);
        ArgumentNullException.ThrowIfNull(time);
        if (transport.EveryMessageAnswered != format.Wait)
        {
            throw new ArgumentException("The transport must expect an answer to every message exactly when the messages ask for one (wait).", nameof(transport));
        }

        _transport = transport;
        _format = format;
        _time = time;
        _keepSettled = keepSettled;
        _maxSettled = maxSettled;
        _writer = TendrlFormat.CreateWriter(_buffer);
        _transport.Unsolicited = answer => agentError(answer.Message ?? "an error without a message");
    }

    public string Name => "tendrl";

    /// <summary>Points remembered as answered by the agent in a batch that failed afterwards (tests).</summary>
    internal int Settled => _settled.Count;

    /// <summary>The bytes the message buffer holds on to between sends (tests).</summary>
    internal int BufferCapacity => _buffer.Capacity;

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
                // Not kept: one huge batch must not hold its memory for good (Clear would only zero it).
                _buffer = new ArrayBufferWriter<byte>(InitialBufferSize);
                _writer.Reset(_buffer);
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
        ForgetSettled(batch);
        for (var i = 0; i < batch.Count; i++)
        {
            if (_settled.Count > 0 && _settled.TryGetValue(PointKey.Of(batch[i]), out var settlement))
            {
                _skipped.Add(PointKey.Of(batch[i]));
                var earlier = settlement.Error;
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
                var answered = _answers.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({_answers.Count} answered before; they are not sent again)") : string.Empty;
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
        _failedBatch = batch;
        var now = _time.GetTimestamp();
        for (var k = 0; k < _answers.Count; k++)
        {
            var point = batch[_written[k]];
            var key = PointKey.Of(point);
            _settled[key] = new Settlement(_answers[k].IsError ? ErrorFor(point, _answers[k]) : null, now);
            _settledOrder.Enqueue((key, now));
        }

        Forget(expired: false);
    }

    // Settled points that cannot come back are forgotten: without offline storage, all of them once another batch
    // than the failed one is sent (the engine dropped that one); with it, those older than the storage keeps them.
    private void ForgetSettled(IReadOnlyList<DataPoint> batch)
    {
        if (_settled.Count == 0)
        {
            _settledOrder.Clear();
            _failedBatch = null;
            return;
        }

        if (_keepSettled is null)
        {
            if (!ReferenceEquals(batch, _failedBatch))
            {
                _settled.Clear();
                _settledOrder.Clear();
                _failedBatch = null;
            }

            return;
        }

        Forget(expired: true);
    }

    // Forgets the oldest settled points while there are more than the most remembered, or (when expired is true)
    // while they are older than the offline storage keeps them.
    private void Forget(bool expired)
    {
        while (_settledOrder.TryPeek(out var oldest))
        {
            var current = _settled.TryGetValue(oldest.Key, out var settlement) && settlement.At == oldest.At;
            if (current && _settled.Count <= _maxSettled && !(expired && _keepSettled is { } keep && _time.GetElapsedTime(oldest.At) > keep))
            {
                break;
            }

            _settledOrder.Dequeue();
            if (current)
            {
                _settled.Remove(oldest.Key);
            }
        }

        if (_settledOrder.Count > 2 * Math.Max(_settled.Count, 1024))
        {
            // Entries of points settled since pile up behind a long-lived oldest one: keep only the current ones.
            var current = _settledOrder.Where(e => _settled.TryGetValue(e.Key, out var s) && s.At == e.At).ToArray();
            _settledOrder.Clear();
            foreach (var entry in current)
            {
                _settledOrder.Enqueue(entry);
            }
        }
    }

    private static string ErrorFor(in DataPoint point, StreamAnswer answer) =>
        $"The Tendrl agent refused {point.Metric}: {answer.Message ?? "an error without a message"}";

    public async ValueTask DisposeAsync()
    {
        await _transport.DisposeAsync().ConfigureAwait(false);

        // A send the stop gave up on may still hold the writer: it is disposed only once that send has let go (the
        // transport's disposal ends it), and left to the collector if it does not within a second.
        if (await _gate.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false))
        {
            try
            {
                await _writer.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    /// <summary>How the agent answered a point of a failed send (null: it took the point) and when (a <see cref="TimeProvider"/> timestamp).</summary>
    private readonly record struct Settlement(string? Error, long At);

    /// <summary>What tells a point from another once sent: its name, tags, millisecond (as written) and value.</summary>
    private readonly record struct PointKey(string Metric, Tags Tags, long Milliseconds, double Value)
    {
        public static PointKey Of(in DataPoint point) => new(point.Metric, point.Tags, point.Timestamp.ToUnixTimeMilliseconds(), point.Value);
    }
}
