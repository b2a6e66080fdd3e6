using System.Buffers;
using Metrics.Reporters.Engine;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters.OpenTsdb;

/// <summary>
/// Sends batches as telnet <c>put</c> lines on a persistent connection. The server says nothing on success; the
/// error lines it writes back arrive in the background and go to <c>serverError</c>. Connection failures are
/// transient: the engine retries the batch, and the transport reconnects with backoff.
/// </summary>
internal sealed class OpenTsdbTelnetBackend : IReportBackend
{
    private readonly ILineTransport _transport;
    private readonly OpenTsdbFormat _format;
    private readonly OpenTsdbSendBuffer _buffers = new();

    public OpenTsdbTelnetBackend(ILineTransport transport, OpenTsdbFormat format, Action<string> serverError)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(serverError);
        _transport = transport;
        _format = format;
        _transport.LineReceived = serverError;
    }

    public string Name => "opentsdb";

    public string? Validate(in DataPoint point) => _format.Validate(point, telnet: true);

    public ValueTask<SendResult> SendAsync(IReadOnlyList<DataPoint> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return _buffers.UseAsync(
            batch.Count * 96,
            (Backend: this, Batch: batch, Token: cancellationToken),
            static (s, buffer) => s.Backend.SendAsync(s.Batch, buffer, s.Token));
    }

    private async ValueTask<SendResult> SendAsync(IReadOnlyList<DataPoint> batch, ArrayBufferWriter<byte> buffer, CancellationToken cancellationToken)
    {
        List<string>? errors = null;
        var lines = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            if (_format.WriteLine(buffer, batch[i]) is { } error)
            {
                (errors ??= new List<string>()).Add(error);
            }
            else
            {
                lines++;
            }
        }

        if (lines > 0)
        {
            try
            {
                await _transport.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                return SendResult.Transient(batch.Count, $"Writing {lines} put line(s) to OpenTSDB failed: {ex.Message}", exception: ex);
            }
        }

        if (errors == null)
        {
            return SendResult.Ok(lines);
        }

        return new SendResult(lines > 0 ? SendOutcome.PartialFailure : SendOutcome.Permanent, lines, errors.Count, errors);
    }

    public ValueTask DisposeAsync() => _transport.DisposeAsync();
}
