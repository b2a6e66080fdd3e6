using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Metrics.Reporters.Transports;

/// <summary>
/// Lines over one persistent TCP connection. Connects on first write. When a connection breaks during a write
/// it reconnects once at once and writes the same data again; when connecting fails it backs off 1, 2, 4 ... 30 s
/// (measured on the injected clock) and fails writes fast with an <see cref="IOException"/> until the next attempt
/// is due, so a down server never blocks the caller. Lines the server writes back are read in the background.
/// </summary>
/// <remarks>Writes are serialized; safe to call from several threads.</remarks>
internal sealed class TcpLineTransport : ILineTransport
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly string _host;
    private readonly int _port;
    private readonly TimeSpan _connectTimeout;
    private readonly TimeSpan? _writeTimeout;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Connection? _connection;
    private int _failures;
    private long _nextAttempt;
    private bool _disposed;

    /// <param name="host">The server's host.</param>
    /// <param name="port">The server's port.</param>
    /// <param name="time">The clock of backoffs and timeouts.</param>
    /// <param name="connectTimeout">How long opening a connection may take. Default 5 seconds.</param>
    /// <param name="writeTimeout">
    /// How long one write may take, or null for no limit: past it the connection is dropped (part of the data may have
    /// gone out) and the write fails with an <see cref="IOException"/> saying the server is not reading.
    /// </param>
    public TcpLineTransport(string host, int port, TimeProvider? time = null, TimeSpan? connectTimeout = null, TimeSpan? writeTimeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        _host = host;
        _port = port;
        _time = time ?? TimeProvider.System;
        _connectTimeout = connectTimeout ?? TimeSpan.FromSeconds(5);
        _writeTimeout = writeTimeout;
    }

    /// <summary>
    /// The most characters of one line from the server handed to <see cref="LineReceived"/>; the rest of a longer line
    /// is read and left out (the line says so), so a server that never ends a line cannot grow memory without bound.
    /// </summary>
    internal const int MaxLineLength = 4096;

    public Action<string>? LineReceived { get; set; }

    public bool IsConnected => _connection is { Broken: false };

    /// <summary>Connections opened so far (for diagnostics and tests).</summary>
    public int Connects { get; private set; }

    /// <summary>The delay before the next connection attempt after <paramref name="failures"/> consecutive failures: 1, 2, 4 ... 30 s.</summary>
    internal static TimeSpan BackoffFor(int failures) =>
        failures <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(failures - 1, 10))));

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            for (var attempt = 0; ; attempt++)
            {
                var connection = await EnsureConnectedAsync(cancellationToken).ConfigureAwait(false);
                using var timeout = _writeTimeout is { } limit ? new CancellationTokenSource(limit, _time) : null;
                using var linked = timeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                var token = linked?.Token ?? cancellationToken;
                try
                {
                    await connection.Stream.WriteAsync(data, token).ConfigureAwait(false);
                    await connection.Stream.FlushAsync(token).ConfigureAwait(false);
                    return;
                }
                catch (OperationCanceledException ex) when (timeout is { IsCancellationRequested: true } && !cancellationToken.IsCancellationRequested)
                {
                    // The server stopped reading (its socket buffer is full). Part of the data may have gone out, so the
                    // connection goes; writing again at once would only wait as long again.
                    Drop(connection);
                    throw new IOException(
                        string.Create(CultureInfo.InvariantCulture, $"Writing to {_host}:{_port} did not finish within {_writeTimeout}: the server is not reading."),
                        ex);
                }
                catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
                {
                    Drop(connection);
                    if (attempt > 0)
                    {
                        throw new IOException($"Writing to {_host}:{_port} failed after reconnecting: {ex.Message}", ex);
                    }
                }
                catch (OperationCanceledException)
                {
                    // Part of the data may have gone out: the next write must not finish that half line.
                    Drop(connection);
                    throw;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_connection is { } c)
            {
                Drop(c);
            }
        }
        finally
        {
            // The gate is not disposed (it has no wait handle): a second DisposeAsync or a late WriteAsync finds the
            // transport disposed instead of failing on a disposed semaphore.
            _gate.Release();
        }
    }

    private async ValueTask<Connection> EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } existing)
        {
            if (!existing.Broken && !await PeerClosedAsync(existing).ConfigureAwait(false))
            {
                return existing;
            }

            Drop(existing);
        }

        var now = _time.GetTimestamp();
        if (_failures > 0 && now < _nextAttempt)
        {
            var wait = _time.GetElapsedTime(now, _nextAttempt);
            throw new IOException(string.Create(
                CultureInfo.InvariantCulture,
                $"Not connected to {_host}:{_port} after {_failures} failed attempt(s); the next attempt is due in {wait.TotalSeconds:0.#} s."));
        }

        var client = new TcpClient { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_connectTimeout);
            await client.ConnectAsync(_host, _port, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            _failures++;
            var backoff = BackoffFor(_failures);
            _nextAttempt = _time.GetTimestamp() + (long)(backoff.TotalSeconds * _time.TimestampFrequency);
            throw new IOException(string.Create(
                CultureInfo.InvariantCulture,
                $"Cannot connect to {_host}:{_port} ({(ex is OperationCanceledException ? "timed out" : ex.Message)})."), ex);
        }
        catch
        {
            // Cancelled by the caller (or anything else): the half-open client is not leaked.
            client.Dispose();
            throw;
        }

        _failures = 0;
        Connects++;
        var connection = new Connection(client);
        _connection = connection;
        _ = Task.Run(() => ReadLoopAsync(connection), CancellationToken.None);
        return connection;
    }

    // Whether the server closed the connection, so that a write is not lost into it. A socket that reads as readable
    // with nothing to read says so, unless the read loop took the server's data (error lines) in between: the read
    // loop settles it, as it either ends on the close or counts another read. Dropping a live connection on that
    // race threw away what the server had not read yet (closing with unread data resets the connection).
    private static async ValueTask<bool> PeerClosedAsync(Connection connection)
    {
        var reads = Volatile.Read(ref connection.Reads);
        try
        {
            var socket = connection.Client.Client;
            if (!socket.Poll(0, SelectMode.SelectRead) || socket.Available != 0)
            {
                return false;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return true;
        }

        for (var waited = 0; waited < 1000 && !connection.Broken && Volatile.Read(ref connection.Reads) == reads; waited++)
        {
            await Task.Delay(1).ConfigureAwait(false);
        }

        return connection.Broken || Volatile.Read(ref connection.Reads) == reads;
    }

    private void Drop(Connection connection)
    {
        connection.Broken = true;
        connection.Client.Dispose();
        if (ReferenceEquals(_connection, connection))
        {
            _connection = null;
        }
    }

    private async Task ReadLoopAsync(Connection connection)
    {
        try
        {
            using var reader = new StreamReader(connection.Stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 1024, leaveOpen: true);
            var buffer = new char[1024];
            var line = new StringBuilder();
            var cut = false;
            int read;
            while ((read = await reader.ReadAsync(buffer.AsMemory()).ConfigureAwait(false)) > 0)
            {
                Interlocked.Increment(ref connection.Reads);
                var start = 0;
                for (var i = 0; i < read; i++)
                {
                    if (buffer[i] == '\n')
                    {
                        cut |= Append(line, buffer.AsSpan(start, i - start));
                        Deliver(line, cut);
                        cut = false;
                        start = i + 1;
                    }
                }

                cut |= Append(line, buffer.AsSpan(start, read - start));
            }

            // A last line the server closed the connection after, without a newline.
            Deliver(line, cut);
        }
#pragma warning disable CA1031 // The reader only watches the connection; any failure just marks it broken.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        connection.Broken = true;
    }

    // Keeps at most MaxLineLength characters of a line; returns whether some were left out.
    private static bool Append(StringBuilder line, ReadOnlySpan<char> chars)
    {
        var room = MaxLineLength - line.Length;
        if (chars.Length <= room)
        {
            line.Append(chars);
            return false;
        }

        line.Append(chars[..Math.Max(room, 0)]);
        return true;
    }

    private void Deliver(StringBuilder line, bool cut)
    {
        if (line.Length > 0 && line[^1] == '\r')
        {
            line.Length--;
        }

        if (line.Length > 0)
        {
            Notify(cut ? string.Create(CultureInfo.InvariantCulture, $"{line} (cut: the line was longer than {MaxLineLength} characters)") : line.ToString());
        }

        line.Clear();
    }

    private void Notify(string line)
    {
        try
        {
            LineReceived?.Invoke(line);
        }
#pragma warning disable CA1031 // A failing listener must not break the connection.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private sealed class Connection(TcpClient client)
    {
        public TcpClient Client { get; } = client;

        public NetworkStream Stream { get; } = client.GetStream();

        public volatile bool Broken;

        // Reads the read loop completed: a socket that looked closed while this moved had only been read.
        public int Reads;
    }
}
