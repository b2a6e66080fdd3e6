using Metrics.AspNetCore;
using Metrics.Testing;

namespace Metrics.Integrations.AspNetCore.Tests;

public class PublicApiTests
{
    [Test]
    public void PublicApi_OfAspNetCoreIntegration_MatchesApprovedFile() => PublicApi.AssertMatchesApproved(typeof(RequestMetricsOptions).Assembly);
}
