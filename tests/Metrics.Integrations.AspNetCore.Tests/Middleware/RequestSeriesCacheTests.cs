using Metrics.AspNetCore;
using Metrics.AspNetCore.Middleware;
using Metrics.Testing;

namespace Metrics.Integrations.AspNetCore.Tests.Middleware;

public class RequestSeriesCacheTests
{
    [Test]
    public void Get_FirstRequestsOfARouteRace_ApdexGaugeReadsTheTrackerTheyRecordInto()
    {
        const int rounds = 2000;
        string[] methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"];
        // Two satisfied, two tolerating, four frustrated: (2 + 1) / 8.
        int[] milliseconds = [5, 5, 2000, 2000, 9000, 9000, 9000, 9000];
        var threads = methods.Length;
        var wrong = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });
            var cache = new RequestSeriesCache(registry, new RequestMetricsOptions { ApdexThreshold = TimeSpan.FromSeconds(1) });
            using var start = new Barrier(threads);
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                // One route, a method each: every thread creates its own series of the route at once.
                cache.Get("/orders/{id}", methods[t], isTemplate: true).Apdex!.Record(TimeSpan.FromMilliseconds(milliseconds[t]), failed: false);
            })).ToList();
            workers.ForEach(w => w.Start());
            workers.ForEach(w => w.Join());

            var score = registry.CreateReader().Read().Single(s => s.Name == "http.server.apdex").Value;
            if (score != 0.375)
            {
                wrong.Add(score);
            }
        }

        Assert.That(wrong, Is.Empty, $"scores of the rounds (of {rounds}) whose Apdex gauge missed some of the {threads} requests");
    }
}
