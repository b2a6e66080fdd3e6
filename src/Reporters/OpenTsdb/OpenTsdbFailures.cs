using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Metrics.Reporters.OpenTsdb;

/// <summary>Hands failures (server error lines, failed sends) to the user's error handler, or to <see cref="ReportFailure.WriteDefault"/>.</summary>
/// <remarks>
/// Server error lines arrive on the connection's read loop, which must never wait on user code: a handler slower
/// than the lines would stop the reading, then the server's writing (a simple server stops reading puts while its
/// answer cannot go out), then the sends. So lines are queued (at most <see cref="MaxPendingLines"/>) and handed
/// over by a pool thread; lines past that bound are counted and handed over as one failure with their count.
/// </remarks>
internal sealed class OpenTsdbFailures
{
    /// <summary>Server error lines that may wait for the handler; more are counted and reported together.</summary>
    internal const int MaxPendingLines = 1000;

    private readonly Action<ReportFailure>? _handler;
    private readonly ConcurrentQueue<string> _lines = new();
    private int _pendingLines;
    private long _droppedLines;
    private int _draining;
    private Action<ReportFailure>? _counted;

    // Null without a logger factory: failures without a handler then go to standard error.
    private readonly ILogger? _logger;

    public OpenTsdbFailures(string name, Action<ReportFailure>? handler, ILoggerFactory? loggerFactory)
    {
        Name = name;
        _handler = handler;
        _logger = loggerFactory?.CreateLogger("Metrics.Reporters.OpenTsdb");
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

    /// <summary>
    /// An error line the telnet server wrote back: one put failed. Returns at once (the line is handed over on a pool
    /// thread); when <see cref="MaxPendingLines"/> lines already wait, it is only counted, and the count is handed
    /// over as one failure once the waiting lines are.
    /// </summary>
    public void ServerError(string line)
    {
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
            ThreadPool.UnsafeQueueUserWorkItem(static self => self.Drain(), this, preferLocal: false);
        }
    }

    // One drainer at a time, while there is something to hand over: lines in arrival order, then the count of those
    // that found the queue full.
    private void Drain()
    {
        do
        {
            while (_lines.TryDequeue(out var line))
            {
                Interlocked.Decrement(ref _pendingLines);
                Deliver(new ReportFailure(Name, null, 0, 1, [$"OpenTSDB answered: {line}"]));
            }

            var dropped = Interlocked.Exchange(ref _droppedLines, 0);
            if (dropped > 0)
            {
                Deliver(new ReportFailure(Name, null, 0, dropped, [
                    string.Create(CultureInfo.InvariantCulture, $"OpenTSDB answered {dropped} more error line(s), each one failed put, that are not shown: the error handler was slower than they arrived ({MaxPendingLines} lines were already waiting for it)."),
                ]));
            }

            Volatile.Write(ref _draining, 0);
        }
        while ((!_lines.IsEmpty || Interlocked.Read(ref _droppedLines) > 0) && Interlocked.CompareExchange(ref _draining, 1, 0) == 0);
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
