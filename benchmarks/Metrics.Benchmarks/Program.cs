Console.WriteLine("Benchmarks: arrive with the benchmark harness.");
