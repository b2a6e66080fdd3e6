using Microsoft.Extensions.Configuration;

namespace Metrics.Reporters.Tests.DependencyInjection;

/// <summary>Builds a "Metrics" configuration section from key/value pairs, as appsettings.json would give it.</summary>
internal static class MetricsConfiguration
{
    /// <summary>Keys are relative to the section, e.g. <c>("Reporters:OpenTsdb:Interval", "00:00:10")</c>.</summary>
    public static IConfiguration Section(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>("Metrics:" + v.Key, v.Value)))
            .Build()
            .GetSection("Metrics");
}
