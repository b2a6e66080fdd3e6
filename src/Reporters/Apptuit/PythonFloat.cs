using System.Globalization;
using System.Text;

namespace Metrics.Reporters.Apptuit;

/// <summary>
/// Formats a double the way Python's <c>repr(float)</c> does, as the reference clients send values: the shortest
/// digits that round-trip, <c>.0</c> on integral values, exponent form from 1e16 upward and below 1e-4
/// (<c>42422.0</c>, <c>1e+16</c>, <c>1e-05</c>).
/// </summary>
internal static class PythonFloat
{
    public static string Format(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        if (value == 0)
        {
            return double.IsNegative(value) ? "-0.0" : "0.0";
        }

        // "E16" is not shortest; "R" is, in either fixed or exponent form: split it into digits and exponent.
        var r = value.ToString("R", CultureInfo.InvariantCulture);
        var negative = r[0] == '-';
        if (negative)
        {
            r = r[1..];
        }

        var exponent = 0;
        var e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }

        var dot = r.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot < 0 ? r : r[..dot];
        var fracPart = dot < 0 ? string.Empty : r[(dot + 1)..];
        var digits = (intPart + fracPart).TrimStart('0');
        var leadingZeros = (intPart + fracPart).Length - digits.Length;

        // value = 0.digits * 10^decpt
        var decpt = intPart.Length - leadingZeros + exponent;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }

        var sb = new StringBuilder(32);
        if (negative)
        {
            sb.Append('-');
        }

        if (decpt > 16 || decpt < -3)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1)
            {
                sb.Append('.').Append(digits, 1, digits.Length - 1);
            }

            var exp = decpt - 1;
            sb.Append('e').Append(exp < 0 ? '-' : '+').Append(Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture));
        }
        else if (decpt <= 0)
        {
            sb.Append("0.").Append('0', -decpt).Append(digits);
        }
        else if (decpt >= digits.Length)
        {
            sb.Append(digits).Append('0', decpt - digits.Length).Append(".0");
        }
        else
        {
            sb.Append(digits, 0, decpt).Append('.').Append(digits, decpt, digits.Length - decpt);
        }

        return sb.ToString();
    }
}
