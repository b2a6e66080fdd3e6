using System.Collections.Concurrent;
using Metrics;

// A small shop API instrumented end to end: request metrics per route template, business metrics, reporters
// configured in appsettings.json (console + embedded store), a health check over the reporters, and /metrics.
var builder = WebApplication.CreateBuilder(args);

builder.Services.AddMetricsRegistry(o => o.GlobalTags = new Tags(("app", "webshop")));
builder.Services.AddMetricsReporting(builder.Configuration.GetSection("Metrics"));
builder.Services.AddHealthChecks().AddReporterHealthCheck(TimeSpan.FromMinutes(2));

var app = builder.Build();

app.UseRequestMetrics(o => o.ApdexThreshold = TimeSpan.FromMilliseconds(200));

var orders = new ConcurrentDictionary<int, Order>();
var nextId = 0;

app.MapGet("/orders/{id:int}", (int id) => orders.TryGetValue(id, out var order) ? Results.Ok(order) : Results.NotFound());

app.MapPost("/orders", (NewOrder input, MetricsRegistry registry) =>
{
    if (string.IsNullOrWhiteSpace(input.Item) || input.Amount <= 0)
    {
        return Results.BadRequest(new { error = "item must be set and amount positive" });
    }

    var order = new Order(Interlocked.Increment(ref nextId), input.Item, input.Amount);
    orders[order.Id] = order;
    registry.Counter("shop.orders.created").Inc();
    // Amounts have cents: buckets a hundredth apart (units of 1/128) keep their percentiles right.
    registry.Histogram("shop.orders.amount", AmountOptions).Update((double)input.Amount);
    return Results.Created($"/orders/{order.Id}", order);
});

app.MapGet("/fail", string () => throw new InvalidOperationException("Simulated failure: counted by the request metrics, then handled by ASP.NET Core."));

app.MapHealthChecks("/health");
app.MapMetrics();
app.MapMetricsJson();

app.Run();

/// <summary>An order as posted by a client.</summary>
internal sealed record NewOrder(string Item, decimal Amount);

/// <summary>A stored order.</summary>
internal sealed record Order(int Id, string Item, decimal Amount);

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program
{
    private static readonly HistogramOptions AmountOptions = new() { Resolution = 0.01 };
}
