using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Metrics.Benchmarks;

/// <summary>
/// A VictoriaMetrics process on loopback for the end-to-end run: a temporary data directory, free ports for HTTP and
/// the OpenTSDB telnet listener, started and healthy before use, killed and cleaned up on dispose.
/// </summary>
internal sealed class VictoriaMetrics : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _output = new();
    private readonly HttpClient _http;

    private VictoriaMetrics(Process process, string dataPath, int httpPort, int telnetPort)
    {
        _process = process;
        DataPath = dataPath;
        HttpPort = httpPort;
        TelnetPort = telnetPort;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public string DataPath { get; }

    public int HttpPort { get; }

    public int TelnetPort { get; }

    public static async Task<VictoriaMetrics> StartAsync(string executable)
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "metrics-e2e-vm-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataPath);
        var httpPort = FreePort();
        var telnetPort = FreePort();
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-storageDataPath=" + dataPath);
        info.ArgumentList.Add($"-httpListenAddr=127.0.0.1:{httpPort}");
        info.ArgumentList.Add($"-opentsdbListenAddr=127.0.0.1:{telnetPort}");
        info.ArgumentList.Add("-loggerLevel=WARN");

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"'{executable}' did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Directory.Delete(dataPath, recursive: true);
            throw new InvalidOperationException($"Cannot start '{executable}' ({ex.Message}); install Debian's victoria-metrics package or pass --victoria-metrics PATH.", ex);
        }

        var vm = new VictoriaMetrics(process, dataPath, httpPort, telnetPort);
        process.OutputDataReceived += (_, e) => vm.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => vm.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await vm.WaitHealthyAsync(TimeSpan.FromSeconds(30));
        }
        catch
        {
            await vm.DisposeAsync();
            throw;
        }

        return vm;
    }

    /// <summary>
    /// Flushes VictoriaMetrics' buffers and counts the samples of the series whose name matches <paramref name="nameRegex"/>,
    /// through <c>/api/v1/export</c>, until there are <paramref name="expected"/> or <paramref name="timeout"/> passes.
    /// </summary>
    public async Task<long> CountSamplesAsync(string nameRegex, long expected, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        var match = Uri.EscapeDataString("{__name__=~\"" + nameRegex + "\"}");
        long count;
        while (true)
        {
            using (var flush = await _http.GetAsync("internal/force_flush"))
            {
                flush.EnsureSuccessStatusCode();
            }

            count = 0;
            using (var response = await _http.GetAsync("api/v1/export?match[]=" + match, HttpCompletionOption.ResponseHeadersRead))
            {
                response.EnsureSuccessStatusCode();
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                while (await reader.ReadLineAsync() is { } line)
                {
                    if (line.Length == 0)
                    {
                        continue;
                    }

                    using var doc = JsonDocument.Parse(line);
                    count += doc.RootElement.GetProperty("values").GetArrayLength();
                }
            }

            if (count >= expected || deadline.Elapsed > timeout)
            {
                return count;
            }

            Console.WriteLine($"  {count:N0} of {expected:N0} samples searchable so far; waiting");
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(DataPath, recursive: true);
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"Could not remove {DataPath}: {ex.Message}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > 20)
            {
                _output.Dequeue();
            }
        }
    }

    private string RecentOutput()
    {
        lock (_output)
        {
            return string.Join(Environment.NewLine, _output);
        }
    }

    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException(
                    $"VictoriaMetrics exited with code {_process.ExitCode.ToString(CultureInfo.InvariantCulture)} before it was healthy:{Environment.NewLine}{RecentOutput()}");
            }

            try
            {
                using var response = await _http.GetAsync("health");
                if (response.StatusCode == HttpStatusCode.OK && await TelnetAcceptsAsync())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        throw new TimeoutException($"VictoriaMetrics was not healthy on 127.0.0.1:{HttpPort} within {timeout.TotalSeconds} s:{Environment.NewLine}{RecentOutput()}");
    }

    private async Task<bool> TelnetAcceptsAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, TelnetPort);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
