using System.Globalization;

namespace Metrics.Testing;

/// <summary>
/// The test script runs the suites a second time under another culture (METRICS_TEST_CULTURE): this checks that the
/// culture really is in effect there, so that run cannot pass by quietly testing the invariant culture again.
/// </summary>
public class CultureRunTests
{
    [Test]
    public void CurrentCulture_IsTheOneTheRunAskedFor()
    {
        var expected = Environment.GetEnvironmentVariable("METRICS_TEST_CULTURE");
        if (string.IsNullOrEmpty(expected))
        {
            Assert.Pass("not a culture run");
        }

        Assert.That(CultureInfo.CurrentCulture.Name, Is.EqualTo(expected));
    }
}
