using System.Text;
using QuickStart;

// dotnet run --project samples/QuickStart
// Records a simulated order service for about five seconds, reports every second to the console and to
// metrics.db (in the current directory), then reads the stored series back and charts them.
Console.OutputEncoding = Encoding.UTF8;
await new QuickStartDemo { Output = Console.Out }.RunAsync();
