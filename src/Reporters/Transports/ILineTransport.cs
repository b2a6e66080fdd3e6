namespace Metrics.Reporters.Transports;

/// <summary>A persistent stream of text lines to a server (OpenTSDB telnet, Wavefront proxy).</summary>
internal interface ILineTransport : IAsyncDisposable
{
    /// <summary>Called, on a background thread, with each line the server writes back (e.g. OpenTSDB's error lines).</summary>
    Action<string>? LineReceived { get; set; }

    /// <summary>True while a connection is open.</summary>
    bool IsConnected { get; }

    /// <summary>Writes <paramref name="data"/> (whole lines), connecting first when needed.</summary>
    /// <exception cref="IOException">Not connected and cannot connect now (the message says when the next attempt is due), or the write failed after one reconnect.</exception>
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}
