using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Metrics.Benchmarks;

// Usage:
//   dotnet run -c Release --project benchmarks/Metrics.Benchmarks -- [--quick] [BenchmarkDotNet args, e.g. --filter *Counter*]
//   dotnet run -c Release --project benchmarks/Metrics.Benchmarks -- e2e [--points N]     end-to-end throughput runs
//   dotnet run -c Release --project benchmarks/Metrics.Benchmarks -- memory [--series N]  retained bytes per series
if (args.Length > 0 && args[0] == "e2e")
{
    return await EndToEnd.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "memory")
{
    return RetainedMemory.Run(args[1..]);
}

var quick = args.Contains("--quick");
var rest = args.Where(a => a != "--quick").ToArray();
if (!rest.Contains("--filter"))
{
    rest = [.. rest, "--filter", "*"];
}

// The quick job: 2 warm-up and 5 measured iterations of about 200 ms each (the default job aims at 500 ms and runs
// 15 to 100), in one process per benchmark, so every class together runs in a few minutes on 2 cores.
var job = quick
    ? Job.Default.WithWarmupCount(2).WithIterationCount(5).WithLaunchCount(1)
        .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(200)).WithId("Quick")
    : Job.Default;
var config = ManualConfig.CreateEmpty()
    .AddJob(job)
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddColumnProvider(DefaultColumnProviders.Instance)
    .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
    .AddExporter(MarkdownExporter.GitHub, CsvExporter.Default)
    .WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
BenchmarkSwitcher.FromAssembly(typeof(CounterBenchmarks).Assembly).Run(rest, config);
return 0;
