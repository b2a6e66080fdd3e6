namespace Metrics.Benchmarks;

/// <summary>End-to-end throughput runs (arrive with the OpenTSDB reporter and the embedded store).</summary>
internal static class EndToEnd
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine("End-to-end runs are not built yet: " + string.Join(' ', args));
        return Task.FromResult(2);
    }
}
