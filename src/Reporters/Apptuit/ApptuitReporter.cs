using Metrics.Reporters.Apptuit;
using Metrics.Reporters.Engine;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters;

/// <summary>
/// Reports a registry to Apptuit every <see cref="ReporterOptions.Interval"/>, with the series names and tags that
/// apptuit-py's pyformance reporter produces (<c>prefix + name + "." + key</c>, sanitized).
/// </summary>
/// <example>
/// <code>
/// var reporter = new ApptuitReporter(registry, new ApptuitReporterOptions { Token = "...", Prefix = "myapp.", Tags = new Tags(("service", "orders")) });
/// reporter.Start();
/// </code>
/// </example>
/// <remarks>Thread-safe. Stop or dispose it to flush the last points.</remarks>
public sealed class ApptuitReporter : Reporter
{
    /// <summary>Creates a reporter; call <see cref="Reporter.Start"/> to report on the interval.</summary>
    /// <exception cref="InvalidOperationException">No token in the options nor in <c>APPTUIT_API_TOKEN</c>.</exception>
    /// <exception cref="FormatException"><c>APPTUIT_TAGS</c> or <c>APPTUIT_DISABLE_HOST_TAG</c> is malformed.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public ApptuitReporter(MetricsRegistry registry, ApptuitReporterOptions options)
        : this(registry, options, transport: null, ApptuitEnvironment.Process, HostName())
    {
    }

    internal ApptuitReporter(MetricsRegistry registry, ApptuitReporterOptions options, IHttpTransport? transport, ApptuitEnvironment environment, string hostName)
        : base(registry, options, CreateBackend(registry, options, transport, environment, hostName))
    {
        if (options.ProcessMetrics)
        {
            Metrics.ProcessMetrics.Register(registry);
        }
    }

    /// <summary>
    /// The host name as apptuit-py's <c>socket.gethostname()</c> gives it: the full name (<c>ip-10-0-0-1.ec2.internal</c>),
    /// where <see cref="Environment.MachineName"/> cuts it at the first dot on Linux and at 15 characters on Windows,
    /// which would put a migrated service's points in other series.
    /// </summary>
    internal static string HostName()
    {
        try
        {
            var name = System.Net.Dns.GetHostName();
            return string.IsNullOrWhiteSpace(name) ? Environment.MachineName : name;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return Environment.MachineName;
        }
    }

    private static ApptuitBackend CreateBackend(MetricsRegistry registry, ApptuitReporterOptions options, IHttpTransport? transport, ApptuitEnvironment environment, string hostName)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"ApptuitReporterOptions.RequestTimeout is {options.RequestTimeout}; it must be positive."), nameof(options));
        }

        if (options.RetryCount < 0)
        {
            throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"ApptuitReporterOptions.RetryCount is {options.RetryCount}; it must be 0 or more."), nameof(options));
        }

        var token = environment.ResolveToken(options.Token);
        var endpoint = ApptuitApi.CheckEndpoint(options.ApiEndpoint ?? ApptuitClientOptions.DefaultApiEndpoint);
        var disableHost = environment.ResolveDisableHostTag(options.DisableHostTag);
        var rules = new ApptuitPointRules(options.SanitizeMode, environment.ResolveTags(null), disableHost ? null : hostName);
        var api = new ApptuitApi(transport ?? new HttpTransport(options.RequestTimeout, time: registry.TimeProvider, maxBodyChars: HttpTransport.DetailsMaxBodyChars), endpoint, token, options.UseGzip);
        return new ApptuitBackend(api, rules);
    }
}
