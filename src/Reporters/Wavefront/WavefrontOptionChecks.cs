namespace Metrics.Reporters.Wavefront;

/// <summary>Checks shared by the options of the Wavefront clients and of the reporter; each throws an <see cref="ArgumentException"/> naming the option.</summary>
internal static class WavefrontOptionChecks
{
    public static void Port(int? port, string name, bool mayBeNull = false)
    {
        if (port is int p && (p <= 0 || p > 65535))
        {
            throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name} is {p}; a port is between 1 and 65535{(mayBeNull ? " (or null to send nothing there)" : string.Empty)}."), name);
        }
    }

    public static void Server(Uri? server, string name)
    {
        if (server is null || !server.IsAbsoluteUri || (server.Scheme != Uri.UriSchemeHttps && server.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"{name} must be an absolute http or https address such as https://example.wavefront.com.", name);
        }
    }

    public static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name} is {value}; it must be positive."), name);
        }
    }

    public static void Host(string? host, string name)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            throw new ArgumentException($"{name} is blank; set it to the Wavefront proxy's host name or address.", name);
        }
    }
}
