using System.Diagnostics;

namespace Metrics.Integrations.AspNetCore.Tests.Exposition;

/// <summary>Runs <c>promtool check metrics</c> (Debian's prometheus package) on exposition text.</summary>
internal static class Promtool
{
    private const string Path = "/usr/bin/promtool";

    /// <summary>Returns promtool's exit code and output; ignores the test (or fails it under METRICS_REQUIRE_BACKENDS=1) when promtool is missing.</summary>
    public static async Task<(int ExitCode, string Output)> CheckMetricsAsync(string text)
    {
        var path = File.Exists(Path) ? Path : FindOnPath();
        if (path is null)
        {
            if (Environment.GetEnvironmentVariable("METRICS_REQUIRE_BACKENDS") == "1")
            {
                Assert.Fail("promtool is not installed (apt-get install prometheus) and METRICS_REQUIRE_BACKENDS=1");
            }

            Assert.Ignore("promtool is not installed (apt-get install prometheus); the exposition format is not checked by Prometheus' own linter");
        }

        var start = new ProcessStartInfo(path!, "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(text);
        process.StandardInput.Close();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    private static string? FindOnPath() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => System.IO.Path.Combine(d, "promtool"))
            .FirstOrDefault(File.Exists);
}
