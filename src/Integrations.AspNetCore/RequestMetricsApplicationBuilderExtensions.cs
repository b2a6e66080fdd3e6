using Metrics;
using Metrics.AspNetCore;
using Metrics.AspNetCore.Middleware;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Adds request metrics to an ASP.NET Core pipeline.</summary>
public static class RequestMetricsApplicationBuilderExtensions
{
    /// <summary>
    /// Measures every request into the container's <see cref="MetricsRegistry"/> (register it with
    /// <c>services.AddMetricsRegistry()</c> or <c>AddMetricsReporting</c>): a timer tagged with the endpoint's route template (never the raw path; requests
    /// no endpoint matched share one series), method and status; active requests; errors (unhandled exceptions, counted
    /// and rethrown, and 5xx responses); request and response body sizes; optionally Apdex per route. See
    /// <see cref="RequestMetricsOptions"/> for the metric names and options. Add it early in the pipeline, before the
    /// middleware whose time should be included.
    /// </summary>
    /// <param name="app">The application builder.</param>
    /// <param name="configure">Sets the options; read once, now.</param>
    /// <returns>The application builder.</returns>
    /// <exception cref="InvalidOperationException">No <see cref="MetricsRegistry"/> is registered.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    /// <exception cref="InvalidOperationException">
    /// The pipeline (or the one this branch comes from) already has request metrics of the same registry and
    /// <see cref="RequestMetricsOptions.MetricPrefix"/>, which would measure each request twice.
    /// </exception>
    public static IApplicationBuilder UseRequestMetrics(this IApplicationBuilder app, Action<RequestMetricsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        var registry = app.ApplicationServices.GetService<MetricsRegistry>()
            ?? throw new InvalidOperationException("UseRequestMetrics needs a MetricsRegistry in the service container: call builder.Services.AddMetricsRegistry() (or AddMetricsReporting) first. Note that AddMetrics() with no arguments is Microsoft.Extensions.Diagnostics' System.Diagnostics.Metrics setup, which registers no MetricsRegistry.");
        var options = new RequestMetricsOptions();
        configure?.Invoke(options);
        options.Validate();

        // A second middleware of the same registry and prefix on the way of the same requests would measure each of them
        // twice. The mark lives in the builder's properties, which a branch (Map, UseWhen) copies from its parent when
        // it is made and keeps to itself: a branch sees the middleware added before it, separate branches do not see
        // each other's.
        var mark = PropertyPrefix + options.MetricPrefix;
        if (app.Properties.TryGetValue(mark, out var added) && ReferenceEquals(added, registry))
        {
            throw new InvalidOperationException(
                $"UseRequestMetrics was already added to this pipeline (or the one this branch comes from) for the metric prefix '{options.MetricPrefix}': each request would be measured twice. Add it once, early in the pipeline, or give the second one another MetricPrefix.");
        }

        app.Properties[mark] = registry;
        return app.Use(next => new RequestMetricsMiddleware(next, registry, options).InvokeAsync);
    }

    private const string PropertyPrefix = "Metrics.AspNetCore.RequestMetrics:";
}
