using System.Globalization;

namespace Metrics.Reporters.OpenTsdb;

/// <summary>
/// Writes values the way OpenTSDB's reference clients do: integral values as integers without a decimal point
/// (<c>42</c>), other values in the shortest form that round-trips, with Python's lower-case exponent (<c>1.5e-05</c>).
/// </summary>
internal static class OpenTsdbNumber
{
    /// <summary>The most bytes a value can take.</summary>
    public const int MaxValueBytes = 32;

    // Integral doubles below 2^63 fit a long exactly; larger ones are written in exponent form.
    private const double LongLimit = 9.2233720368547758E18;

    // Any decimal of at most 15 significant digits survives a trip through a double (DBL_DIG).
    private const double MaxExactDigits = 1e15;

    private static readonly double[] Pow10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6];

    /// <summary>Writes a finite <paramref name="value"/>; returns the bytes written.</summary>
    public static int Write(double value, Span<byte> destination)
    {
        int written;
        if (Math.Abs(value) < LongLimit && value == Math.Floor(value))
        {
            // -0.0 becomes 0, as OpenTSDB would store it.
            ((long)value).TryFormat(destination, out written, default, CultureInfo.InvariantCulture);
            return written;
        }

        if (TryWriteShortDecimal(value, destination, out written))
        {
            return written;
        }

        // The default format of double is the shortest round-trip form ("R").
        value.TryFormat(destination, out written, default, CultureInfo.InvariantCulture);
        for (var i = 0; i < written; i++)
        {
            if (destination[i] == (byte)'E')
            {
                destination[i] = (byte)'e';
                break;
            }
        }

        return written;
    }

    /// <summary>
    /// Fast path for values with a few decimals (<c>42.5</c>, <c>0.25</c>, <c>3.14159</c>): when value = m / 10^k
    /// exactly for an integer m of at most 15 digits (k from 1 to 6), the digits of m without trailing zeros and with a
    /// point inserted are the shortest round-trip form, the same text the general formatter gives, at a fraction of its cost.
    /// </summary>
    internal static bool TryWriteShortDecimal(double value, Span<byte> destination, out int written)
    {
        written = 0;
        var abs = Math.Abs(value);
        // Below 1e-4 the round-trip form uses an exponent; integral values never get here.
        if (!(abs >= 1e-4) || abs >= MaxExactDigits)
        {
            return false;
        }

        for (var k = 1; k < Pow10.Length; k++)
        {
            var m = abs * Pow10[k];
            if (m >= MaxExactDigits)
            {
                return false;
            }

            if (m != Math.Floor(m) || m / Pow10[k] != abs)
            {
                continue;
            }

            Span<byte> digits = stackalloc byte[20];
            ((long)m).TryFormat(digits, out var n, default, CultureInfo.InvariantCulture);

            // m * 10^-k can be exact at this k although the product rounded off at a smaller one: drop trailing zeros.
            while (digits[n - 1] == (byte)'0')
            {
                n--;
                k--;
            }

            var pos = 0;
            if (value < 0)
            {
                destination[pos++] = (byte)'-';
            }

            if (n <= k)
            {
                destination[pos++] = (byte)'0';
                destination[pos++] = (byte)'.';
                for (var z = n; z < k; z++)
                {
                    destination[pos++] = (byte)'0';
                }

                digits[..n].CopyTo(destination[pos..]);
                pos += n;
            }
            else
            {
                digits[..(n - k)].CopyTo(destination[pos..]);
                pos += n - k;
                destination[pos++] = (byte)'.';
                digits[(n - k)..n].CopyTo(destination[pos..]);
                pos += k;
            }

            written = pos;
            return true;
        }

        return false;
    }

    /// <summary>The value as text, for messages and tests.</summary>
    public static string Format(double value)
    {
        Span<byte> buffer = stackalloc byte[MaxValueBytes];
        var n = Write(value, buffer);
        return System.Text.Encoding.ASCII.GetString(buffer[..n]);
    }
}
