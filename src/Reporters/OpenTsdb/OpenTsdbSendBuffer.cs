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

    /// <summary>Takes the kept buffer, or a new one of at least <paramref name="sizeHint"/> bytes.</summary>
    public ArrayBufferWriter<byte> Rent(int sizeHint) =>
        Interlocked.Exchange(ref _spare, null) ?? new ArrayBufferWriter<byte>(Math.Max(256, sizeHint));

    /// <summary>Empties <paramref name="buffer"/> and keeps it for the next send unless it grew too large.</summary>
    public void Return(ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        if (buffer.Capacity <= MaxSpareBytes)
        {
            Volatile.Write(ref _spare, buffer);
        }
    }
}
