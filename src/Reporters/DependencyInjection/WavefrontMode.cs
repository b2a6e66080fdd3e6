namespace Metrics.Reporters.DependencyInjection;

/// <summary>Checks that Wavefront options match the builder method (proxy or direct ingestion) they were given to.</summary>
internal static class WavefrontMode
{
    public static WavefrontReporterOptions RequireProxy(WavefrontReporterOptions options)
    {
        if (options.Server is not null)
        {
            throw new ArgumentException("A Wavefront proxy reporter sends to ProxyHost; Server and Token are for direct ingestion (AddWavefrontDirect, or \"Type\": \"WavefrontDirect\" in configuration).", nameof(options));
        }

        if (string.IsNullOrWhiteSpace(options.ProxyHost))
        {
            throw new ArgumentException("Set ProxyHost to the Wavefront proxy's host name or address, e.g. \"localhost\" (MetricsPort defaults to 2878).", nameof(options));
        }

        return options;
    }

    public static WavefrontReporterOptions RequireDirect(WavefrontReporterOptions options)
    {
        if (options.ProxyHost is not null)
        {
            throw new ArgumentException("A Wavefront direct-ingestion reporter sends to Server with Token; ProxyHost is for a proxy (AddWavefrontProxy, or \"Type\": \"WavefrontProxy\" in configuration).", nameof(options));
        }

        if (options.Server is null)
        {
            throw new ArgumentException("Set Server to the Wavefront server, e.g. \"https://example.wavefront.com\", and Token to an API token.", nameof(options));
        }

        return options;
    }
}
