using Metrics.AspNetCore;
using Metrics.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Metrics.Integrations.AspNetCore.Tests;

/// <summary>A minimal API on TestHost with request metrics, a manual clock, and the registry at hand.</summary>
internal sealed class TestApp : IAsyncDisposable
{
    private TestApp(WebApplication app, ManualTimeProvider clock)
    {
        App = app;
        Clock = clock;
        Registry = app.Services.GetRequiredService<MetricsRegistry>();
        Client = app.GetTestClient();
    }

    public WebApplication App { get; }

    public ManualTimeProvider Clock { get; }

    public MetricsRegistry Registry { get; }

    public HttpClient Client { get; }

    /// <summary>Starts an app; <paramref name="outer"/> runs before the metrics middleware, <paramref name="map"/> maps endpoints.</summary>
    public static async Task<TestApp> StartAsync(
        Action<WebApplication, ManualTimeProvider> map,
        Action<RequestMetricsOptions>? configure = null,
        Action<WebApplication>? outer = null)
    {
        var clock = new ManualTimeProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddMetricsRegistry();
        var app = builder.Build();
        outer?.Invoke(app);
        app.UseRequestMetrics(configure);
        map(app, clock);
        await app.StartAsync();
        return new TestApp(app, clock);
    }

    /// <summary>Every series of <paramref name="name"/>, as a fresh reader sees them.</summary>
    public IReadOnlyList<MetricSnapshot> Series(string name) =>
        Registry.CreateReader().Read().Where(s => s.Name == name).ToList();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
