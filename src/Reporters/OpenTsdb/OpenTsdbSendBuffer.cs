using System.Buffers;

namespace Metrics.Reporters.OpenTsdb;

/// <summary>
/// The buffer a backend formats each batch into, kept from send to send so that steady reporting allocates none.
/// A concurrent send (never the engine's case) gets a buffer of its own. Buffers grown past 4 MiB are not kept.
/// </summary>
internal sealed class OpenTsdbSendBuffer
{
    private const int MaxSpareBytes = 4 << 20;

    private ArrayBufferWriter<byte>? _spare;

    /// <summary>Runs <paramref name="send"/> with an empty buffer of at least <paramref name="sizeHint"/> bytes, then keeps the buffer.</summary>
    /// <param name="sizeHint">The bytes the batch will likely need.</param>
    /// <param name="state">What <paramref name="send"/> needs (a static lambda then captures nothing).</param>
    /// <param name="send">Formats into the buffer and sends it.</param>
    public async ValueTask<TResult> UseAsync<TState, TResult>(int sizeHint, TState state, Func<TState, ArrayBufferWriter<byte>, ValueTask<TResult>> send)
    {
        ArgumentNullException.ThrowIfNull(send);
        var buffer = Interlocked.Exchange(ref _spare, null) ?? new ArrayBufferWriter<byte>(Math.Max(256, sizeHint));
        try
        {
            return await send(state, buffer).ConfigureAwait(false);
        }
        finally
        {
            Return(buffer);
        }
    }

    private void Return(ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        if (buffer.Capacity <= MaxSpareBytes)
        {
            Volatile.Write(ref _spare, buffer);
        }
    }
}
