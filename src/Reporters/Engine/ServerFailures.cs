using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Metrics.Reporters.Engine;

/// <summary>Hands a reporter's failures (errors its server writes back, failed sends) to the user's error handler, or to <see cref="ReportFailure.WriteDefault"/>.</summary>
/// <remarks>
/// Errors a server writes back (OpenTSDB's telnet error lines, the Tendrl agent's error objects) arrive on the
/// connection's read loop, which must never wait on user code: a handler slower than the errors would stop the
/// reading, then the server's writing (a simple server stops reading while its answer cannot go out), then the sends.
/// So errors are queued (at most <see cref="MaxPendingLines"/>) and handed over by a thread of this queue's own;
/// errors past that bound are counted and handed over as one failure with their count.
/// A stop waits for the lines handed over so far (<see cref="DrainAsync"/>): after it, the handler hears of none.
/// </remarks>
internal sealed class ServerFailures
{
    /// <summary>Server error lines that may wait for the handler; more are counted and reported together.</summary>
    internal const int MaxPendingLines = 1000;

    private readonly Action<ReportFailure>? _handler;
    private readonly ConcurrentQueue<string> _lines = new();
    private int _pendingLines;
    private long _droppedLines;
    private int _draining;
    private Action<ReportFailure>? _counted;

    // Lines (and counts of dropped lines) taken by ServerError and not yet handed over; DrainAsync waits for zero.
    private long _undelivered;
    private readonly object _idleLock = new();
    private TaskCompletionSource? _idle;

    // Set by DrainAsync: the handler hears of no more lines.
    private int _closed;

    // Null without a logger factory: failures without a handler then go to standard error.
    private readonly ILogger? _logger;

    // How messages name the server, what it writes back and what one such error stands for.
    private readonly ServerWords _words;

    public ServerFailures(string name, Action<ReportFailure>? handler, ILoggerFactory? loggerFactory, ServerWords? words = null)
    {
        Name = name;
        _handler = handler;
        _words = words ?? ServerWords.OpenTsdb;
        _logger = loggerFactory?.CreateLogger(_words.LogCategory);
    }

    /// <summary>How failures name a server (<c>OpenTSDB</c>), its errors (<c>error line(s)</c>), what one error stands for (<c>put</c>) and the log category.</summary>
    internal sealed record ServerWords(string Server, string Errors, string Item, string LogCategory)
    {
        public static ServerWords OpenTsdb { get; } = new("OpenTSDB", "error line(s)", "put", "Metrics.Reporters.OpenTsdb");
    }

    /// <summary>The reporter's name in failures (set once the engine has made it unique).</summary>
    public string Name { get; set; }

    /// <summary>
    /// Where a reporter counts server error lines (its engine's self-metrics and status, then the handler); null for
    /// the client, and for a reporter until its engine is built.
    /// </summary>
    public Action<ReportFailure>? Counted
    {
        get => Volatile.Read(ref _counted);
        set => Volatile.Write(ref _counted, value);
    }

    /// <summary>Error lines taken and not yet handed over (the one the handler is running for included).</summary>
    internal long Undelivered => Interlocked.Read(ref _undelivered);

    /// <summary>True while a stop waits in <see cref="DrainAsync"/> for lines to reach the handler.</summary>
    internal bool StopWaiting
    {
        get
        {
            lock (_idleLock)
            {
                return _idle is not null;
            }
        }
    }

    /// <summary>
    /// Where a reporter counts failures the handler will not hear of (lines left when a stop gave up waiting for the
    /// handler): its self-metrics and status only. Null for the client.
    /// </summary>
    public Action<ReportFailure>? CountOnly { get; set; }

    /// <summary>
    /// An error the server wrote back: one put (OpenTSDB) or message (Tendrl agent) failed. Returns at once (the
    /// error is handed over on this queue's own thread); when <see cref="MaxPendingLines"/> errors already wait, it is
    /// only counted, and the count is handed over as one failure once the waiting ones are.
    /// </summary>
    public void ServerError(string line)
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            // Read after the stop: the handler must not hear of it any more; it is counted and logged.
            Abandon(1, string.Create(CultureInfo.InvariantCulture, $"{_words.Server} answered after {Name} stopped (not handed to the error handler): {line}"));
            return;
        }

        Interlocked.Increment(ref _undelivered);
        if (Interlocked.Increment(ref _pendingLines) > MaxPendingLines)
        {
            Interlocked.Decrement(ref _pendingLines);
            Interlocked.Increment(ref _droppedLines);
        }
        else
        {
            _lines.Enqueue(line);
        }

        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            // A thread of its own, not a pool thread: a handler that blocks (slow logging, a lock) must not take the
            // pool thread that the connection's reading, and the application, need.
            new Thread(static self => ((ServerFailures)self!).Drain())
            {
                IsBackground = true,
                Name = "Metrics " + _words.Server + " errors",
            }.UnsafeStart(this);
        }
    }

    // One drainer at a time, while there is something to hand over: lines in arrival order, then the count of those
    // that found the queue full.
    private void Drain()
    {
        do
        {
            // Once a stop gave up waiting, it takes what is left itself (and counts it).
            while (Volatile.Read(ref _closed) == 0 && _lines.TryDequeue(out var line))
            {
                Interlocked.Decrement(ref _pendingLines);
                Deliver(new ReportFailure(Name, null, 0, 1, [$"{_words.Server} answered: {line}"]));
                Delivered(1);
            }

            var dropped = Volatile.Read(ref _closed) == 0 ? Interlocked.Exchange(ref _droppedLines, 0) : 0;
            if (dropped > 0)
            {
                Deliver(new ReportFailure(Name, null, 0, dropped, [
                    string.Create(CultureInfo.InvariantCulture, $"{_words.Server} answered {dropped} more {_words.Errors}, each one failed {_words.Item}, that are not shown: the error handler was slower than they arrived ({MaxPendingLines} were already waiting for it)."),
                ]));
                Delivered(dropped);
            }

            Volatile.Write(ref _draining, 0);
        }
        while (Volatile.Read(ref _closed) == 0 && (!_lines.IsEmpty || Interlocked.Read(ref _droppedLines) > 0) && Interlocked.CompareExchange(ref _draining, 1, 0) == 0);
    }

    private void Delivered(long lines)
    {
        if (Interlocked.Add(ref _undelivered, -lines) > 0)
        {
            return;
        }

        lock (_idleLock)
        {
            if (Interlocked.Read(ref _undelivered) <= 0)
            {
                _idle?.TrySetResult();
                _idle = null;
            }
        }
    }

    /// <summary>
    /// At stop, once the connection is closed: waits until every error line taken so far has reached the handler, so
    /// that none reaches it after the stop returned. When <paramref name="cancellationToken"/> (the stop timeout) ends
    /// the wait first, the lines still waiting are not handed over: they are counted (<see cref="CountOnly"/>) and
    /// written, with their number, to the log (or standard error) before this returns; a line the handler is
    /// already running for cannot be taken back. Afterwards lines are no longer handed over. Returns the number left.
    /// </summary>
    public async Task<long> DrainAsync(CancellationToken cancellationToken)
    {
        Task? wait = null;
        lock (_idleLock)
        {
            if (Interlocked.Read(ref _undelivered) > 0)
            {
                _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _idle.Task;
            }
        }

        if (wait is not null)
        {
            try
            {
                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return 0;
        }

        long left = 0;
        while (_lines.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _pendingLines);
            left++;
        }

        left += Interlocked.Exchange(ref _droppedLines, 0);
        if (left > 0)
        {
            Abandon(left, string.Create(CultureInfo.InvariantCulture, $"{left} {_words.Server} {_words.Errors}, each one failed {_words.Item}, were not handed to the error handler: it was still busy with earlier ones when {Name} stopped (StopTimeout)."));
        }

        return left;
    }

    // Lines the handler will not hear of: counted where the reporter counts failures, and logged (or written to
    // standard error), never handed to user code.
    private void Abandon(long lines, string message)
    {
        var failure = new ReportFailure(Name, null, 0, lines, [message]);
        try
        {
            CountOnly?.Invoke(failure);
        }
#pragma warning disable CA1031 // Counting must not break the stop or the read loop.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            (_logger ?? NullLogger.Instance).LogError(ex, "Counting server error lines of {Reporter} failed.", Name);
        }

        ReportFailure.WriteDefault(_logger, failure);
    }

    private void Deliver(ReportFailure failure)
    {
        try
        {
            if (Volatile.Read(ref _counted) is { } counted)
            {
                counted(failure);
            }
            else
            {
                Report(failure);
            }
        }
#pragma warning disable CA1031 // On a pool thread: an exception here would end the process.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            (_logger ?? NullLogger.Instance).LogError(ex, "Handing a server error line of {Reporter} over failed.", Name);
        }
    }

    public void Report(ReportFailure failure)
    {
        if (_handler == null)
        {
            ReportFailure.WriteDefault(_logger, failure);
            return;
        }

        try
        {
            _handler(failure);
        }
#pragma warning disable CA1031 // The user's handler must not break the sender.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            (_logger ?? NullLogger.Instance).LogError(ex, "The error handler of {Reporter} threw.", Name);
        }
    }
}
