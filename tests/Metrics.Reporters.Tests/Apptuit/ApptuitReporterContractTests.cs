using Metrics.Reporters.Apptuit;
using Metrics.Reporters.Tests.Contract;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters.Tests.Apptuit;

/// <summary>The reporter contract for <see cref="ApptuitReporter"/> against the in-test Apptuit server.</summary>
public class ApptuitReporterContractTests : ReporterContract
{
    private const string Token = "contract-token";
    private ApptuitTestServer _server = null!;

    protected override Task SetUpBackendAsync()
    {
        _server = new ApptuitTestServer(Token);
        return Task.CompletedTask;
    }

    protected override Task TearDownBackendAsync()
    {
        _server.Dispose();
        return Task.CompletedTask;
    }

    protected override Reporter CreateReporter(MetricsRegistry registry, Action<ReporterOptions> configure)
    {
        // The Apptuit sanitizer keeps the contract's dotted names (contract.orders.count) as they are.
        var options = new ApptuitReporterOptions { Token = Token, ApiEndpoint = _server.Endpoint, SanitizeMode = ApptuitSanitizeMode.Apptuit };
        configure(options);
        return new ApptuitReporter(registry, options, new HttpTransport(TimeSpan.FromSeconds(10)), new ApptuitEnvironment(_ => null), "contract-host");
    }

    protected override void BackendSucceeds() => _server.FailEverythingWith = null;

    protected override void BackendFailsTransiently() => _server.FailEverythingWith = 503;

    protected override void BackendFailsPermanently() => _server.FailEverythingWith = 401;

    protected override IReadOnlyList<ReceivedPoint> Received() =>
        _server.Points.Select(p => new ReceivedPoint(p.Metric, p.Tags, p.Value)).ToArray();
}
