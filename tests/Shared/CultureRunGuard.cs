using System.Globalization;

/// <summary>
/// The test script runs the suites a second time under another culture (METRICS_TEST_CULTURE). Before any test of the
/// assembly runs, this checks that the culture really is in effect there, and fails the whole run otherwise, so that
/// run cannot pass by quietly testing the invariant culture again. Outside such a run it checks nothing.
/// </summary>
/// <remarks>In no namespace, so that it applies to every test of the assembly.</remarks>
[SetUpFixture]
public sealed class CultureRunGuard
{
    [OneTimeSetUp]
    public void CheckTheCultureAskedFor()
    {
        var expected = Environment.GetEnvironmentVariable("METRICS_TEST_CULTURE");
        if (!string.IsNullOrEmpty(expected) && CultureInfo.CurrentCulture.Name != expected)
        {
            throw new InvalidOperationException(
                $"METRICS_TEST_CULTURE asks for the culture '{expected}', but the tests run under '{CultureInfo.CurrentCulture.Name}': set LANG and LC_ALL to it.");
        }
    }
}
