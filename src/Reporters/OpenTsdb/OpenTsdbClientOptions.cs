using Microsoft.Extensions.Logging;

namespace Metrics.Reporters;

/// <summary>Options of <see cref="OpenTsdbClient"/>. Validated once, when the client is constructed.</summary>
public sealed class OpenTsdbClientOptions
{
    /// <summary>
    /// Where OpenTSDB listens. Required. <c>tcp://host:4242</c> writes telnet <c>put</c> lines (port 4242 when
    /// none is given); <c>http://host:4242</c> or <c>https://...</c> posts JSON to <c>/api/put?details</c>.
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>
    /// The value of the <c>host</c> tag added to every point that has no <c>host</c> tag of its own.
    /// Default <see cref="Environment.MachineName"/>; empty (or null) adds no host tag.
    /// </summary>
    public string? HostTag { get; set; } = Environment.MachineName;

    /// <summary>The most tags a point may have, the host tag included. Default 8 (OpenTSDB's <c>tsd.storage.max_tags</c>).</summary>
    public int MaxTags { get; set; } = 8;

    /// <summary>What to do with characters OpenTSDB does not accept. Default <see cref="OpenTsdbInvalidCharacters.Replace"/>.</summary>
    public OpenTsdbInvalidCharacters InvalidCharacters { get; set; } = OpenTsdbInvalidCharacters.Replace;

    /// <summary>The most points waiting to be sent; when full, the oldest point is dropped, counted in <see cref="OpenTsdbClient.Dropped"/> and reported through <see cref="ErrorHandler"/>. Default 100,000.</summary>
    public int MaxQueueSize { get; set; } = 100_000;

    /// <summary>The most points sent per second; 0 for no limit. Default 0.</summary>
    public double MaxPointsPerSecond { get; set; }

    /// <summary>Points per write (telnet) or per request (HTTP). Default 50.</summary>
    public int BatchSize { get; set; } = 50;

    /// <summary>
    /// When true the constructor opens (and closes) a TCP connection to the endpoint and throws an
    /// <see cref="IOException"/> when it cannot, instead of connecting on the first send. Default false.
    /// </summary>
    public bool CheckConnectivity { get; set; }

    /// <summary>How long opening a connection may take. Default 5 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long one HTTP request, or one telnet write, may take. Default 30 seconds. A telnet write that takes longer
    /// means the server stopped reading: the connection is dropped and the batch fails as transient (retried, then
    /// kept in offline storage when configured).
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>HTTP only: gzip request bodies. Default true.</summary>
    public bool Gzip { get; set; } = true;

    /// <summary>How long disposing may take to send what is queued before it gives up on it. Default 5 seconds.</summary>
    public TimeSpan DisposeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Called, on the client's background thread, when points could not be delivered (rejected by the server,
    /// invalid, or failing while a send is retried) and, on a pool thread, with each error line the server writes back
    /// (while 1,000 lines wait for it, further ones come as one failure with their count). An exception
    /// it throws is logged and swallowed. Default null: failures are logged as warnings through <see cref="LoggerFactory"/>,
    /// or written to standard error (one line each) when there is no logger factory either.
    /// </summary>
    public Action<ReportFailure>? ErrorHandler { get; set; }

    /// <summary>Where the client logs. Default null (nothing is logged; failures without an error handler go to standard error).</summary>
    public ILoggerFactory? LoggerFactory { get; set; }
}
