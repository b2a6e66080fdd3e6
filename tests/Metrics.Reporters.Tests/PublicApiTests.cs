using Metrics.Reporters;
using Metrics.Testing;

namespace Metrics.Reporters.Tests;

public class PublicApiTests
{
    [Test]
    public void PublicApi_OfReporters_MatchesApprovedFile() => PublicApi.AssertMatchesApproved(typeof(Reporter).Assembly);
}
