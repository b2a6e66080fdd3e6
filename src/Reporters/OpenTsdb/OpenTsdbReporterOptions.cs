namespace Metrics.Reporters;

/// <summary>
/// Options of <see cref="OpenTsdbReporter"/>: the common <see cref="ReporterOptions"/> plus where and how to reach
/// OpenTSDB. <see cref="ReporterOptions.BatchSize"/> defaults to 50 here, the batch size OpenTSDB's documentation
/// advises for <c>/api/put</c>. Validated once, when the reporter is constructed.
/// </summary>
public sealed class OpenTsdbReporterOptions : ReporterOptions
{
    /// <summary>Creates options with OpenTSDB's defaults (batches of 50 points).</summary>
    public OpenTsdbReporterOptions() => BatchSize = 50;

    /// <summary>
    /// Where OpenTSDB listens. Required. The scheme picks the transport: <c>tcp://host:4242</c> writes telnet
    /// <c>put</c> lines on a persistent connection (port 4242 when none is given); <c>http://host:4242</c> or
    /// <c>https://...</c> posts JSON to <c>/api/put?details</c> under the given path.
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>
    /// The value of the <c>host</c> tag added to every point that has no <c>host</c> tag of its own.
    /// Default <see cref="Environment.MachineName"/>; empty (or null) adds no host tag.
    /// </summary>
    public string? HostTag { get; set; } = Environment.MachineName;

    /// <summary>The most tags a point may have, the host tag included; a point with more fails with a message through the error handler. Default 8 (OpenTSDB's <c>tsd.storage.max_tags</c>).</summary>
    public int MaxTags { get; set; } = 8;

    /// <summary>What to do with characters OpenTSDB does not accept in names, tag keys and values. Default <see cref="OpenTsdbInvalidCharacters.Replace"/>.</summary>
    public OpenTsdbInvalidCharacters InvalidCharacters { get; set; } = OpenTsdbInvalidCharacters.Replace;

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
}
