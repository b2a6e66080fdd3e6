using System.Globalization;

namespace Metrics.Reporters.OpenTsdb;

/// <summary>What the reporter and the client share, validated: the endpoint, the format and the transport settings.</summary>
internal sealed record OpenTsdbSettings(
    Uri Endpoint,
    bool IsTelnet,
    OpenTsdbFormat Format,
    TimeSpan ConnectTimeout,
    TimeSpan RequestTimeout,
    bool Gzip)
{
    /// <summary>The port telnet uses when the endpoint gives none.</summary>
    public const int DefaultPort = 4242;

    public string Host => Endpoint.IdnHost;

    public int Port => Endpoint.Port > 0 ? Endpoint.Port : DefaultPort;

    public static OpenTsdbSettings From(OpenTsdbReporterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Create(options.Endpoint, options.HostTag, options.MaxTags, options.InvalidCharacters, options.ConnectTimeout, options.RequestTimeout, options.Gzip);
    }

    public static OpenTsdbSettings From(OpenTsdbClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Create(options.Endpoint, options.HostTag, options.MaxTags, options.InvalidCharacters, options.ConnectTimeout, options.RequestTimeout, options.Gzip);
    }

    private static OpenTsdbSettings Create(
        Uri? endpoint,
        string? hostTag,
        int maxTags,
        OpenTsdbInvalidCharacters invalidCharacters,
        TimeSpan connectTimeout,
        TimeSpan requestTimeout,
        bool gzip)
    {
        if (endpoint is null)
        {
            throw new ArgumentException("Endpoint is required: set it to tcp://host:4242 for telnet put lines or http://host:4242 for /api/put.", nameof(endpoint));
        }

        if (!endpoint.IsAbsoluteUri || string.IsNullOrEmpty(endpoint.Host))
        {
            throw new ArgumentException($"Endpoint '{Transports.SafeUri.Describe(endpoint)}' is not an absolute URI with a host; use tcp://host:4242 or http://host:4242.", nameof(endpoint));
        }

        if (endpoint.Port == 0)
        {
            throw new ArgumentException($"Endpoint '{Transports.SafeUri.Describe(endpoint)}' has port 0; a port is between 1 and 65535 (leave it out of a tcp:// endpoint for OpenTSDB's {DefaultPort}).", nameof(endpoint));
        }

        var scheme = endpoint.Scheme.ToUpperInvariant();
        var telnet = scheme is "TCP" or "TELNET";
        if (!telnet && scheme is not ("HTTP" or "HTTPS"))
        {
            throw new ArgumentException(
                $"Endpoint scheme '{endpoint.Scheme}' is not supported; use tcp:// (telnet put lines) or http:// / https:// (/api/put).",
                nameof(endpoint));
        }

        if (!Enum.IsDefined(invalidCharacters))
        {
            throw new ArgumentOutOfRangeException(nameof(invalidCharacters), invalidCharacters, "InvalidCharacters must be Replace or Reject.");
        }

        if (maxTags < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxTags), maxTags, "MaxTags must be at least 1: OpenTSDB needs at least one tag per point.");
        }

        Positive(connectTimeout, "ConnectTimeout");
        Positive(requestTimeout, "RequestTimeout");

        if (!string.IsNullOrEmpty(hostTag))
        {
            var bad = OpenTsdbFormat.FirstInvalid(hostTag);
            if (bad >= 0)
            {
                if (invalidCharacters == OpenTsdbInvalidCharacters.Reject)
                {
                    throw new ArgumentException(
                        string.Create(CultureInfo.InvariantCulture, $"HostTag '{hostTag}' has a character OpenTSDB does not accept at position {bad}; give a host tag of letters, digits and - _ . /, or set InvalidCharacters = Replace."),
                        nameof(hostTag));
                }

                hostTag = OpenTsdbFormat.Sanitize(hostTag);
            }
        }

        return new OpenTsdbSettings(endpoint, telnet, new OpenTsdbFormat(hostTag, maxTags, invalidCharacters), connectTimeout, requestTimeout, gzip);
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
        }
    }
}
