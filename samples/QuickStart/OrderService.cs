using Metrics;

namespace QuickStart;

/// <summary>
/// A pretend order service: each step takes a few orders from three regions, charges payments, times checkouts
/// and records basket sizes. Traffic ramps up and has a spike, so the stored series have a shape worth charting.
/// </summary>
internal sealed class OrderService
{
    private static readonly (string Region, double Weight)[] Regions = [("eu", 0.5), ("us", 0.35), ("apac", 0.15)];

    private readonly Random _random;
    private readonly Counter[] _ordersByRegion;
    private readonly Counter _failedOrders;
    private readonly Meter _payments;
    private readonly Metrics.Timer _checkout;
    private readonly Histogram _basketSize;
    private double _stock = 5_000;

    public OrderService(MetricsRegistry registry, int seed)
    {
        _random = new Random(seed);

        // Handles are looked up once and cached: recording through them takes no lock and allocates nothing.
        _ordersByRegion = Regions.Select(r => registry.Counter("orders", new Tags(("region", r.Region)))).ToArray();
        _failedOrders = registry.Counter("orders.failed");
        _payments = registry.Meter("payments");
        _checkout = registry.Timer("checkout");
        _basketSize = registry.Histogram("basket.size");
        registry.Gauge("inventory", () => Volatile.Read(ref _stock));
    }

    /// <summary>The metric names this service records (everything else in the registry belongs to the reporters).</summary>
    public static IReadOnlyList<string> MetricNames { get; } = ["orders", "orders.failed", "payments", "checkout", "basket.size", "inventory"];

    /// <summary>Simulates one step of traffic; <paramref name="load"/> scales how many orders arrive.</summary>
    public void Step(double load)
    {
        var orders = (int)Math.Round(load * (2 + (_random.NextDouble() * 4)));
        for (var i = 0; i < orders; i++)
        {
            var region = PickRegion();
            var items = 1 + _random.Next(8);
            _basketSize.Update(items);

            // Checkout gets slower under load; about one in twenty orders fails at payment.
            _checkout.Update(TimeSpan.FromMilliseconds((15 + (_random.NextDouble() * 60)) * load));
            if (_random.NextDouble() < 0.05)
            {
                _failedOrders.Inc();
                continue;
            }

            _ordersByRegion[region].Inc();
            _payments.Mark();
            _stock -= items;
        }
    }

    private int PickRegion()
    {
        var x = _random.NextDouble();
        for (var i = 0; i < Regions.Length; i++)
        {
            x -= Regions[i].Weight;
            if (x < 0)
            {
                return i;
            }
        }

        return Regions.Length - 1;
    }
}
