using System.Net;
using System.Net.Http.Json;
using Metrics.Integrations.AspNetCore.Tests.Exposition;
using Metrics.Reporters;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Metrics.Integrations.AspNetCore.Tests.Samples;

public class WebShopTests
{
    [Test]
    public async Task WebShop_ShopTraffic_MeasuredExposedAndFlushedToTheStore()
    {
        var dir = Path.Combine(Path.GetTempPath(), "webshop-" + Guid.NewGuid().ToString("N"));
        var path = Path.Combine(dir, "metrics.db");
        try
        {
            string metrics;
            string health;
            await using (var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b
                .UseSetting("Metrics:Reporters:Console:Enabled", "false")
                .UseSetting("Metrics:Reporters:LocalStore:Path", path)))
            {
                using var client = factory.CreateClient();
                var created = await client.PostAsJsonAsync(new Uri("/orders", UriKind.Relative), new { item = "book", amount = 12.5 });
                foreach (var amount in new[] { 0.49, 1.25, 19.99 })
                {
                    (await client.PostAsJsonAsync(new Uri("/orders", UriKind.Relative), new { item = "pen", amount })).EnsureSuccessStatusCode();
                }

                var found = await client.GetAsync(new Uri("/orders/1", UriKind.Relative));
                var missing = await client.GetAsync(new Uri("/orders/99", UriKind.Relative));
                var failed = await client.GetAsync(new Uri("/fail", UriKind.Relative));
                health = await client.GetStringAsync(new Uri("/health", UriKind.Relative));
                metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

                Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
                Assert.That(found.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
                Assert.That(failed.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
            }

            Assert.That(health, Is.EqualTo("Healthy"));
            Assert.That(metrics, Does.Contain("http_server_requests_seconds_count{app=\"webshop\",env=\"dev\",method=\"GET\",route=\"/orders/{id:int}\",status=\"404\"} 1\n"));
            Assert.That(metrics, Does.Contain("http_server_errors_total{app=\"webshop\",env=\"dev\",error=\"exception\",method=\"GET\",route=\"/fail\"} 1\n"));
            Assert.That(metrics, Does.Contain("shop_orders_created_total{app=\"webshop\",env=\"dev\"} 4\n"));
            // Amounts have cents: the median of 0.49, 1.25, 12.5 and 19.99 is 1.25, not a whole number.
            var median = metrics.Split('\n').Single(l => l.StartsWith("shop_orders_amount{", StringComparison.Ordinal) && l.Contains("quantile=\"0.5\"", StringComparison.Ordinal));
            Assert.That(double.Parse(median[(median.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(1.25).Within(1).Percent, median);
            var (exitCode, output) = await Promtool.CheckMetricsAsync(metrics);
            Assert.That(exitCode, Is.EqualTo(0), output);

            using var store = new LocalStore(path, new LocalStoreOptions { Retention = null });
            var read = store.Read(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddDays(1), name: "shop.orders.created.count", interval: "raw");
            Assert.That(read.Single().Points.Select(p => p.Value), Is.EqualTo(new[] { 4.0 }), "the final report reached the embedded store on shutdown");
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
