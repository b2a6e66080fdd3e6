using System.Collections.Concurrent;
using Metrics.Reporters.Tests.Contract;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Wavefront;

/// <summary>
/// The reporter contract for <see cref="WavefrontReporter"/> over direct ingestion: the backend is an in-test
/// Wavefront server (HTTP) that accepts (204), fails transiently (503) or refuses the token (401).
/// </summary>
public class WavefrontReporterContractTests : ReporterContract
{
    private readonly ConcurrentQueue<string> _accepted = new();
    private HttpTestServer _server = null!;
    private volatile int _status = 204;

    protected override Task SetUpBackendAsync()
    {
        _accepted.Clear();
        _server = HttpTestServer.Start();
        _server.Handler = request =>
        {
            var status = _status;
            if (status == 204 && request.Query == "f=wavefront" && request.Header("Authorization") == "Bearer contract-token")
            {
                _accepted.Enqueue(request.Body);
            }

            return new TestResponse(status);
        };
        return Task.CompletedTask;
    }

    protected override Task TearDownBackendAsync()
    {
        _server.Dispose();
        return Task.CompletedTask;
    }

    protected override Reporter CreateReporter(MetricsRegistry registry, Action<ReporterOptions> configure)
    {
        var options = new WavefrontReporterOptions { Server = _server.BaseAddress, Token = "contract-token", Source = "contract-host" };
        configure(options);
        return new WavefrontReporter(registry, options);
    }

    protected override void BackendSucceeds() => _status = 204;

    protected override void BackendFailsTransiently() => _status = 503;

    protected override void BackendFailsPermanently() => _status = 401;

    protected override IReadOnlyList<ReceivedPoint> Received() =>
        _accepted.ToArray()
            .SelectMany(body => body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .Select(WavefrontLineParser.ParseMetric)
            .Select(p => new ReceivedPoint(p.Name, p.Tags, p.Value))
            .ToArray();
}
