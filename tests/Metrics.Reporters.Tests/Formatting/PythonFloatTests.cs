using System.Globalization;
using Metrics.Reporters.Formatting;

namespace Metrics.Reporters.Tests.Formatting;

public class PythonFloatTests
{
    // Expected strings are what CPython's repr(float) prints for the same value.
    [TestCase(7.0, "7.0")]
    [TestCase(42422.0, "42422.0")]
    [TestCase(120.5, "120.5")]
    [TestCase(0.1, "0.1")]
    [TestCase(-1.5, "-1.5")]
    [TestCase(0.0, "0.0")]
    [TestCase(-0.0, "-0.0")]
    [TestCase(1.0 / 3, "0.3333333333333333")]
    [TestCase(2.0 / 3, "0.6666666666666666")]
    [TestCase(1e15, "1000000000000000.0")]
    [TestCase(9999999999999998.0, "9999999999999998.0")]
    [TestCase(1e16, "1e+16")]
    [TestCase(1.5e16, "1.5e+16")]
    [TestCase(123456789012345680.0, "1.2345678901234568e+17")]
    [TestCase(1e22, "1e+22")]
    [TestCase(1e100, "1e+100")]
    [TestCase(-1e16, "-1e+16")]
    [TestCase(0.0001, "0.0001")]
    [TestCase(0.00012345, "0.00012345")]
    [TestCase(1e-5, "1e-05")]
    [TestCase(1.5e-5, "1.5e-05")]
    [TestCase(2.5e-7, "2.5e-07")]
    [TestCase(-1e-5, "-1e-05")]
    [TestCase(1e-100, "1e-100")]
    [TestCase(double.MaxValue, "1.7976931348623157e+308")]
    [TestCase(double.Epsilon, "5e-324")]
    [TestCase(9007199254740993.0, "9007199254740992.0")]
    [TestCase(100.0, "100.0")]
    [TestCase(1e17, "1e+17")]
    [TestCase(123456789012345678901.0, "1.2345678901234568e+20")]
    [TestCase(0.000099999, "9.9999e-05")]
    [TestCase(1234.5678, "1234.5678")]
    [TestCase(0.30000000000000004, "0.30000000000000004")]
    public void Format_KnownValue_MatchesPythonRepr(double value, string expected) =>
        Assert.That(PythonFloat.Format(value), Is.EqualTo(expected));

    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    [TestCase(double.NegativeInfinity)]
    public void Format_NotFinite_Throws(double value) =>
        Assert.That(() => PythonFloat.Format(value), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("never sent"));

    [Test]
    public void TryFormat_NotFinite_ReturnsFalse() =>
        Assert.That(PythonFloat.TryFormat(double.NaN, new char[PythonFloat.MaxLength], out _), Is.False);

    [Test]
    public void TryFormat_DestinationTooShort_ReturnsFalse() =>
        Assert.That(PythonFloat.TryFormat(1234.5678, new char[4], out _), Is.False);

    [Test]
    public void Format_RandomDoubles_RoundTripsAndKeepsPythonShape()
    {
        var random = new Random(1234);
        Span<byte> bits = stackalloc byte[8];
        for (var i = 0; i < 20_000; i++)
        {
            random.NextBytes(bits);
            var value = BitConverter.ToDouble(bits);
            if (!double.IsFinite(value))
            {
                continue;
            }

            var text = PythonFloat.Format(value);
            Assert.That(double.Parse(text, CultureInfo.InvariantCulture), Is.EqualTo(value), text);
            Assert.That(text.Contains('.', StringComparison.Ordinal) || text.Contains('e', StringComparison.Ordinal), Is.True, text);
            Assert.That(text, Does.Not.Contain("E"));
            var integral = text.TrimStart('-').Split('.', 'e')[0];
            Assert.That(text.Contains('e', StringComparison.Ordinal) || integral.Length <= 16, Is.True, "Python uses the exponent form from 1e16: " + text);
            var magnitude = Math.Abs(value);
            Assert.That(text.Contains('e', StringComparison.Ordinal), Is.EqualTo(magnitude != 0 && (magnitude >= 1e16 || magnitude < 1e-4)), text);
        }
    }
}
