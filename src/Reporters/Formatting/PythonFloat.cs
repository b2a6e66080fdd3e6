using System.Globalization;

namespace Metrics.Reporters.Formatting;

/// <summary>
/// Writes a double the way Python's <c>repr(float)</c> does, as reference clients print values: the shortest
/// digits that round-trip, <c>.0</c> on integral values (<c>42422.0</c>), and exponent form from 1e16 upward and
/// below 1e-4 (<c>1e+16</c>, <c>1.5e-05</c>). Allocation-free through <see cref="TryFormat"/>.
/// </summary>
internal static class PythonFloat
{
    /// <summary>Enough room for any finite double in Python form (17 digits, sign, point, exponent).</summary>
    public const int MaxLength = 32;

    /// <summary>Formats a finite value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is NaN or infinite: such values are never sent.</exception>
    public static string Format(double value)
    {
        Span<char> buffer = stackalloc char[MaxLength];
        if (!TryFormat(value, buffer, out var written))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "Only finite values can be written; NaN and infinities are never sent.");
        }

        return new string(buffer[..written]);
    }

    /// <summary>Writes a finite value into <paramref name="destination"/>; false when the value is not finite or the span is too short.</summary>
    public static bool TryFormat(double value, Span<char> destination, out int written)
    {
        written = 0;
        if (!double.IsFinite(value))
        {
            return false;
        }

        // .NET's shortest round-trip digits equal Python's, and so is its fixed-point form down to 1e-4, except
        // that integral values lack ".0". Python switches to the exponent form from 1e16 up, .NET later, so
        // longer integral parts and .NET's exponent form are laid out again below.
        if (!value.TryFormat(destination, out var length, default, CultureInfo.InvariantCulture))
        {
            return false;
        }

        var formatted = destination[..length];
        var point = formatted.IndexOf('.');
        var integralDigits = (point < 0 ? length : point) - (formatted[0] == '-' ? 1 : 0);
        if (integralDigits <= 16 && formatted.IndexOf('E') < 0)
        {
            if (point < 0)
            {
                if (length + 2 > destination.Length)
                {
                    return false;
                }

                destination[length++] = '.';
                destination[length++] = '0';
            }

            written = length;
            return true;
        }

        Span<char> raw = stackalloc char[MaxLength];
        formatted.CopyTo(raw);
        var rawLength = length;

        Span<char> digits = stackalloc char[MaxLength];
        var digitCount = 0;
        var pointPosition = -1;
        var exponent = 0;
        var negative = false;
        var i = 0;
        if (raw[0] == '-')
        {
            negative = true;
            i = 1;
        }

        for (; i < rawLength; i++)
        {
            var c = raw[i];
            if (c == '.')
            {
                pointPosition = digitCount;
            }
            else if (c is 'E' or 'e')
            {
                exponent = int.Parse(raw[(i + 1)..rawLength], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                break;
            }
            else
            {
                digits[digitCount++] = c;
            }
        }

        // decimalPoint: the value is 0.d1d2d3... x 10^decimalPoint.
        var decimalPoint = (pointPosition < 0 ? digitCount : pointPosition) + exponent;
        var start = 0;
        while (start < digitCount - 1 && digits[start] == '0')
        {
            start++;
            decimalPoint--;
        }

        var end = digitCount;
        while (end > start + 1 && digits[end - 1] == '0')
        {
            end--;
        }

        ReadOnlySpan<char> significant = digits[start..end];
        if (significant is "0")
        {
            return Write(negative ? "-0.0" : "0.0", destination, ref written);
        }

        var pos = 0;
        if (negative && !Put('-', destination, ref pos))
        {
            return false;
        }

        bool ok;
        if (decimalPoint > 16 || decimalPoint <= -4)
        {
            ok = WriteExponent(significant, decimalPoint - 1, destination, ref pos);
        }
        else
        {
            ok = WriteFixed(significant, decimalPoint, destination, ref pos);
        }

        written = ok ? pos : 0;
        return ok;
    }

    private static bool WriteFixed(ReadOnlySpan<char> significant, int decimalPoint, Span<char> destination, ref int pos)
    {
        if (decimalPoint <= 0)
        {
            if (!Put('0', destination, ref pos) || !Put('.', destination, ref pos))
            {
                return false;
            }

            for (var z = 0; z < -decimalPoint; z++)
            {
                if (!Put('0', destination, ref pos))
                {
                    return false;
                }
            }

            return Put(significant, destination, ref pos);
        }

        if (decimalPoint < significant.Length)
        {
            return Put(significant[..decimalPoint], destination, ref pos)
                && Put('.', destination, ref pos)
                && Put(significant[decimalPoint..], destination, ref pos);
        }

        if (!Put(significant, destination, ref pos))
        {
            return false;
        }

        for (var z = significant.Length; z < decimalPoint; z++)
        {
            if (!Put('0', destination, ref pos))
            {
                return false;
            }
        }

        return Put(".0", destination, ref pos);
    }

    private static bool WriteExponent(ReadOnlySpan<char> significant, int exponent, Span<char> destination, ref int pos)
    {
        if (!Put(significant[0], destination, ref pos))
        {
            return false;
        }

        if (significant.Length > 1 && !(Put('.', destination, ref pos) && Put(significant[1..], destination, ref pos)))
        {
            return false;
        }

        if (!Put('e', destination, ref pos) || !Put(exponent < 0 ? '-' : '+', destination, ref pos))
        {
            return false;
        }

        var magnitude = Math.Abs(exponent);
        if (magnitude < 10 && !Put('0', destination, ref pos))
        {
            return false;
        }

        if (!magnitude.TryFormat(destination[pos..], out var n, default, CultureInfo.InvariantCulture))
        {
            return false;
        }

        pos += n;
        return true;
    }

    private static bool Write(string text, Span<char> destination, ref int written)
    {
        var pos = 0;
        if (!Put(text, destination, ref pos))
        {
            return false;
        }

        written = pos;
        return true;
    }

    private static bool Put(char c, Span<char> destination, ref int pos)
    {
        if (pos >= destination.Length)
        {
            return false;
        }

        destination[pos++] = c;
        return true;
    }

    private static bool Put(ReadOnlySpan<char> text, Span<char> destination, ref int pos)
    {
        if (!text.TryCopyTo(destination[pos..]))
        {
            return false;
        }

        pos += text.Length;
        return true;
    }
}
