using System.Collections.Concurrent;
using Metrics.Reporters.Engine;
using Metrics.Reporters.OpenTsdb;
using Metrics.Testing;

namespace Metrics.Reporters.Tests.OpenTsdb;

/// <summary>Error lines a telnet server writes back reach the error handler off the connection's read loop.</summary>
public class OpenTsdbServerErrorTests
{
    // Alone the flood takes well under a second; after the rest of the suite, in a busy process, it has taken over 20 s.
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Test]
    public async Task Send_SlowErrorHandlerAndFloodOfErrorLines_EveryPutStillReachesTheServer()
    {
        // A server that answers every put with an error line, writing it before it reads on (as a simple server does):
        // if the client stopped reading while its error handler is busy, the server would stop reading too.
        await using var server = await TcpLineServer.StartAsync();
        var answer = "put: invalid value: " + new string('x', 200);
        server.Reply = _ => answer;
        using var release = new ManualResetEventSlim(false);
        var handled = 0L;
        const int Points = 60_000;
        var client = new OpenTsdbClient(new OpenTsdbClientOptions
        {
            Endpoint = new Uri($"tcp://127.0.0.1:{server.Port}"),
            HostTag = "web-1",
            BatchSize = 1000,
            MaxQueueSize = Points,
            ErrorHandler = f =>
            {
                release.Wait();
                Interlocked.Add(ref handled, f.Failed);
            },
        });
        try
        {
            for (var i = 0; i < Points; i++)
            {
                client.Send("sys.procs", i, timestamp: DateTimeOffset.FromUnixTimeSeconds(1479496100));
            }

            // The handler is still blocked: writing and the server's reading go on regardless.
            await server.WaitForLinesAsync(Points, Wait);
            Assert.That(await client.FlushAsync(Wait), Is.True, "every point was written while the handler was busy");
        }
        finally
        {
            release.Set();
        }

        var deadline = DateTime.UtcNow + Wait;
        while ((client.Failed < Points || Interlocked.Read(ref handled) < Points) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.That(client.Failed, Is.EqualTo(Points), "each error line counts one failed put, handed over or not");
        Assert.That(Interlocked.Read(ref handled), Is.EqualTo(Points), "the handler hears of every error line, singly or in a count of those it was too slow for");
        await client.DisposeAsync();
    }

    [Test]
    public async Task ServerErrorLines_HandlerBusy_ReadingNeverWaitsAndExtraLinesAreReportedAsOneCount()
    {
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
        var transport = new FakeLineTransport();
        var failures = new ConcurrentQueue<ReportFailure>();
        using var entered = new SemaphoreSlim(0);
        using var release = new ManualResetEventSlim(false);
        var options = new OpenTsdbReporterOptions
        {
            Endpoint = new Uri("tcp://127.0.0.1:4242"),
            Name = "tsdb-slow",
            ErrorHandler = f =>
            {
                entered.Release();
                release.Wait();
                failures.Enqueue(f);
            },
        };
        await using var reporter = new OpenTsdbReporter(registry, options, transport);
        const int Extra = 5;
        try
        {
            // The first line is in the handler's hands; then the server writes a flood while the handler is stuck.
            var first = Task.Run(() => transport.LineReceived!("put: invalid value: first"));
            Assert.That(await entered.WaitAsync(Wait), Is.True);
            var reading = Task.Run(() =>
            {
                for (var i = 0; i < ServerFailures.MaxPendingLines + Extra; i++)
                {
                    transport.LineReceived!("put: invalid value: " + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
            });

            // Both return while the handler is still stuck (a timeout here means the read loop waited on it).
            await first.WaitAsync(Wait);
            await reading.WaitAsync(Wait);
        }
        finally
        {
            release.Set();
        }

        const int Total = 1 + ServerFailures.MaxPendingLines + Extra;
        var deadline = DateTime.UtcNow + Wait;
        while (failures.Sum(f => f.Failed) < Total && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        var handed = failures.ToArray();
        Assert.That(handed.Sum(f => f.Failed), Is.EqualTo(Total));
        Assert.That(handed, Has.Length.EqualTo(1 + ServerFailures.MaxPendingLines + 1), "each waiting line alone, the rest in one count");
        Assert.That(handed[0].Errors.Single(), Is.EqualTo("OpenTSDB answered: put: invalid value: first"));
        Assert.That(handed[^1].Failed, Is.EqualTo(Extra));
        Assert.That(handed[^1].Errors.Single(), Does.StartWith("OpenTSDB answered 5 more error line(s)"));
        Assert.That(registry.Counter(SelfMetrics.PointsFailed, new Tags(("reporter", "tsdb-slow"))).Count, Is.EqualTo(Total), "every line counts one failed point");
    }

    [Test]
    public async Task StopAsync_TelnetServerStopsReading_CompletesAtStopTimeoutAndReportsWhatItDropped()
    {
        var time = new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1479496100));
        var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = time });
        for (var i = 0; i < 100_000; i++)
        {
            registry.Counter("a.counter.with.a.name.long.enough.to.fill.the.socket.buffers." + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        }

        await using var server = await TcpLineServer.StartAsync();
        server.Stall(true);
        var failures = new ConcurrentQueue<ReportFailure>();
        var reporter = new OpenTsdbReporter(registry, new OpenTsdbReporterOptions
        {
            Endpoint = new Uri($"tcp://127.0.0.1:{server.Port}"),
            HostTag = "web01",
            BatchSize = 1000,
            StopTimeout = TimeSpan.FromSeconds(5),
            Retry = new RetryOptions { MaxRetries = 0 },
            ErrorHandler = failures.Enqueue,
            Filter = s => !s.Name.StartsWith("metrics.", StringComparison.Ordinal),
        });
        reporter.Start();

        // The final report's writes back up behind the server that reads nothing; the clock reaches StopTimeout.
        var stop = reporter.StopAsync();
        var deadline = DateTime.UtcNow + Wait;
        while (!stop.IsCompleted && DateTime.UtcNow < deadline)
        {
            time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(20);
        }

        Assert.That(stop.IsCompleted, Is.True, "the stop ends at StopTimeout though a write is stuck");
        await stop;
        Assert.That(reporter.Status.Dropped, Is.GreaterThan(0));
        Assert.That(failures.Sum(f => f.Failed), Is.EqualTo(reporter.Status.Dropped), "every dropped point reached the error handler");
        Assert.That(failures.Last().Errors.Single(), Does.Contain("did not finish within StopTimeout"));
        await reporter.DisposeAsync();
    }
}
