using Metrics.Reporters.Engine;
using Metrics.Reporters.OpenTsdb;
using Metrics.Reporters.Tendrl;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters;

/// <summary>
/// Reports a registry to the local Tendrl agent (Tendrl Nano Agent) over its Unix domain socket: one publish message
/// per point, <c>{"msg_type":"publish","data":{"metric":"orders.count","value":3.0,"tags":{"region":"eu"}},"timestamp":"..."}</c>,
/// with the options' message tags and entity. Only the local agent is supported, not Tendrl's HTTP API.
/// </summary>
/// <remarks>
/// Errors the agent writes back (<c>{"status":"error","message":"..."}</c>) reach the error handler with the agent's
/// message; with <see cref="TendrlReporterOptions.WaitForResponse"/> each point is acknowledged or failed by its own
/// answer. A connection the agent closed or reset fails the batch as transient: it is retried, then kept in offline
/// storage when configured. Thread-safe; see <see cref="Reporter"/> for the start, stop and disposal contract.
/// </remarks>
public sealed class TendrlReporter : Reporter
{
    /// <summary>Creates a reporter; call <see cref="Reporter.Start"/> to report on the interval.</summary>
    /// <param name="registry">The registry to report.</param>
    /// <param name="options">The options (the socket path defaults to <c>TENDRL_SOCKET</c>, else <c>/var/lib/tendrl/tendrl_agent.sock</c>).</param>
    /// <exception cref="ArgumentException">An option is invalid (the message names it and says what to give instead).</exception>
    public TendrlReporter(MetricsRegistry registry, TendrlReporterOptions options)
        : this(registry, options, Parts.Create(registry, options))
    {
    }

    private TendrlReporter(MetricsRegistry registry, TendrlReporterOptions options, Parts parts)
        : base(registry, options, parts.Backend)
    {
        Backend = parts.Backend;

        // The engine may have made the name unique ("tendrl-2"): errors the agent writes back carry the same name and
        // are counted by the engine like any failed point (self-metrics, status, health), then handed to the handler.
        parts.Failures.Name = Name;
        parts.Failures.Counted = Engine.ReportLateFailure;
        parts.Failures.CountOnly = Engine.CountLateFailure;
        Engine.DrainLateFailures = parts.Failures.DrainAsync;

        // Without WaitForResponse the agent's errors to the final report may still be on their way: the agent is
        // given until the stop timeout to read it all and answer, instead of losing them (and, as it fails to write
        // to a closed connection, the messages it had not read yet) with a connection closed at once.
        Engine.CloseBackend = parts.Backend.Transport.CloseGracefullyAsync;
    }

    /// <summary>The backend (tests reach the transport's state through it).</summary>
    internal TendrlAgentBackend Backend { get; }

    private sealed record Parts(TendrlAgentBackend Backend, ServerFailures Failures)
    {
        public static Parts Create(MetricsRegistry registry, TendrlReporterOptions options)
        {
            ArgumentNullException.ThrowIfNull(registry);
            ArgumentNullException.ThrowIfNull(options);
            var settings = TendrlSettings.From(options);
            var failures = new ServerFailures(options.Name ?? "tendrl", options.ErrorHandler, options.LoggerFactory, Words);
            var transport = new JsonStreamTransport(settings.EndPoint, "the Tendrl agent at " + settings.SocketPath, registry.TimeProvider, settings.ConnectTimeout, settings.RequestTimeout, settings.Format.Wait, ConnectAdvice);
            var backend = new TendrlAgentBackend(transport, settings.Format, failures.ServerError, registry.TimeProvider, KeepSettled(options, settings));
            return new Parts(backend, failures);
        }

        // With offline storage, how long a failed batch's points may come back: kept for Ttl once stored, and stored
        // after the retries (each a connect and a request, then a delay). Null without it.
        private static TimeSpan? KeepSettled(TendrlReporterOptions options, TendrlSettings settings)
        {
            if (options.OfflineStorage is not { } offline)
            {
                return null;
            }

            var retries = options.Retry?.MaxRetries ?? 0;
            var maxDelay = options.Retry?.MaxDelay ?? TimeSpan.Zero;
            var ticks = (double)offline.Ttl.Ticks + ((double)retries * maxDelay.Ticks) + ((retries + 1.0) * (settings.ConnectTimeout.Ticks + settings.RequestTimeout.Ticks));
            return ticks >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)ticks);
        }

        private const string ConnectAdvice = " Is the Tendrl agent running, and is SocketPath (or the " + TendrlReporterOptions.SocketPathVariable + " environment variable) the socket it listens on?";

        private static ServerFailures.ServerWords Words { get; } = new("Tendrl agent", "error(s)", "message", "Metrics.Reporters.Tendrl");
    }
}
