namespace Metrics.AspNetCore.Middleware;

/// <summary>Endpoint metadata: requests to this endpoint are not measured (the metrics endpoints themselves).</summary>
internal sealed class ExcludeFromRequestMetrics
{
    public static readonly ExcludeFromRequestMetrics Instance = new();

    private ExcludeFromRequestMetrics()
    {
    }
}
