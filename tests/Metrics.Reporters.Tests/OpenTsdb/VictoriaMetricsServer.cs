using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Metrics.Reporters.Tests.OpenTsdb;

/// <summary>One series read back from VictoriaMetrics' export API.</summary>
internal sealed record ExportedSeries(string Name, IReadOnlyDictionary<string, string> Tags, IReadOnlyList<double> Values, IReadOnlyList<long> TimestampsMs)
{
    public IEnumerable<(long Ms, double Value)> Samples => TimestampsMs.Zip(Values);
}

/// <summary>
/// A real VictoriaMetrics (Debian's <c>victoria-metrics</c>), which speaks OpenTSDB telnet and HTTP, on 127.0.0.1
/// with free ports and a temporary data directory. When it cannot start, tests are ignored with the reason, or fail
/// when <c>METRICS_REQUIRE_BACKENDS=1</c> (set by scripts/test.sh under CI).
/// </summary>
internal sealed class VictoriaMetricsServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly StringBuilder _log = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(15) };
    private Process? _process;

    private VictoriaMetricsServer(string binary, string dataDir)
    {
        Binary = binary;
        DataDir = dataDir;
        HttpPort = FreePort();
        TelnetPort = FreePort();
        OpenTsdbHttpPort = FreePort();
    }

    public string Binary { get; }

    public string DataDir { get; }

    public int HttpPort { get; }

    public int TelnetPort { get; }

    public int OpenTsdbHttpPort { get; }

    /// <summary>OpenTSDB telnet put endpoint.</summary>
    public Uri TelnetEndpoint => new($"tcp://127.0.0.1:{TelnetPort}");

    /// <summary>OpenTSDB HTTP /api/put endpoint.</summary>
    public Uri HttpEndpoint => new($"http://127.0.0.1:{OpenTsdbHttpPort}/");

    private Uri Api => new($"http://127.0.0.1:{HttpPort}/");

    /// <summary>Starts a server, or ignores (fails under CI) the calling test when it cannot.</summary>
    public static async Task<VictoriaMetricsServer> StartOrSkipAsync()
    {
        var binary = FindBinary();
        if (binary == null)
        {
            Unavailable("victoria-metrics is not installed (apt-get install -y victoria-metrics).");
        }

        var dir = Directory.CreateTempSubdirectory("metrics-vm-").FullName;
        var server = new VictoriaMetricsServer(binary!, dir);
        try
        {
            await server.StartAsync();
            return server;
        }
        catch (Exception ex) when (ex is not NUnit.Framework.ResultStateException)
        {
            var log = server.LogTail();
            await server.DisposeAsync();
            Unavailable($"victoria-metrics could not be started: {ex.Message}\n{log}");
            throw;
        }
    }

    /// <summary>Starts the process (again) on the same ports and data directory and waits for /health.</summary>
    public async Task StartAsync()
    {
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add($"-storageDataPath={DataDir}");
        info.ArgumentList.Add($"-httpListenAddr=127.0.0.1:{HttpPort}");
        info.ArgumentList.Add($"-opentsdbListenAddr=127.0.0.1:{TelnetPort}");
        info.ArgumentList.Add($"-opentsdbHTTPListenAddr=127.0.0.1:{OpenTsdbHttpPort}");
        info.ArgumentList.Add("-loggerLevel=WARN");
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Log(e.Data);
        process.ErrorDataReceived += (_, e) => Log(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"victoria-metrics exited with code {process.ExitCode}.");
            }

            try
            {
                var health = await _http.GetStringAsync(new Uri(Api, "health"));
                if (health.Trim() == "OK")
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"victoria-metrics did not answer /health within {StartTimeout}.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Stops the process gracefully (SIGTERM: it flushes what it took in) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process || process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        _process = null;
    }

    /// <summary>Makes what was ingested readable, then exports every series whose name starts with <paramref name="prefix"/>.</summary>
    public async Task<IReadOnlyList<ExportedSeries>> ExportAsync(string prefix)
    {
        using (var flush = await _http.GetAsync(new Uri(Api, "internal/force_flush")))
        {
            flush.EnsureSuccessStatusCode();
        }

        var match = "{__name__=~\"" + System.Text.RegularExpressions.Regex.Escape(prefix).Replace("\\", "\\\\", StringComparison.Ordinal) + ".*\"}";
        var body = await _http.GetStringAsync(new Uri(Api, "api/v1/export?match[]=" + Uri.EscapeDataString(match)));
        var series = new List<ExportedSeries>();
        foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var labels = root.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            var name = labels["__name__"];
            labels.Remove("__name__");
            series.Add(new ExportedSeries(
                name,
                labels,
                root.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray(),
                root.GetProperty("timestamps").EnumerateArray().Select(v => v.GetInt64()).ToArray()));
        }

        return series.OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => string.Join(",", s.Tags.OrderBy(t => t.Key, StringComparer.Ordinal)), StringComparer.Ordinal).ToArray();
    }

    /// <summary>Exports until at least <paramref name="samples"/> samples are there, or fails the test after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<ExportedSeries>> WaitForSamplesAsync(string prefix, int samples, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var series = await ExportAsync(prefix);
            var count = series.Sum(s => s.Values.Count);
            if (count >= samples)
            {
                return series;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Expected {samples} samples of '{prefix}*' in VictoriaMetrics within {timeout}, found {count}: "
                    + string.Join("; ", series.Select(s => $"{s.Name}{{{string.Join(",", s.Tags.Select(t => t.Key + "=" + t.Value))}}} x{s.Values.Count}"))
                    + "\n" + LogTail());
            }

            await Task.Delay(25);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _http.Dispose();
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    public string LogTail()
    {
        lock (_log)
        {
            var text = _log.ToString();
            return text.Length > 2000 ? text[^2000..] : text;
        }
    }

    private static void Unavailable(string reason)
    {
        if (Environment.GetEnvironmentVariable("METRICS_REQUIRE_BACKENDS") == "1")
        {
            Assert.Fail("A real backend is required (METRICS_REQUIRE_BACKENDS=1) but " + reason);
        }

        Assert.Ignore(reason);
    }

    private static string? FindBinary()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin"))
        {
            var candidate = Path.Combine(dir, "victoria-metrics");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private void Log(string? line)
    {
        if (line == null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
