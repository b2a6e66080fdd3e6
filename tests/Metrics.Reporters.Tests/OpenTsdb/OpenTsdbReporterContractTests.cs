using System.Collections.Concurrent;
using System.Text.Json;
using Metrics.Reporters.Tests.Contract;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.OpenTsdb;

/// <summary>
/// The reporter contract for <see cref="OpenTsdbReporter"/> over HTTP: an in-test server answers like OpenTSDB's
/// <c>/api/put?details</c> (200 with details, 503 when failing transiently, 400 with OpenTSDB's error envelope when
/// failing for good), and the points of the requests it accepted are parsed back from their JSON bodies.
/// </summary>
public class OpenTsdbReporterContractTests : ReporterContract
{
    private readonly ConcurrentQueue<ReceivedPoint> _accepted = new();
    private HttpTestServer _server = null!;
    private volatile string _mode = "ok";

    protected override Task SetUpBackendAsync()
    {
        _accepted.Clear();
        _server = HttpTestServer.Start();
        _server.Handler = Answer;
        return Task.CompletedTask;
    }

    protected override Task TearDownBackendAsync()
    {
        _server.Dispose();
        return Task.CompletedTask;
    }

    protected override Reporter CreateReporter(MetricsRegistry registry, Action<ReporterOptions> configure)
    {
        var options = new OpenTsdbReporterOptions { Endpoint = _server.BaseAddress, HostTag = "contract-host" };
        configure(options);
        return new OpenTsdbReporter(registry, options);
    }

    protected override void BackendSucceeds() => _mode = "ok";

    protected override void BackendFailsTransiently() => _mode = "transient";

    protected override void BackendFailsPermanently() => _mode = "permanent";

    protected override IReadOnlyList<ReceivedPoint> Received() => _accepted.ToArray();

    private TestResponse Answer(RecordedRequest request)
    {
        switch (_mode)
        {
            case "transient":
                return new TestResponse(503, "TSD is shutting down");
            case "permanent":
                return TestResponse.Json(400, "{\"error\":{\"code\":400,\"message\":\"Unable to parse the given JSON\"}}");
        }

        using var body = JsonDocument.Parse(request.Body);
        foreach (var point in body.RootElement.EnumerateArray())
        {
            var tags = point.GetProperty("tags").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            _accepted.Enqueue(new ReceivedPoint(point.GetProperty("metric").GetString()!, tags, point.GetProperty("value").GetDouble()));
        }

        return TestResponse.Json(200, $"{{\"success\":{body.RootElement.GetArrayLength()},\"failed\":0,\"errors\":[]}}");
    }
}
