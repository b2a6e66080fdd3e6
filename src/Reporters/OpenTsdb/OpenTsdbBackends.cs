using Metrics.Reporters.Engine;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters.OpenTsdb;

/// <summary>Picks the transport from the endpoint's scheme (unless one is injected) and builds the matching backend; the reporter and the client both build theirs here.</summary>
internal static class OpenTsdbBackends
{
    /// <summary>
    /// Creates the backend for <paramref name="settings"/>: over <paramref name="line"/> or <paramref name="http"/>
    /// when one is given (tests inject them), otherwise over the real transport the endpoint's scheme picks.
    /// </summary>
    /// <param name="settings">The validated settings.</param>
    /// <param name="serverError">Called with each error line a telnet server writes back.</param>
    /// <param name="time">The clock for reconnect backoff.</param>
    /// <param name="line">A telnet transport to use instead of a new one, or null.</param>
    /// <param name="http">An HTTP transport to use instead of a new one, or null.</param>
    public static IReportBackend Create(OpenTsdbSettings settings, Action<string> serverError, TimeProvider time, ILineTransport? line = null, IHttpTransport? http = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (line != null)
        {
            return new OpenTsdbTelnetBackend(line, settings.Format, serverError);
        }

        if (http != null)
        {
            return new OpenTsdbHttpBackend(http, settings.Endpoint, settings.Format, settings.Gzip);
        }

        return settings.IsTelnet
            ? new OpenTsdbTelnetBackend(new TcpLineTransport(settings.Host, settings.Port, time, settings.ConnectTimeout, settings.RequestTimeout), settings.Format, serverError)
            : new OpenTsdbHttpBackend(new HttpTransport(settings.RequestTimeout, time: time, connectTimeout: settings.ConnectTimeout, maxBodyChars: HttpTransport.DetailsMaxBodyChars), settings.Endpoint, settings.Format, settings.Gzip);
    }
}
