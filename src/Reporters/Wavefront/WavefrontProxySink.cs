using System.Net.Sockets;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters.Wavefront;

/// <summary>
/// Lines to a Wavefront proxy: one persistent TCP connection per port (metrics, distributions, tracing; span logs
/// go to the tracing port). The transport reconnects once and resends on a socket error.
/// </summary>
internal sealed class WavefrontProxySink : IWavefrontSink
{
    private readonly string _host;
    private readonly Dictionary<WavefrontDataKind, int> _ports = new();
    private readonly Dictionary<int, ILineTransport> _transports = new();
    private readonly Func<int, ILineTransport> _connect;
    private readonly TimeSpan _writeTimeout;
    private readonly TimeProvider _time;
    private readonly object _lock = new();
    private bool _disposed;

    public WavefrontProxySink(WavefrontProxyClientOptions options, Func<int, ILineTransport>? connect = null)
    {
        _host = options.Host;
        if (options.MetricsPort is int m)
        {
            _ports[WavefrontDataKind.Metric] = m;
        }

        if (options.DistributionPort is int d)
        {
            _ports[WavefrontDataKind.Distribution] = d;
        }

        if (options.TracingPort is int t)
        {
            _ports[WavefrontDataKind.Span] = t;
            _ports[WavefrontDataKind.SpanLog] = t;
        }

        var time = options.TimeProvider;
        _time = time;
        _writeTimeout = options.WriteTimeout;
        _connect = connect ?? (port => new TcpLineTransport(options.Host, port, time));
    }

    public string Name => "proxy";

    public bool Supports(WavefrontDataKind kind) => _ports.ContainsKey(kind);

    public string Unsupported(WavefrontDataKind kind) => kind switch
    {
        WavefrontDataKind.Metric => "No metrics port is set; set WavefrontProxyClientOptions.MetricsPort (the proxy's default is 2878) to send metrics.",
        WavefrontDataKind.Distribution => "No distribution port is set; set WavefrontProxyClientOptions.DistributionPort (the proxy's default is 40000) to send distributions.",
        _ => "No tracing port is set; set WavefrontProxyClientOptions.TracingPort (the proxy's default is 30000) to send spans.",
    };

    public async ValueTask<WavefrontSendStatus> SendAsync(WavefrontDataKind kind, ReadOnlyMemory<byte> lines, CancellationToken cancellationToken)
    {
        if (!_ports.TryGetValue(kind, out var port))
        {
            return WavefrontSendStatus.Rejected(Unsupported(kind));
        }

        ILineTransport transport;
        lock (_lock)
        {
            if (_disposed)
            {
                // A send that raced with closing the client: a new connection here would never be closed.
                return WavefrontSendStatus.Rejected(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The Wavefront proxy client was closed before the {kind.Describe()} could be written to {_host}:{port}."));
            }

            if (!_transports.TryGetValue(port, out transport!))
            {
                transport = _connect(port);
                _transports[port] = transport;
            }
        }

        using var timeout = new CancellationTokenSource(_writeTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await transport.WriteAsync(lines, linked.Token).ConfigureAwait(false);
            return WavefrontSendStatus.Delivered();
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The proxy stopped reading (its socket buffer is full): the transport dropped the connection, as part of
            // the batch may have gone out, and the batch is kept to be sent again on a fresh one.
            return WavefrontSendStatus.Transient(
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Writing {kind.Describe()} to the Wavefront proxy at {_host}:{port} did not finish within WriteTimeout ({_writeTimeout}); the proxy is not reading."),
                exception: ex);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            return WavefrontSendStatus.Transient($"Writing {kind.Describe()} to the Wavefront proxy at {_host}:{port} failed: {ex.Message}", exception: ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        ILineTransport[] transports;
        lock (_lock)
        {
            _disposed = true;
            transports = _transports.Values.ToArray();
            _transports.Clear();
        }

        foreach (var t in transports)
        {
            await t.DisposeAsync().ConfigureAwait(false);
        }
    }
}
