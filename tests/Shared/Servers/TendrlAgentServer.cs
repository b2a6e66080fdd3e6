using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Metrics.Testing;

/// <summary>
/// A Tendrl Nano Agent on a Unix domain socket in a temporary folder (deleted on dispose). It decodes the stream as
/// the agent does: JSON objects back to back, whole or split across reads, and a decode error closes the connection.
/// A message with more than 10 <c>context.tags</c> is answered <c>{"status":"error","message":"..."}</c>; a message
/// with <c>context.wait</c> true is answered with a JSON object with an <c>id</c>. Tests inject faults: close the
/// connection after some messages, answer with an error, stop answering, stop reading, refuse connections.
/// </summary>
internal sealed class TendrlAgentServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<JsonElement> _messages = new();
    private readonly ConcurrentDictionary<Socket, byte> _clients = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly string _folder;
    private Socket? _listener;
    private volatile bool _stalled;
    private volatile bool _mute;
    private int _closeAfter = -1;
    private int _connectionCount;
    private int _answers;
    private int _disposed;

    private TendrlAgentServer(string folder)
    {
        _folder = folder;
        SocketPath = Path.Combine(folder, "agent.sock");
    }

    /// <summary>The socket file listened on (kept across <see cref="RefuseConnections"/>/<see cref="AcceptConnections"/>).</summary>
    public string SocketPath { get; }

    /// <summary>Every message decoded so far, in arrival order (including those answered with an error).</summary>
    public IReadOnlyList<JsonElement> Messages => _messages.ToArray();

    /// <summary>Connections accepted so far.</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>Answers written so far (acknowledgements and errors).</summary>
    public int AnswerCount => Volatile.Read(ref _answers);

    /// <summary>When set, a connection whose client closed its side (end of stream) is kept open until the agent is disposed.</summary>
    public bool KeepOpenAtEndOfStream { get; set; }

    /// <summary>Written after every answer (a Python agent may end each with <c>"\n"</c>); default nothing.</summary>
    public string AnswerSuffix { get; set; } = string.Empty;

    /// <summary>When set, called with each message; a non-null result is answered as <c>{"status":"error","message":result}</c>.</summary>
    public Func<JsonElement, string?>? Refuse { get; set; }

    /// <summary>Starts listening on a new socket file.</summary>
    public static TendrlAgentServer Start()
    {
        // Short: a Unix socket path has room for about 100 bytes.
        var folder = Path.Combine(Path.GetTempPath(), "tdl-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(folder);
        var server = new TendrlAgentServer(folder);
        server.Listen();
        return server;
    }

    /// <summary>Waits until at least <paramref name="count"/> messages have arrived; fails the test on timeout.</summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForMessagesAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_messages.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Expected {count} messages within {timeout}, got {_messages.Count}");
            }

            await Task.Delay(10);
        }

        return Messages;
    }

    /// <summary>Clears the recorded messages.</summary>
    public void Clear() => _messages.Clear();

    /// <summary>After <paramref name="messages"/> more messages (answered as usual), the connection they came on is closed, once.</summary>
    public void CloseAfter(int messages) => Volatile.Write(ref _closeAfter, messages);

    /// <summary>Reads and records messages but answers none (a stalled agent), or answers again.</summary>
    public void Mute(bool mute) => _mute = mute;

    /// <summary>Stops (or resumes) reading from connections, so clients' writes back up.</summary>
    public void Stall(bool stalled) => _stalled = stalled;

    /// <summary>Stops listening and removes the socket file: connecting fails. Open connections stay.</summary>
    public void RefuseConnections()
    {
        _listener?.Dispose();
        _listener = null;
        File.Delete(SocketPath);
    }

    /// <summary>Listens again on the same socket file.</summary>
    public void AcceptConnections() => Listen();

    /// <summary>Closes every open connection.</summary>
    public void DropConnections()
    {
        foreach (var client in _clients.Keys)
        {
            client.Dispose();
        }

        _clients.Clear();
    }

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
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Listen()
    {
        File.Delete(SocketPath);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        listener.Listen(16);
        _listener = listener;
        _ = Task.Run(() => AcceptLoopAsync(listener));
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await listener.AcceptAsync(_stop.Token);
                Interlocked.Increment(ref _connectionCount);
                _clients[client] = 0;
                _ = Task.Run(() => ReadLoopAsync(client));
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private async Task ReadLoopAsync(Socket client)
    {
        var buffer = new byte[64 * 1024];
        var start = 0;
        var end = 0;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                while (_stalled && !_stop.IsCancellationRequested)
                {
                    await Task.Delay(10);
                }

                if (end == buffer.Length)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    end -= start;
                    start = 0;
                    if (end == buffer.Length)
                    {
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }
                }

                var read = await client.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    if (KeepOpenAtEndOfStream)
                    {
                        await Task.Delay(Timeout.Infinite, _stop.Token);
                    }

                    break;
                }

                end += read;
                while (TryDecode(buffer.AsSpan(start, end - start), out var consumed, out var message))
                {
                    start += consumed;
                    _messages.Enqueue(message);
                    if (Answer(message) is { } answer && !_mute)
                    {
                        await client.SendAsync(Encoding.UTF8.GetBytes(answer + AnswerSuffix), SocketFlags.None, _stop.Token);
                        Interlocked.Increment(ref _answers);
                    }

                    if (Volatile.Read(ref _closeAfter) > 0 && Interlocked.Decrement(ref _closeAfter) == 0)
                    {
                        Volatile.Write(ref _closeAfter, -1);
                        return;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // The agent closes the connection on a decode error.
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            _clients.TryRemove(client, out _);
            client.Dispose();
        }
    }

    private string? Answer(JsonElement message)
    {
        var wait = false;
        if (message.TryGetProperty("context", out var context))
        {
            if (context.TryGetProperty("tags", out var tags) && tags.GetArrayLength() > 10)
            {
                return Error("Too many tags: at most 10 are allowed");
            }

            wait = context.TryGetProperty("wait", out var w) && w.ValueKind == JsonValueKind.True;
        }

        if (Refuse?.Invoke(message) is { } refusal)
        {
            return Error(refusal);
        }

        return wait ? $"{{\"id\":\"{Guid.NewGuid():N}\",\"status\":\"success\"}}" : null;
    }

    private static string Error(string message) => JsonSerializer.Serialize(new Dictionary<string, string> { ["status"] = "error", ["message"] = message });

    // One JSON value at the start of the data, decoded as json.JSONDecoder.raw_decode would: false while incomplete.
    private static bool TryDecode(ReadOnlySpan<byte> data, out int consumed, out JsonElement message)
    {
        consumed = 0;
        message = default;
        var reader = new Utf8JsonReader(data, isFinalBlock: false, state: default);
        if (!reader.Read())
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("a message must be a JSON object");
        }

        if (!reader.TrySkip())
        {
            return false;
        }

        consumed = (int)reader.BytesConsumed;
        using var document = JsonDocument.Parse(data[..consumed].ToArray());
        message = document.RootElement.Clone();
        return true;
    }
}
