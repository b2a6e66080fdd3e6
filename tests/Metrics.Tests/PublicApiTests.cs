using Metrics.Testing;

namespace Metrics.Tests;

public class PublicApiTests
{
    [Test]
    public void PublicApi_OfCore_MatchesApprovedFile() => PublicApi.AssertMatchesApproved(typeof(MetricsRegistry).Assembly);
}
