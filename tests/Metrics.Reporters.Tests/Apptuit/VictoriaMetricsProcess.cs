using System.Diagnostics;
using System.Text.Json;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.Apptuit;

/// <summary>
/// A VictoriaMetrics process on loopback with a temporary data directory, for reading back what the Apptuit client
/// and reporter send to its OpenTSDB HTTP <c>/api/put</c> (the same JSON as Apptuit's). Ignores the test when the
/// binary is missing, unless METRICS_REQUIRE_BACKENDS=1 (CI), where that fails it.
/// </summary>
internal sealed class VictoriaMetricsProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _dataDir;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private VictoriaMetricsProcess(Process process, string dataDir, int httpPort, int putPort)
    {
        _process = process;
        _dataDir = dataDir;
        HttpAddress = new Uri($"http://127.0.0.1:{httpPort}");
        OpenTsdbHttpAddress = new Uri($"http://127.0.0.1:{putPort}");
    }

    /// <summary>The query API (<c>/api/v1/export</c>).</summary>
    public Uri HttpAddress { get; }

    /// <summary>Where <c>/api/put</c> is served: use it as the Apptuit <c>ApiEndpoint</c>.</summary>
    public Uri OpenTsdbHttpAddress { get; }

    public static async Task<VictoriaMetricsProcess> StartAsync()
    {
        var binary = FindBinary();
        if (binary == null)
        {
            const string why = "victoria-metrics is not installed (apt-get install victoria-metrics)";
            if (Environment.GetEnvironmentVariable("METRICS_REQUIRE_BACKENDS") == "1")
            {
                Assert.Fail(why);
            }

            Assert.Ignore(why);
        }

        var dataDir = Path.Combine(Path.GetTempPath(), "vm-apptuit-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDir);
        var httpPort = HttpTestServer.FreePort();
        var putPort = HttpTestServer.FreePort();
        var info = new ProcessStartInfo(binary!)
        {
            ArgumentList =
            {
                "-storageDataPath=" + dataDir,
                $"-httpListenAddr=127.0.0.1:{httpPort}",
                $"-opentsdbHTTPListenAddr=127.0.0.1:{putPort}",
                "-loggerLevel=ERROR",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var vm = new VictoriaMetricsProcess(process, dataDir, httpPort, putPort);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                vm.Dispose();
                Assert.Fail($"victoria-metrics exited at start with code {process.ExitCode}");
            }

            if (await vm.IsUpAsync())
            {
                return vm;
            }

            await Task.Delay(50);
        }

        vm.Dispose();
        Assert.Fail("victoria-metrics did not answer /health within 20 s");
        return null!;
    }

    /// <summary>Exports the series whose name matches <paramref name="nameRegex"/>, waiting up to a deadline for <paramref name="expectedSeries"/> of them.</summary>
    public async Task<IReadOnlyList<ExportedSeries>> ExportAsync(string nameRegex, int expectedSeries, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        IReadOnlyList<ExportedSeries> series = Array.Empty<ExportedSeries>();
        while (DateTime.UtcNow < deadline)
        {
            await _http.GetAsync(new Uri(HttpAddress, "/internal/force_flush"));
            var body = await _http.GetStringAsync(new Uri(HttpAddress, "/api/v1/export?match[]=" + Uri.EscapeDataString("{__name__=~\"" + nameRegex + "\"}")));
            series = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(ExportedSeries.Parse).ToList();
            if (series.Count >= expectedSeries)
            {
                return series;
            }

            await Task.Delay(100);
        }

        return series;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        _http.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<bool> IsUpAsync()
    {
        try
        {
            var response = await _http.GetAsync(new Uri(HttpAddress, "/health"));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static string? FindBinary()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Append("/usr/bin").Append("/usr/local/bin"))
        {
            var path = Path.Combine(dir, "victoria-metrics");
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }
}

/// <summary>One line of <c>/api/v1/export</c>.</summary>
internal sealed record ExportedSeries(string Name, IReadOnlyDictionary<string, string> Tags, IReadOnlyList<double> Values, IReadOnlyList<long> TimestampsMs)
{
    public static ExportedSeries Parse(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var metric = doc.RootElement.GetProperty("metric");
        var tags = metric.EnumerateObject().Where(p => p.Name != "__name__").ToDictionary(p => p.Name, p => p.Value.GetString()!);
        return new ExportedSeries(
            metric.GetProperty("__name__").GetString()!,
            tags,
            doc.RootElement.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToList(),
            doc.RootElement.GetProperty("timestamps").EnumerateArray().Select(v => v.GetInt64()).ToList());
    }
}
