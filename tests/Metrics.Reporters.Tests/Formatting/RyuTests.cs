using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Metrics.Reporters.Formatting;
using Metrics.Reporters.OpenTsdb;

namespace Metrics.Reporters.Tests.Formatting;

// The shortest-digit generator against .NET's own round-trip formatter: both give the shortest digits that parse back,
// so they must agree; where they might not, ours must still round-trip and be no longer.
public class RyuTests
{
    [Test]
    public void Decompose_MillionsOfSeededDoubles_MatchesDotNetRoundTripDigits()
    {
        var random = new Random(20261122);
        var checkedValues = 0;
        for (var i = 0; i < 3_000_000; i++)
        {
            var value = (i % 10) switch
            {
                // Any bit pattern: every exponent, subnormals included.
                0 or 1 or 2 => BitConverter.Int64BitsToDouble(random.NextInt64(long.MinValue, long.MaxValue)),
                // Subnormals and the smallest normals.
                3 => BitConverter.Int64BitsToDouble(random.NextInt64(1, 1L << 53)),
                // Integers of every size up to 2^64, and their neighbours.
                4 => Neighbour(random, (double)(ulong)random.NextInt64(0, long.MaxValue) / (1UL << random.Next(0, 63))),
                // Powers of ten and their neighbours.
                5 => Neighbour(random, double.Parse("1e" + random.Next(-323, 309).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)),
                // Short decimals (a few digits after the point), as gauges and rates often are.
                6 => random.Next(-1_000_000, 1_000_000) / Math.Pow(10, random.Next(0, 9)),
                // Halfway cases: decimals ending in 5 right past the 15th to 17th significant digit.
                7 => HalfwayCandidate(random),
                // Floats widened to double: many trailing zero bits, the rare paths of the algorithm.
                8 => (double)BitConverter.Int32BitsToSingle(random.Next()),
                // Values as reporters see them: fractions of every magnitude.
                _ => random.NextDouble() * Math.Pow(10, random.Next(-30, 30)),
            };
            if (!double.IsFinite(value) || value == 0)
            {
                continue;
            }

            Check(value);
            checkedValues++;
        }

        Assert.That(checkedValues, Is.GreaterThan(2_900_000));
    }

    [Test]
    public void Decompose_EveryPowerOfTwo_MatchesDotNetRoundTripDigits()
    {
        for (var e = -1074; e <= 1023; e++)
        {
            var value = Math.ScaleB(1.0, e);
            Check(value);
            Check(Math.BitIncrement(value));
            Check(Math.BitDecrement(value));
        }
    }

    [Test]
    public void Decompose_ExtremeValues_MatchesDotNetRoundTripDigits()
    {
        foreach (var value in new[] { double.Epsilon, 2 * double.Epsilon, double.MaxValue, double.MinValue, 2.2250738585072014E-308, 2.2250738585072009E-308, 9007199254740992.0, 9007199254740993.0, 1.7976931348623157E+308, 5e-324, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 123456789012345680.0 })
        {
            Check(value);
        }
    }

    [Test]
    public void Format_PowerOfTwoDotNetMisprints_RoundTrips()
    {
        var value = Math.ScaleB(1.0, -958);

        var text = PythonFloat.Format(value);

        Assert.That(double.Parse(text, CultureInfo.InvariantCulture), Is.EqualTo(value));
        Assert.That(text, Is.EqualTo("4.1045368012983762e-289"));
    }

    [FsCheck.NUnit.Property(MaxTest = 2000)]
    public Property PythonFloat_AnyFiniteDouble_ParsesBackAndKeepsShortestDigits()
    {
        var doubles = Gen.Choose(int.MinValue, int.MaxValue)
            .SelectMany(high => Gen.Choose(int.MinValue, int.MaxValue).Select(low => BitConverter.Int64BitsToDouble(((long)high << 32) | (uint)low)))
            .Where(double.IsFinite);
        return Prop.ForAll(doubles.ToArbitrary(), value =>
        {
            var text = PythonFloat.Format(value);
            var expected = value.ToString("R", CultureInfo.InvariantCulture);
            var expectedRoundTrips = double.Parse(expected, CultureInfo.InvariantCulture).Equals(value);
            return double.Parse(text, CultureInfo.InvariantCulture).Equals(value)
                && (value == 0 || !expectedRoundTrips || Digits(text) == Digits(expected));
        });
    }

    [Test]
    public void OpenTsdbNumber_SeededNonIntegralValues_MatchesDotNetRoundTripFormWithLowerCaseExponent()
    {
        var random = new Random(77);
        Span<byte> small = stackalloc byte[OpenTsdbNumber.MaxValueBytes];
        for (var i = 0; i < 500_000; i++)
        {
            var value = (i % 3) switch
            {
                0 => BitConverter.Int64BitsToDouble(random.NextInt64(long.MinValue, long.MaxValue)),
                1 => random.NextDouble() * Math.Pow(10, random.Next(-8, 20)),
                _ => random.Next(-100_000, 100_000) / Math.Pow(10, random.Next(1, 7)),
            };
            if (!double.IsFinite(value))
            {
                continue;
            }

            var expected = value.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
            if (Math.Abs(value) < 9.2233720368547758E18 && value == Math.Floor(value))
            {
                expected = ((long)value).ToString(CultureInfo.InvariantCulture);
            }

            var n = OpenTsdbNumber.Write(value, small);
            Assert.That(System.Text.Encoding.ASCII.GetString(small[..n]), Is.EqualTo(expected), expected);
        }
    }

    // Compares digits and decimal exponent; where .NET differs, ours must round-trip and be no longer.
    private static void Check(double value)
    {
        if (value == 0)
        {
            return;
        }

        Ryu.Decompose(value, out var mantissa, out var exponent);
        var ours = mantissa.ToString(CultureInfo.InvariantCulture);
        var reference = value.ToString("R", CultureInfo.InvariantCulture);
        var (digits, decimalPoint) = Parse(reference);
        if (ours == digits && ours.Length + exponent == decimalPoint)
        {
            return;
        }

        var text = ours + "e" + exponent.ToString(CultureInfo.InvariantCulture);
        Assert.That(Math.Abs(double.Parse(text, CultureInfo.InvariantCulture)), Is.EqualTo(Math.Abs(value)), $"{reference}: ours {text} does not round-trip");
        // .NET's own form does not always round-trip (e.g. 2^-958 prints as 4.104536801298376E-289, which parses to
        // the double below it); ours is then only held to 17 digits, enough for any double.
        var referenceRoundTrips = double.Parse(reference, CultureInfo.InvariantCulture) == value;
        Assert.That(ours, Has.Length.LessThanOrEqualTo(referenceRoundTrips ? digits.Length : 17), $"{reference}: ours {text} is longer");
    }

    private static string Digits(string text) => Parse(text).Digits + "@" + Parse(text).DecimalPoint.ToString(CultureInfo.InvariantCulture);

    // The significant digits (no leading or trailing zeros) and where the decimal point goes: 0.digits x 10^point.
    private static (string Digits, int DecimalPoint) Parse(string text)
    {
        text = text.TrimStart('-');
        var exponent = 0;
        var e = text.IndexOfAny(['e', 'E']);
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }

        var point = text.IndexOf('.', StringComparison.Ordinal);
        var all = text.Replace(".", string.Empty, StringComparison.Ordinal);
        var decimalPoint = (point < 0 ? text.Length : point) + exponent;
        var start = 0;
        while (start < all.Length - 1 && all[start] == '0')
        {
            start++;
            decimalPoint--;
        }

        return (all[start..].TrimEnd('0'), decimalPoint);
    }

    private static double Neighbour(Random random, double value) => random.Next(3) switch
    {
        0 => Math.BitDecrement(value),
        1 => Math.BitIncrement(value),
        _ => value,
    };

    private static double HalfwayCandidate(Random random)
    {
        var digits = random.Next(15, 18);
        var text = string.Concat(Enumerable.Range(0, digits).Select(_ => (char)('0' + random.Next(1, 10)))) + "5";
        return double.Parse("0." + text + "e" + random.Next(-300, 300).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
