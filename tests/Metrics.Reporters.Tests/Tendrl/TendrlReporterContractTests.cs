using System.Collections.Concurrent;
using Metrics.Reporters.Tests.Contract;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Tendrl;

/// <summary>
/// The reporter contract for <see cref="TendrlReporter"/> with <see cref="TendrlReporterOptions.WaitForResponse"/>: an
/// in-test agent on a Unix socket answers every message; failing transiently it refuses connections, failing for good
/// it answers every message with an error. The points it accepted are read back from the messages.
/// </summary>
public class TendrlReporterContractTests : ReporterContract
{
    private readonly ConcurrentQueue<ReceivedPoint> _accepted = new();
    private TendrlAgentServer _agent = null!;
    private volatile bool _refusing;
    private volatile bool _down;

    protected override Task SetUpBackendAsync()
    {
        _accepted.Clear();
        _agent = TendrlAgentServer.Start();
        _agent.Refuse = message =>
        {
            if (_refusing)
            {
                return "Invalid data";
            }

            var data = message.GetProperty("data");
            var tags = data.TryGetProperty("tags", out var t) ? t.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!) : new Dictionary<string, string>();
            _accepted.Enqueue(new ReceivedPoint(data.GetProperty("metric").GetString()!, tags, data.GetProperty("value").GetDouble()));
            return null;
        };
        return Task.CompletedTask;
    }

    protected override async Task TearDownBackendAsync() => await _agent.DisposeAsync();

    protected override Reporter CreateReporter(MetricsRegistry registry, Action<ReporterOptions> configure)
    {
        var options = new TendrlReporterOptions { SocketPath = _agent.SocketPath, WaitForResponse = true };
        configure(options);
        return new TendrlReporter(registry, options);
    }

    protected override void BackendSucceeds()
    {
        _refusing = false;
        if (_down)
        {
            _down = false;
            _agent.AcceptConnections();
        }
    }

    protected override void BackendFailsTransiently()
    {
        _refusing = false;
        if (!_down)
        {
            _down = true;
            _agent.RefuseConnections();
            _agent.DropConnections();
        }
    }

    protected override void BackendFailsPermanently() => _refusing = true;

    protected override IReadOnlyList<ReceivedPoint> Received() => _accepted.ToArray();
}
