using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Metrics.Reporters.Tendrl;

/// <summary>The validated options of a <see cref="TendrlReporter"/>: the socket's address, the message format and the timeouts.</summary>
internal sealed record TendrlSettings(
    string SocketPath,
    UnixDomainSocketEndPoint EndPoint,
    TendrlFormat Format,
    TimeSpan ConnectTimeout,
    TimeSpan RequestTimeout)
{
    /// <summary>Validates <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names it and says what to give instead.</exception>
    public static TendrlSettings From(TendrlReporterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.SocketPath))
        {
            throw new ArgumentException(
                $"SocketPath is required: give the Tendrl agent's Unix socket, e.g. \"{TendrlReporterOptions.DefaultSocketPath}\" (or set the {TendrlReporterOptions.SocketPathVariable} environment variable).",
                nameof(options));
        }

        // sun_path: 108 bytes on Linux (104 on macOS and the BSDs), the terminating zero included.
        var maxBytes = OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? 103 : 107;
        var bytes = Encoding.UTF8.GetByteCount(options.SocketPath);
        if (bytes > maxBytes)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"SocketPath '{options.SocketPath}' is {bytes} bytes long (UTF-8), but a Unix socket path holds at most {maxBytes} bytes here: give a shorter path (make the agent listen in a shorter folder, or link one to its socket's folder) in SocketPath or the {TendrlReporterOptions.SocketPathVariable} environment variable."),
                nameof(options));
        }

        UnixDomainSocketEndPoint endPoint;
        try
        {
            endPoint = new UnixDomainSocketEndPoint(options.SocketPath);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException(
                $"SocketPath '{options.SocketPath}' cannot be a Unix socket address ({ex.Message}); give the path of the Tendrl agent's socket in SocketPath or the {TendrlReporterOptions.SocketPathVariable} environment variable.",
                nameof(options),
                ex);
        }

        var tags = options.MessageTags ?? [];
        if (tags.Count > TendrlReporterOptions.MaxMessageTags)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"MessageTags has {tags.Count} tags; the Tendrl agent rejects messages with more than {TendrlReporterOptions.MaxMessageTags}: keep at most {TendrlReporterOptions.MaxMessageTags} (put the rest in the points' tags)."),
                nameof(options));
        }

        for (var i = 0; i < tags.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(tags[i]))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"MessageTags[{i}] is empty or blank; give every message tag some text, or leave it out."),
                    nameof(options));
            }
        }

        if (options.Entity is { Length: > 0 } entity && string.IsNullOrWhiteSpace(entity))
        {
            throw new ArgumentException("Entity is blank; give the entity to publish to, or leave Entity null for the agent's own.", nameof(options));
        }

        Positive(options.ConnectTimeout, "ConnectTimeout");
        Positive(options.RequestTimeout, "RequestTimeout");
        var format = new TendrlFormat(string.IsNullOrEmpty(options.Entity) ? null : options.Entity, tags, options.WaitForResponse);
        return new TendrlSettings(options.SocketPath, endPoint, format, options.ConnectTimeout, options.RequestTimeout);
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value > Engine.OptionsValidator.MaxTimerSpan)
        {
            throw new ArgumentOutOfRangeException(
                name,
                value,
                string.Create(CultureInfo.InvariantCulture, $"{name} must be positive and at most 49 days (was {value}); e.g. 00:00:30."));
        }
    }
}
