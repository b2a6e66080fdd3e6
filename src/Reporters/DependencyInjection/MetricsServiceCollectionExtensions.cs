using Metrics;
using Metrics.Reporters;
using Metrics.Reporters.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the metrics registry and reporters in a service collection.</summary>
public static class MetricsServiceCollectionExtensions
{
    /// <summary>
    /// Registers a <see cref="MetricsRegistry"/> singleton, like <see cref="AddMetricsRegistry"/>.
    /// </summary>
    /// <remarks>
    /// Microsoft.Extensions.Diagnostics (part of ASP.NET Core and of the generic host) has its own <c>AddMetrics()</c>
    /// and <c>AddMetrics(Action&lt;IMetricsBuilder&gt;)</c> for System.Diagnostics.Metrics, in the same namespace: where it
    /// is referenced, a call with no arguments binds to it (and registers no <see cref="MetricsRegistry"/>), and a lambda
    /// that does not touch <see cref="MetricsOptions"/> is ambiguous. Use <see cref="AddMetricsRegistry"/> there.
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the registry's options; runs once, when the registry is created.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddMetrics(this IServiceCollection services, Action<MetricsOptions>? configure = null) =>
        AddMetricsRegistry(services, configure);

    /// <summary>
    /// Registers a <see cref="MetricsRegistry"/> singleton. Idempotent: later calls add their <paramref name="configure"/>
    /// delegate to the same registry's options. The registry uses the container's <see cref="TimeProvider"/> when one
    /// is registered (a delegate can still replace it). A registry registered before this call is kept.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the registry's options (global tags, series limit, histogram defaults); runs once, when the registry is created.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddMetricsRegistry(this IServiceCollection services, Action<MetricsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<MetricsOptions>, ContainerTimeProviderSetup>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton<MetricsRegistry>(sp => new MetricsRegistry(sp.GetRequiredService<IOptions<MetricsOptions>>().Value));
        return services;
    }

    /// <summary>
    /// Registers reporters (and <see cref="AddMetricsRegistry"/>) and a hosted service that starts them with the host and sends
    /// their final report when it stops. Idempotent: calling it again adds no second hosted service, and adding a reporter
    /// of the same kind and name twice configures one reporter (to run a second reporter of one kind, give it a name).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Adds reporters, e.g. <c>b =&gt; b.AddConsole()</c>.</param>
    /// <returns>The builder, to add more reporters.</returns>
    public static MetricsReportingBuilder AddMetricsReporting(this IServiceCollection services, Action<MetricsReportingBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = AddReportingCore(services);
        configure(builder);
        return builder;
    }

    /// <summary>
    /// Registers reporters from configuration: <paramref name="configuration"/> is the <c>"Metrics"</c> section, whose
    /// <c>"Reporters"</c> child holds one section per reporter, keyed by its kind (<c>"Console"</c>, <c>"LocalStore"</c>, ...)
    /// or by an instance name with a <c>"Type"</c> key (<c>"primary": { "Type": "OpenTsdb", ... }</c>) so that two
    /// reporters of one kind coexist. <c>"Enabled": false</c> skips a section. <c>"Metrics:GlobalTags"</c> sets the
    /// registry's global tags. Values are read and validated when the host starts; an invalid value fails the start
    /// with an <see cref="InvalidOperationException"/> naming the configuration key and the problem.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The <c>"Metrics"</c> configuration section (the root configuration, holding a <c>"Metrics"</c> section, is accepted too).</param>
    /// <returns>The builder, to add reporters in code as well (code runs after configuration, so it wins).</returns>
    public static MetricsReportingBuilder AddMetricsReporting(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = AddReportingCore(services);
        ReporterConfiguration.Apply(builder, configuration);
        return builder;
    }

    private static MetricsReportingBuilder AddReportingCore(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMetricsRegistry();
        services.TryAddSingleton<ReporterSet>(sp => new ReporterSet(sp, sp.GetServices<ReporterRegistration>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MetricsReportingHostedService>());
        return new MetricsReportingBuilder(services);
    }

    private sealed class ContainerTimeProviderSetup : IConfigureOptions<MetricsOptions>
    {
        private readonly IServiceProvider _services;

        public ContainerTimeProviderSetup(IServiceProvider services) => _services = services;

        public void Configure(MetricsOptions options)
        {
            if (_services.GetService<TimeProvider>() is { } time)
            {
                options.TimeProvider = time;
            }
        }
    }
}
