using Metrics.Reporters.Engine;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters.OpenTsdb;

/// <summary>Picks the transport from the endpoint's scheme and builds the matching backend.</summary>
internal static class OpenTsdbBackends
{
    /// <summary>Creates the backend for <paramref name="settings"/> with a real transport.</summary>
    /// <param name="settings">The validated settings.</param>
    /// <param name="serverError">Called with each error line a telnet server writes back.</param>
    /// <param name="time">The clock for reconnect backoff.</param>
    public static IReportBackend Create(OpenTsdbSettings settings, Action<string> serverError, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.IsTelnet
            ? new OpenTsdbTelnetBackend(new TcpLineTransport(settings.Host, settings.Port, time, settings.ConnectTimeout), settings.Format, serverError)
            : new OpenTsdbHttpBackend(new HttpTransport(settings.RequestTimeout, ConnectHandler(settings), time), settings.Endpoint, settings.Format, settings.Gzip);
    }

    private static SocketsHttpHandler ConnectHandler(OpenTsdbSettings settings) => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        ConnectTimeout = settings.ConnectTimeout,
    };
}
