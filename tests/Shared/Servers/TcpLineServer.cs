using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Metrics.Testing;

/// <summary>
/// A TCP server on 127.0.0.1 that records every line it receives and can be scripted: answer lines, refuse
/// connections, drop connections, or stall (stop reading).
/// </summary>
internal sealed class TcpLineServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentDictionary<TcpClient, byte> _clients = new();
    private readonly CancellationTokenSource _stop = new();
    private TcpListener? _listener;
    private volatile bool _stalled;
    private int _connectionCount;
    private int _disposed;

    private TcpLineServer()
    {
    }

    /// <summary>The port listened on (kept across <see cref="RefuseConnections"/>/<see cref="AcceptConnections"/>).</summary>
    public int Port { get; private set; }

    /// <summary>Every line received so far, in arrival order.</summary>
    public IReadOnlyList<string> Lines => _lines.ToArray();

    /// <summary>Connections accepted so far.</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>When set, called with each line; a non-null result is written back followed by a line feed.</summary>
    public Func<string, string?>? Reply { get; set; }

    /// <summary>Starts listening on <paramref name="port"/> (0: a free port).</summary>
    public static Task<TcpLineServer> StartAsync(int port = 0)
    {
        var server = new TcpLineServer();
        server.Listen(port);
        return Task.FromResult(server);
    }

    /// <summary>Waits until at least <paramref name="count"/> lines have arrived; fails the test on timeout.</summary>
    public async Task<IReadOnlyList<string>> WaitForLinesAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_lines.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Expected {count} lines within {timeout}, got {_lines.Count}: {string.Join(" | ", _lines.Take(10))}");
            }

            await Task.Delay(10);
        }

        return Lines;
    }

    /// <summary>Clears the recorded lines.</summary>
    public void Clear() => _lines.Clear();

    /// <summary>Stops listening: new connections are refused. Open connections stay.</summary>
    public void RefuseConnections()
    {
        _listener?.Stop();
        _listener = null;
    }

    /// <summary>Listens again on the same port.</summary>
    public void AcceptConnections() => Listen(Port);

    /// <summary>Closes every open connection (the clients see a reset or end of stream).</summary>
    public void DropConnections()
    {
        foreach (var client in _clients.Keys)
        {
            try
            {
                // Client is null once the connection's read loop has disposed it (the peer closed first).
                if (client.Client is { } socket)
                {
                    socket.LingerState = new LingerOption(true, 0);
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already closed by its reader: nothing left to drop.
            }

            client.Dispose();
        }

        _clients.Clear();
    }

    /// <summary>Stops (or resumes) reading from connections, so clients' writes back up.</summary>
    public void Stall(bool stalled) => _stalled = stalled;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        RefuseConnections();
        DropConnections();
        _stop.Dispose();
    }

    private void Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _listener = listener;
        _ = Task.Run(() => AcceptLoopAsync(listener));
    }

    private async Task AcceptLoopAsync(TcpListener listener)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _connectionCount);
                _clients[client] = 0;
                _ = Task.Run(() => ReadLoopAsync(client));
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
        }
    }

    private async Task ReadLoopAsync(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.UTF8);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
            while (!_stop.IsCancellationRequested)
            {
                while (_stalled && !_stop.IsCancellationRequested)
                {
                    await Task.Delay(10);
                }

                var line = await reader.ReadLineAsync(_stop.Token);
                if (line == null)
                {
                    break;
                }

                _lines.Enqueue(line);
                if (Reply?.Invoke(line) is { } answer)
                {
                    await writer.WriteLineAsync(answer);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            _clients.TryRemove(client, out _);
            client.Dispose();
        }
    }
}
