using System.Runtime.CompilerServices;
using System.Text;

namespace Metrics.Reporters.Formatting;

/// <summary>
/// Writes a double the way Python's <c>repr(float)</c> does, as reference clients print values: the shortest
/// digits that round-trip, <c>.0</c> on integral values (<c>42422.0</c>), and exponent form from 1e16 upward and
/// below 1e-4 (<c>1e+16</c>, <c>1.5e-05</c>). Allocation-free through <see cref="TryFormat(double, Span{byte}, out int)"/>,
/// which writes UTF-8 (ASCII) bytes directly.
/// </summary>
internal static class PythonFloat
{
    /// <summary>Enough room for any finite double in Python form (17 digits, sign, point, exponent).</summary>
    public const int MaxLength = 32;

    // Python writes fixed-point digits while the decimal point is at most 16 places right of the first digit.
    private const int PythonFixedLimit = 16;

    // .NET's round-trip form writes fixed-point digits while the decimal point is at most 15 places, or as many
    // places as there are digits, right of the first digit.
    private const int DotNetFixedLimit = 15;

    /// <summary>Formats a finite value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is NaN or infinite: such values are never sent.</exception>
    public static string Format(double value)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        if (!TryFormat(value, buffer, out var written))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "Only finite values can be written; NaN and infinities are never sent.");
        }

        return Encoding.ASCII.GetString(buffer[..written]);
    }

    /// <summary>Writes a finite value into <paramref name="destination"/>; false when the value is not finite or the span is too short.</summary>
    public static bool TryFormat(double value, Span<char> destination, out int written)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        written = 0;
        if (!TryFormat(value, buffer, out var n) || n > destination.Length)
        {
            return false;
        }

        System.Text.Ascii.ToUtf16(buffer[..n], destination, out written);
        return true;
    }

    /// <summary>Writes a finite value as UTF-8 into <paramref name="destination"/>; false when the value is not finite or the span is too short.</summary>
    public static bool TryFormat(double value, Span<byte> destination, out int written)
    {
        written = 0;
        if (!double.IsFinite(value))
        {
            return false;
        }

        if (destination.Length >= MaxLength)
        {
            written = Write(value, destination, PythonFixedLimit, integralPoint: true, limitGrowsWithDigits: false);
            return true;
        }

        Span<byte> buffer = stackalloc byte[MaxLength];
        var n = Write(value, buffer, PythonFixedLimit, integralPoint: true, limitGrowsWithDigits: false);
        if (n > destination.Length)
        {
            return false;
        }

        buffer[..n].CopyTo(destination);
        written = n;
        return true;
    }

    /// <summary>
    /// Writes a finite value in .NET's round-trip form with a lower-case exponent (exponent form below 1e-4, and from
    /// 1e15 upward unless every digit is significant, no <c>.0</c> on integral values), into at least <see cref="MaxLength"/> bytes; returns the bytes written.
    /// </summary>
    public static int WriteRoundTrip(double value, Span<byte> destination) =>
        Write(value, destination, DotNetFixedLimit, integralPoint: false, limitGrowsWithDigits: true);

    // Shortest round-trip digits laid out with the decimal point at most fixedLimit places right of the first digit
    // (or the digit count, when limitGrowsWithDigits and that is more); otherwise, and below 1e-4, in exponent form
    // d.ddde+XX. destination holds at least MaxLength bytes.
    private static int Write(double value, Span<byte> destination, int fixedLimit, bool integralPoint, bool limitGrowsWithDigits)
    {
        var pos = 0;
        if (double.IsNegative(value))
        {
            destination[pos++] = (byte)'-';
        }

        if (value == 0)
        {
            destination[pos++] = (byte)'0';
            if (integralPoint)
            {
                destination[pos++] = (byte)'.';
                destination[pos++] = (byte)'0';
            }

            return pos;
        }

        Ryu.Decompose(value, out var mantissa, out var exponent);
        var count = CountDigits(mantissa);

        // The value is 0.d1d2d3... x 10^decimalPoint.
        var decimalPoint = count + exponent;
        if (limitGrowsWithDigits && count > fixedLimit)
        {
            fixedLimit = count;
        }

        if (decimalPoint > fixedLimit || decimalPoint <= -4)
        {
            // d.ddd: the digits written one place to the right, then the first moved in front of the point.
            WriteDigits(mantissa, destination.Slice(pos + 1, count));
            destination[pos] = destination[pos + 1];
            if (count > 1)
            {
                destination[pos + 1] = (byte)'.';
                pos += count + 1;
            }
            else
            {
                pos++;
            }

            destination[pos++] = (byte)'e';
            var e = decimalPoint - 1;
            if (e < 0)
            {
                destination[pos++] = (byte)'-';
                e = -e;
            }
            else
            {
                destination[pos++] = (byte)'+';
            }

            if (e >= 100)
            {
                destination[pos++] = (byte)('0' + (e / 100));
                e %= 100;
            }

            destination[pos++] = (byte)('0' + (e / 10));
            destination[pos++] = (byte)('0' + (e % 10));
            return pos;
        }

        if (decimalPoint <= 0)
        {
            destination[pos++] = (byte)'0';
            destination[pos++] = (byte)'.';
            for (var z = decimalPoint; z < 0; z++)
            {
                destination[pos++] = (byte)'0';
            }

            WriteDigits(mantissa, destination.Slice(pos, count));
            return pos + count;
        }

        if (decimalPoint < count)
        {
            // All digits one place to the right, then the integral ones moved back in front of the point.
            WriteDigits(mantissa, destination.Slice(pos + 1, count));
            destination.Slice(pos + 1, decimalPoint).CopyTo(destination[pos..]);
            destination[pos + decimalPoint] = (byte)'.';
            return pos + count + 1;
        }

        WriteDigits(mantissa, destination.Slice(pos, count));
        pos += count;
        for (var z = count; z < decimalPoint; z++)
        {
            destination[pos++] = (byte)'0';
        }

        if (integralPoint)
        {
            destination[pos++] = (byte)'.';
            destination[pos++] = (byte)'0';
        }

        return pos;
    }

    private static ReadOnlySpan<ulong> PowersOf10 =>
    [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000,
        100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
        10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000, 10_000_000_000_000_000_000,
    ];

    // "00" to "99": two digits per division.
    private static ReadOnlySpan<byte> TwoDigits =>
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"u8;

    // The number of decimal digits of value (at least 1).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CountDigits(ulong value)
    {
        // floor(log10(value)) is about log2(value) x 1233 / 4096; one comparison corrects it.
        var digits = ((System.Numerics.BitOperations.Log2(value) + 1) * 1233) >> 12;
        return digits + 1 - (value < PowersOf10[digits] ? 1 : 0);
    }

    // Writes value as exactly destination.Length digits (leading zeros included): eight at a time.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteDigits(ulong value, Span<byte> destination)
    {
        var pos = destination.Length;
        while (pos >= 8)
        {
            var q = value / 100_000_000;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(destination[(pos - 8)..], EightDigits((uint)(value - (q * 100_000_000))));
            value = q;
            pos -= 8;
        }

        WritePairs((uint)value, destination[..pos]);
    }

    // The eight ASCII digits of value (below 10^8), first digit in the lowest byte: the value is split into two
    // halves of four digits, each into two pairs, each pair into tens and ones, all lanes at once in one 64-bit word.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong EightDigits(uint value)
    {
        var high = value / 10_000;
        var x = ((ulong)(value - (high * 10_000)) << 32) | high;

        // Two 32-bit lanes below 10,000: q = lane / 100 (5243 / 2^19, exact below 43,699), r = lane % 100.
        var q = ((x * 5243) >> 19) & 0x0000_007F_0000_007FUL;
        var y = ((x - (q * 100)) << 16) | q;

        // Four 16-bit lanes below 100: t = lane / 10 (103 / 2^10, exact below 179), o = lane % 10.
        var t = ((y * 103) >> 10) & 0x000F_000F_000F_000FUL;
        var z = ((y - (t * 10)) << 8) | t;
        return z + 0x3030_3030_3030_3030UL;
    }

    private static void WritePairs(uint value, Span<byte> destination)
    {
        var pos = destination.Length;
        var pairs = TwoDigits;
        while (pos >= 2)
        {
            var q = value / 100;
            var r = (int)(value - (q * 100)) * 2;
            value = q;
            destination[--pos] = pairs[r + 1];
            destination[--pos] = pairs[r];
        }

        if (pos == 1)
        {
            destination[0] = (byte)('0' + value);
        }
    }
}
