using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Metrics.Reporters.OpenTsdb;

/// <summary>Hands failures (server error lines, failed sends) to the user's error handler, or to <see cref="ReportFailure.WriteDefault"/>.</summary>
internal sealed class OpenTsdbFailures
{
    private readonly Action<ReportFailure>? _handler;
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

    /// <summary>An error line the telnet server wrote back: one put failed.</summary>
    public void ServerError(string line)
    {
        var failure = new ReportFailure(Name, null, 0, 1, [$"OpenTSDB answered: {line}"]);
        if (Volatile.Read(ref _counted) is { } counted)
        {
            counted(failure);
        }
        else
        {
            Report(failure);
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
