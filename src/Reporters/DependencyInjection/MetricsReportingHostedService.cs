using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Metrics.Reporters.DependencyInjection;

/// <summary>
/// Starts every registered reporter with the host and, when the host stops, runs each reporter's final report and
/// stop in parallel within the host's shutdown timeout. A reporter that fails to start is logged and skipped; invalid
/// options fail the host's start with a message naming each problem.
/// </summary>
internal sealed partial class MetricsReportingHostedService : IHostedService
{
    private readonly ReporterSet _reporters;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;

    // The registry is resolved when the reporters are built, not here: creating it first would let a bad
    // Metrics:GlobalTags fail alone instead of being listed with every other problem.
    public MetricsReportingHostedService(ReporterSet reporters, IServiceProvider services, ILoggerFactory? loggerFactory = null)
    {
        _reporters = reporters;
        _services = services;
        _logger = (ILogger?)loggerFactory?.CreateLogger("Metrics.Reporting") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var reporters = _reporters.GetReporters();
        if (reporters.Count == 0)
        {
            // The same section given to AddMetricsReporting twice is one section to fix: said once.
            foreach (var path in _services.GetServices<ReportingSectionNote>().Select(n => n.Path).Distinct(StringComparer.Ordinal))
            {
                LogNoReporters(_logger, path.Length == 0 ? "(the root)" : path);
            }
        }

        foreach (var entry in reporters)
        {
            if (entry.Registration is { Name: null, CodeAdds: > 1 } registration)
            {
                LogAddedAgain(_logger, entry.Name, registration.CodeAdds, registration.Kind);
            }
        }

        var time = _services.GetRequiredService<MetricsRegistry>().TimeProvider;
        foreach (var entry in reporters)
        {
            if (entry.Reporter is null)
            {
                LogStartFailed(_logger, entry.StartError, entry.Name);
                continue;
            }

            try
            {
                entry.Reporter.Start();
                entry.StartError = null;
                entry.StartedAt = time.GetUtcNow();
                LogStarted(_logger, entry.Reporter.Name);
            }
#pragma warning disable CA1031 // One reporter failing to start must not stop the others or the application.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                entry.StartError = ex;
                LogStartFailed(_logger, ex, entry.Name);
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        var running = _reporters.Built.Where(e => e.Reporter is not null && e.StartedAt is not null).ToArray();
        return running.Length == 0 ? Task.CompletedTask : Task.WhenAll(running.Select(e => StopOneAsync(e, cancellationToken)));
    }

    private async Task StopOneAsync(ReporterEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            var before = entry.Reporter!.Status;

            // WaitAsync keeps the host's shutdown timeout even if a reporter ignores the token.
            await entry.Reporter.StopAsync(cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
            var after = entry.Reporter.Status;
            if (cancellationToken.IsCancellationRequested)
            {
                // The reporter gave up its flush when the token fired instead of throwing.
                LogStopTimedOut(_logger, entry.Name);
            }
            else if (after.Dropped > before.Dropped)
            {
                // Its own StopTimeout ran out, or the backend was down or refused the points: saying it sent its final
                // report would be wrong.
                LogStoppedWithDrops(_logger, entry.Name, after.Dropped - before.Dropped);
            }
            else if (after.ConsecutiveFailures > 0)
            {
                LogStoppedUndelivered(_logger, entry.Name);
            }
            else
            {
                LogStopped(_logger, entry.Name);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogStopTimedOut(_logger, entry.Name);
        }
#pragma warning disable CA1031 // A failing final report must not keep the other reporters from stopping.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogStopFailed(_logger, ex, entry.Name);
        }
        finally
        {
            entry.StartedAt = null;
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Metrics reporter {Reporter} started")]
    private static partial void LogStarted(ILogger logger, string reporter);

    [LoggerMessage(2, LogLevel.Error, "Metrics reporter {Reporter} failed to start; the application and the other reporters go on without it")]
    private static partial void LogStartFailed(ILogger logger, Exception? exception, string reporter);

    [LoggerMessage(3, LogLevel.Information, "Metrics reporter {Reporter} sent its final report and stopped")]
    private static partial void LogStopped(ILogger logger, string reporter);

    [LoggerMessage(4, LogLevel.Warning, "Metrics reporter {Reporter} did not finish its final report within the host's shutdown timeout")]
    private static partial void LogStopTimedOut(ILogger logger, string reporter);

    [LoggerMessage(5, LogLevel.Error, "Metrics reporter {Reporter} failed while stopping")]
    private static partial void LogStopFailed(ILogger logger, Exception exception, string reporter);

    [LoggerMessage(7, LogLevel.Warning, "Metrics reporter {Reporter} stopped without delivering all of its final report: {Dropped} points were dropped")]
    private static partial void LogStoppedWithDrops(ILogger logger, string reporter, long dropped);

    [LoggerMessage(8, LogLevel.Warning, "Metrics reporter {Reporter} stopped without delivering its final report: its last send failed (unsent points were kept in offline storage)")]
    private static partial void LogStoppedUndelivered(ILogger logger, string reporter);

    [LoggerMessage(9, LogLevel.Information, "Metrics reporter {Reporter} was added {Count} times with Add{Kind}() and no name: the calls configure this one reporter, their delegates in the order added. To run another {Kind} reporter, give it a name: Add{Kind}(o => ..., name: \"second\")")]
    private static partial void LogAddedAgain(ILogger logger, string reporter, int count, string kind);

    [LoggerMessage(6, LogLevel.Warning, "No metrics reporter runs: the configuration section {Section} given to AddMetricsReporting has no Reporters section (is its name right?), and no reporter was added in code")]
    private static partial void LogNoReporters(ILogger logger, string section);
}
