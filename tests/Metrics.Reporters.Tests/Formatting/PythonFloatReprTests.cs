using Metrics.Reporters.Formatting;

namespace Metrics.Reporters.Tests.Formatting;

[TestFixture]
public sealed class PythonFloatReprTests
{
    [TestCase(42422.0, "42422.0")]
    [TestCase(42.5, "42.5")]
    [TestCase(0.0, "0.0")]
    [TestCase(-0.0, "-0.0")]
    [TestCase(-3.0, "-3.0")]
    [TestCase(0.1, "0.1")]
    [TestCase(1.0 / 3.0, "0.3333333333333333")]
    [TestCase(1e16, "1e+16")]
    [TestCase(1e15, "1000000000000000.0")]
    [TestCase(1.5e17, "1.5e+17")]
    [TestCase(0.0001, "0.0001")]
    [TestCase(0.00001, "1e-05")]
    [TestCase(1.5e-5, "1.5e-05")]
    [TestCase(1e100, "1e+100")]
    [TestCase(123456789.125, "123456789.125")]
    [TestCase(double.MaxValue, "1.7976931348623157e+308")]
    [TestCase(5e-324, "5e-324")]
    public void Format_Value_MatchesPythonRepr(double value, string expected) =>
        Assert.That(PythonFloat.Format(value), Is.EqualTo(expected));
}
