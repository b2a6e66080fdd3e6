using System.Collections.Concurrent;
using System.Text.Json;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Apptuit;

/// <summary>
/// An in-test Apptuit API on <see cref="HttpTestServer"/>: checks the bearer token (401 otherwise), decompresses and
/// parses the JSON body, answers 413 above <see cref="MaxPointsPerRequest"/>, 400 with details for points that
/// <see cref="Reject"/> refuses, scripted statuses from <see cref="Script"/> first, and 204 otherwise. Stores
/// accepted points and answers <c>/api/query</c> from them.
/// </summary>
internal sealed class ApptuitTestServer : IDisposable
{
    private readonly HttpTestServer _server;
    private readonly ConcurrentQueue<int> _script = new();
    private readonly ConcurrentQueue<TestResponse> _faults = new();
    private readonly ConcurrentQueue<StoredPoint> _points = new();

    public ApptuitTestServer(string token)
    {
        Token = token;
        _server = HttpTestServer.Start();
        _server.Handler = Handle;
    }

    public string Token { get; }

    public Uri Endpoint => _server.BaseAddress;

    public int MaxPointsPerRequest { get; set; } = int.MaxValue;

    /// <summary>When set, every request is answered with this status (after the token check), until cleared.</summary>
    public int? FailEverythingWith { get; set; }

    /// <summary>Returns an error for a point to refuse (answered 400 with details), or null to store it.</summary>
    public Func<StoredPoint, string?>? Reject { get; set; }

    public IReadOnlyList<StoredPoint> Points => _points.ToArray();

    public IReadOnlyList<RecordedRequest> Requests => _server.Requests;

    public IReadOnlyList<RecordedRequest> PutRequests => _server.Requests.Where(r => r.Path == "/api/put").ToArray();

    /// <summary>Statuses to answer to the next requests, before any other rule (500, 401, ...).</summary>
    public void Script(params int[] statuses)
    {
        foreach (var s in statuses)
        {
            _script.Enqueue(s);
        }
    }

    /// <summary>Transport faults to answer the next requests with, before the token check (a stall, a dropped connection).</summary>
    public void ScriptFault(TestResponse fault) => _faults.Enqueue(fault);

    public Task<IReadOnlyList<RecordedRequest>> WaitForRequestsAsync(int count) => _server.WaitForRequestsAsync(count, TimeSpan.FromSeconds(10));

    public void Dispose() => _server.Dispose();

    private TestResponse Handle(RecordedRequest request)
    {
        if (_faults.TryDequeue(out var fault))
        {
            return fault;
        }

        if (request.Header("Authorization") != "Bearer " + Token)
        {
            return TestResponse.Json(401, """{"error":"unauthorized"}""");
        }

        if (_script.TryDequeue(out var status) || FailEverythingWith is int failing && (status = failing) > 0)
        {
            return new TestResponse(status, status >= 500 ? "internal error" : string.Empty);
        }

        return request.Path switch
        {
            "/api/put" => Put(request),
            "/api/query" => Query(request),
            _ => new TestResponse(404),
        };
    }

    private TestResponse Put(RecordedRequest request)
    {
        if (request.Method != "POST" || !request.Query.Contains("details", StringComparison.Ordinal))
        {
            return new TestResponse(400, "expected POST /api/put?details");
        }

        if (request.Header("Content-Encoding") is not ("deflate" or "gzip") || request.Header("Content-Type") != "application/json")
        {
            return new TestResponse(400, "expected a compressed JSON body");
        }

        using var doc = JsonDocument.Parse(request.Body);
        var points = doc.RootElement.EnumerateArray().Select(StoredPoint.From).ToList();
        if (points.Count > MaxPointsPerRequest)
        {
            return new TestResponse(413, "payload too large");
        }

        var errors = new List<object>();
        var accepted = 0;
        foreach (var (point, raw) in points.Zip(doc.RootElement.EnumerateArray()))
        {
            var error = Reject?.Invoke(point);
            if (error == null)
            {
                _points.Enqueue(point);
                accepted++;
            }
            else
            {
                errors.Add(new { datapoint = JsonSerializer.Deserialize<JsonElement>(raw.GetRawText()), error });
            }
        }

        return errors.Count == 0
            ? new TestResponse(204)
            : TestResponse.Json(400, JsonSerializer.Serialize(new { success = accepted, failed = errors.Count, errors }));
    }

    private TestResponse Query(RecordedRequest request)
    {
        var query = System.Web.HttpUtility.ParseQueryString(request.Query);
        var q = query["q"] ?? string.Empty;
        var metric = q.Split('\'')[1];
        var series = Points.Where(p => p.Metric == metric)
            .GroupBy(p => string.Join(",", p.Tags.OrderBy(t => t.Key).Select(t => t.Key + "=" + t.Value)))
            .Select(g => new { metric, tags = g.First().Tags, dps = g.Select(p => new object[] { p.Timestamp, p.Value }).ToArray() })
            .ToArray();
        return TestResponse.Json(200, JsonSerializer.Serialize(new { outputs = new[] { new { id = metric, result = series } } }));
    }
}

internal sealed record StoredPoint(string Metric, long Timestamp, double Value, IReadOnlyDictionary<string, string> Tags, string RawValue)
{
    public static StoredPoint From(JsonElement e) => new(
        e.GetProperty("metric").GetString()!,
        e.GetProperty("timestamp").GetInt64(),
        e.GetProperty("value").GetDouble(),
        e.GetProperty("tags").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
        e.GetProperty("value").GetRawText());
}
