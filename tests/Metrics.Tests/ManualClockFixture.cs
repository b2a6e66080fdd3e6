using Metrics.Testing;

namespace Metrics.Tests;

/// <summary>A fresh registry on a manual clock for every test.</summary>
public abstract class ManualClockFixture
{
    private protected ManualTimeProvider _time = null!;
    private protected MetricsRegistry _registry = null!;

    [SetUp]
    public void SetUpClockAndRegistry()
    {
        _time = new ManualTimeProvider();
        _registry = new MetricsRegistry(new MetricsOptions { TimeProvider = _time });
    }
}
