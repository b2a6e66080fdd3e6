using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;

namespace Metrics.Reporters.Transports;

/// <summary>One JSON object a server wrote back: an error (<c>{"status":"error","message":"..."}</c>) or anything else (an acknowledgement).</summary>
/// <param name="IsError">True for <c>"status":"error"</c>.</param>
/// <param name="Message">The object's <c>message</c>, cut to <see cref="JsonStreamTransport.MaxMessageLength"/> characters; null when it has none.</param>
internal readonly record struct StreamAnswer(bool IsError, string? Message);

/// <summary>
/// JSON objects written back to back on one persistent stream socket (the Tendrl agent's Unix socket), and the JSON
/// objects the server writes back, read in the background with <see cref="Utf8JsonReader"/> whether or not they
/// arrive whole. Connects on first send, and again on the next send after a failure. When every message is answered
/// (the Tendrl agent's wait), a send waits for one answer per message, in order, within the request timeout;
/// otherwise answers (errors) go to <see cref="Unsolicited"/> as they arrive. Which of the two is fixed for the
/// transport: on one stream, a late error to an unanswered message cannot be told from the answer to a later one.
/// </summary>
/// <remarks>Sends are serialized; safe to call from several threads.</remarks>
internal sealed class JsonStreamTransport : IAsyncDisposable
{
    /// <summary>The most characters of a message handed on; the rest is left out (the message says so).</summary>
    internal const int MaxMessageLength = 4096;

    /// <summary>The most bytes of one object from the server: past it, the server is not speaking the protocol and the connection goes.</summary>
    internal const int MaxAnswerBytes = 64 * 1024;

    /// <summary>The most answers that may wait to be taken by a send: more means the server answers what was not asked, and the connection goes.</summary>
    internal const int MaxPendingAnswers = 100_000;

    private readonly EndPoint _endPoint;
    private readonly string _describe;
    private readonly TimeProvider _time;
    private readonly TimeSpan _connectTimeout;
    private readonly TimeSpan _requestTimeout;
    private readonly string _connectAdvice;
    private readonly bool _everyMessageAnswered;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Connection? _connection;
    private bool _disposed;

    /// <param name="endPoint">Where the server listens (a <see cref="UnixDomainSocketEndPoint"/> for the Tendrl agent).</param>
    /// <param name="describe">The server's address for messages.</param>
    /// <param name="time">The clock of the request timeout.</param>
    /// <param name="connectTimeout">How long connecting may take.</param>
    /// <param name="requestTimeout">How long a send may take: writing, and reading the answers it waits for.</param>
    /// <param name="everyMessageAnswered">True when the server answers every message (sends then wait for the answers); false when it answers only errors, which go to <see cref="Unsolicited"/>.</param>
    /// <param name="connectAdvice">What to check when connecting fails, a sentence or two (with a leading space), or null.</param>
    public JsonStreamTransport(EndPoint endPoint, string describe, TimeProvider time, TimeSpan connectTimeout, TimeSpan requestTimeout, bool everyMessageAnswered, string? connectAdvice = null)
    {
        _everyMessageAnswered = everyMessageAnswered;
        _connectAdvice = connectAdvice ?? string.Empty;
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(time);
        _endPoint = endPoint;
        _describe = describe;
        _time = time;
        _connectTimeout = connectTimeout;
        _requestTimeout = requestTimeout;
    }

    /// <summary>True when the server answers every message: a send then gives the number of messages it writes, and waits for their answers.</summary>
    public bool EveryMessageAnswered => _everyMessageAnswered;

    /// <summary>Called, on the connection's read loop, with each error the server writes back unasked. Keep it fast.</summary>
    public Action<StreamAnswer>? Unsolicited { get; set; }

    /// <summary>True while a connection is open.</summary>
    public bool IsConnected => _connection is { Broken: false };

    /// <summary>Connections opened so far (for diagnostics and tests).</summary>
    public int Connects { get; private set; }

    /// <summary>
    /// Writes <paramref name="data"/> (whole JSON objects), connecting first when needed; then, when every message is
    /// answered, reads <paramref name="expectedAnswers"/> answers into <paramref name="answers"/>, in order.
    /// </summary>
    /// <param name="data">Whole JSON objects.</param>
    /// <param name="expectedAnswers">The number of messages in <paramref name="data"/> when every message is answered (at least 1), else 0.</param>
    /// <param name="answers">Receives the answers.</param>
    /// <param name="cancellationToken">Cancels the send; the connection is then dropped.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="expectedAnswers"/> does not fit <see cref="EveryMessageAnswered"/>.</exception>
    /// <exception cref="IOException">
    /// Connecting or writing failed, or the connection closed or timed out before every answer came:
    /// <paramref name="answers"/> then holds those that did (their messages were read by the server).
    /// </exception>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, int expectedAnswers, List<StreamAnswer> answers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(answers);
        if (_everyMessageAnswered ? expectedAnswers < 1 : expectedAnswers != 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(expectedAnswers),
                expectedAnswers,
                _everyMessageAnswered ? "Every message is answered on this transport: give the number of messages sent." : "Messages are not answered on this transport (errors go to Unsolicited): give 0.");
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var timeout = new CancellationTokenSource(_requestTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            var connection = await ConnectedAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await connection.Stream.WriteAsync(data, linked.Token).ConfigureAwait(false);
                for (var i = 0; i < expectedAnswers; i++)
                {
                    if (!await connection.Answers.Reader.WaitToReadAsync(linked.Token).ConfigureAwait(false))
                    {
                        throw new IOException(string.Create(
                            CultureInfo.InvariantCulture,
                            $"The connection to {_describe} closed after {answers.Count} of {expectedAnswers} answers{connection.CloseReason}."));
                    }

                    connection.Answers.Reader.TryRead(out var answer);
                    Interlocked.Decrement(ref connection.Pending);
                    answers.Add(answer);
                }

                // A closed connection found by a fire-and-forget send is a failure, never a silent success.
                if (expectedAnswers == 0 && connection.Broken)
                {
                    throw new IOException($"The connection to {_describe} closed while writing{connection.CloseReason}.");
                }
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                Drop(connection);
                throw new IOException(
                    expectedAnswers > 0
                        ? string.Create(CultureInfo.InvariantCulture, $"{_describe} did not take the data and answer within {_requestTimeout} (RequestTimeout): {answers.Count} of {expectedAnswers} answers came. The connection was dropped and the next send reconnects; if the server is only slow, give it a longer RequestTimeout.")
                        : string.Create(CultureInfo.InvariantCulture, $"{_describe} did not take the data within {_requestTimeout} (RequestTimeout): it stopped reading. The connection was dropped and the next send reconnects; if the server is only slow, give it a longer RequestTimeout."),
                    ex);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException || (ex is IOException && ex.InnerException is SocketException))
            {
                // NetworkStream wraps the socket's error ("Unable to write data to the transport connection: Broken pipe").
                Drop(connection);
                var why = (ex.InnerException as SocketException ?? ex as SocketException)?.Message ?? ex.Message;
                throw new IOException(
                    $"Writing to {_describe} failed ({why}): the connection was closed or reset (the server closes it on data it cannot decode, and when it stops); the next send reconnects.",
                    ex);
            }
            catch
            {
                // Cancelled, or the connection failed: what is half written or half answered must not meet the next send.
                Drop(connection);
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// When messages are not answered (errors come back unasked): tells the server nothing more will come (a half
    /// close) and waits, until <paramref name="cancellationToken"/> ends, for it to read the rest and close its side,
    /// so that every error it writes back is read and handed to <see cref="Unsolicited"/>. Does nothing when every
    /// message is answered (a send has read its answers) or no connection is open.
    /// </summary>
    public async Task CloseGracefullyAsync(CancellationToken cancellationToken)
    {
        if (_everyMessageAnswered)
        {
            return;
        }

        try
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            if (_disposed || _connection is not { Broken: false } connection)
            {
                return;
            }

            try
            {
                connection.Stream.Socket.Shutdown(SocketShutdown.Send);
                await connection.Closed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // Already closed, or the server keeps its side open past the stop timeout: dispose closes it.
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
            // Not disposed (it has no wait handle): a late send finds the transport disposed instead of a disposed gate.
            _gate.Release();
        }
    }

    private async ValueTask<Connection> ConnectedAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } existing)
        {
            if (!existing.Broken)
            {
                // Answers nobody waited for (from a send that gave up) must not be taken for this send's.
                while (existing.Answers.Reader.TryRead(out var stale))
                {
                    Interlocked.Decrement(ref existing.Pending);
                    Notify(stale);
                }

                return existing;
            }

            Drop(existing);
        }

        var protocol = _endPoint.AddressFamily == AddressFamily.Unix ? ProtocolType.Unspecified : ProtocolType.Tcp;
        var socket = new Socket(_endPoint.AddressFamily, SocketType.Stream, protocol);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_connectTimeout);
            await socket.ConnectAsync(_endPoint, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new IOException(string.Create(
                CultureInfo.InvariantCulture,
                $"Cannot connect to {_describe}: {WhyNotConnected(ex)}.{_connectAdvice} The next send tries again."), ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        Connects++;
        var connection = new Connection(socket, _everyMessageAnswered);
        _connection = connection;
        _ = Task.Run(() => ReadLoopAsync(connection), CancellationToken.None);
        return connection;
    }

    // What a user can act on: .NET words a missing socket file as "Cannot assign requested address", and a file that
    // is not a socket, or a socket nobody listens on, as "Connection refused".
    private string WhyNotConnected(Exception ex)
    {
        if (ex is OperationCanceledException)
        {
            return string.Create(CultureInfo.InvariantCulture, $"it timed out after {_connectTimeout}");
        }

        if (_endPoint is UnixDomainSocketEndPoint && ex is SocketException socketError && _endPoint.ToString() is { Length: > 0 } path)
        {
            // Checked first: a folder this process may not search hides the file from File.Exists too.
            if (socketError.SocketErrorCode == SocketError.AccessDenied)
            {
                return "permission denied (this process needs write permission on the socket and search permission on its folders)";
            }

            if (Directory.Exists(path))
            {
                return "it is a folder, not a socket";
            }

            if (!File.Exists(path))
            {
                return "there is no such file";
            }

            if (socketError.SocketErrorCode == SocketError.ConnectionRefused)
            {
                return "it is not a socket, or no agent listens on it (connection refused)";
            }
        }

        return ex.Message;
    }

    private void Drop(Connection connection)
    {
        connection.Close(null);
        if (ReferenceEquals(_connection, connection))
        {
            _connection = null;
        }
    }

    private async Task ReadLoopAsync(Connection connection)
    {
        var buffer = new byte[4096];
        var start = 0;
        var end = 0;
        string? reason = null;
        try
        {
            while (true)
            {
                // Every whole object in the buffer, then more bytes.
                while (start < end && TryReadAnswer(buffer.AsSpan(start, end - start), out var consumed, out var answer))
                {
                    start += consumed;
                    Take(connection, answer);
                }

                // White space between answers (a newline after each) is no part of one.
                while (start < end && buffer[start] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
                {
                    start++;
                }

                if (start == end)
                {
                    start = end = 0;
                }
                else if (end - start >= MaxAnswerBytes)
                {
                    reason = string.Create(CultureInfo.InvariantCulture, $": an answer was longer than {MaxAnswerBytes} bytes");
                    break;
                }
                else if (end == buffer.Length)
                {
                    if (start > 0)
                    {
                        buffer.AsSpan(start, end - start).CopyTo(buffer);
                    }
                    else
                    {
                        Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxAnswerBytes + 1));
                    }

                    end -= start;
                    start = 0;
                }

                var read = await connection.Stream.ReadAsync(buffer.AsMemory(end)).ConfigureAwait(false);
                if (read == 0)
                {
                    reason = start < end ? ": the server closed it in the middle of an answer" : string.Empty;
                    break;
                }

                end += read;
                if (Volatile.Read(ref connection.Pending) > MaxPendingAnswers)
                {
                    reason = string.Create(CultureInfo.InvariantCulture, $": over {MaxPendingAnswers} answers came that no message asked for");
                    break;
                }
            }
        }
        catch (JsonException ex)
        {
            reason = ": the server wrote something that is not a JSON object (" + ex.Message + ")";
        }
#pragma warning disable CA1031 // The reader only watches the connection; any failure just closes it.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        connection.Close(reason);
    }

    private void Take(Connection connection, StreamAnswer answer)
    {
        if (connection.ExpectAnswers)
        {
            Interlocked.Increment(ref connection.Pending);
            connection.Answers.Writer.TryWrite(answer);
        }
        else
        {
            Notify(answer);
        }
    }

    private void Notify(StreamAnswer answer)
    {
        if (!answer.IsError)
        {
            return;
        }

        try
        {
            Unsolicited?.Invoke(answer);
        }
#pragma warning disable CA1031 // A failing listener must not break the connection.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>
    /// Reads the JSON object at the start of <paramref name="data"/> (after white space): false when it is not all
    /// there yet. Only its top-level <c>status</c> and <c>message</c> are kept.
    /// </summary>
    /// <exception cref="JsonException">The data is not a JSON object.</exception>
    internal static bool TryReadAnswer(ReadOnlySpan<byte> data, out int consumed, out StreamAnswer answer)
    {
        consumed = 0;
        answer = default;
        var reader = new Utf8JsonReader(data, isFinalBlock: false, state: default);
        if (!reader.Read())
        {
            // Nothing but white space, or the first token is cut: wait for more.
            return false;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"expected an object, found {reader.TokenType}");
        }

        string? status = null;
        string? message = null;
        while (true)
        {
            if (!reader.Read())
            {
                return false;
            }

            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            var isStatus = reader.ValueTextEquals("status"u8);
            var isMessage = !isStatus && reader.ValueTextEquals("message"u8);
            if (!reader.Read())
            {
                return false;
            }

            if ((isStatus || isMessage) && reader.TokenType == JsonTokenType.String)
            {
                var text = Cut(reader.GetString()!);
                if (isStatus)
                {
                    status = text;
                }
                else
                {
                    message = text;
                }
            }
            else if (!reader.TrySkip())
            {
                return false;
            }
        }

        consumed = checked((int)reader.BytesConsumed);
        answer = new StreamAnswer(string.Equals(status, "error", StringComparison.OrdinalIgnoreCase), message);
        return true;
    }

    private static string Cut(string text) =>
        text.Length <= MaxMessageLength
            ? text
            : string.Create(CultureInfo.InvariantCulture, $"{text.AsSpan(0, MaxMessageLength)} (cut: the message was longer than {MaxMessageLength} characters)");

    private sealed class Connection
    {
        public Connection(Socket socket, bool expectAnswers)
        {
            Stream = new NetworkStream(socket, ownsSocket: true);
            ExpectAnswers = expectAnswers;
        }

        public NetworkStream Stream { get; }

        public Channel<StreamAnswer> Answers { get; } = Channel.CreateUnbounded<StreamAnswer>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        public volatile bool Broken;

        // Fixed for the connection: answers go to the sends in order, or to Unsolicited.
        public bool ExpectAnswers { get; }

        // Answers waiting in the channel.
        public int Pending;

        /// <summary>Why the connection closed, as the end of a sentence (": ..."), or empty.</summary>
        public string CloseReason { get; private set; } = string.Empty;

        /// <summary>Completes once the connection is closed (by either side).</summary>
        public Task Closed => _closed.Task;

        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Close(string? reason)
        {
            if (reason is not null && !Broken)
            {
                CloseReason = reason;
            }

            Broken = true;
            Answers.Writer.TryComplete();
            Stream.Dispose();
            _closed.TrySetResult();
        }
    }
}
