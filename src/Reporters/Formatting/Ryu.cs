using System.Numerics;
using System.Runtime.CompilerServices;

namespace Metrics.Reporters.Formatting;

/// <summary>
/// The shortest decimal digits that round-trip to a double (Ulf Adams, "Ryū: fast float-to-string conversion",
/// PLDI 2018): the same digits as .NET's and Python's round-trip forms, computed with 64x128-bit multiplications
/// instead of big-number arithmetic. The multiplier tables (5^i and 2^k / 5^i to 125 significant bits) are computed
/// once, with <see cref="BigInteger"/>, when the class is first used.
/// </summary>
internal static class Ryu
{
    private const int MantissaBits = 52;
    private const int ExponentBias = 1023;
    private const int Pow5InvBitCount = 125;
    private const int Pow5BitCount = 125;
    private const int Pow5InvTableSize = 342;
    private const int Pow5TableSize = 326;

    // Each entry is two ulongs, low word first.
    private static readonly ulong[] Pow5InvSplit = BuildInverseTable();
    private static readonly ulong[] Pow5Split = BuildTable();

    /// <summary>
    /// Splits a finite, non-zero <paramref name="value"/>'s magnitude into <paramref name="digits"/> x 10^<paramref name="exponent"/>,
    /// with the fewest digits that parse back to the same double (the closest such when several qualify), and no trailing zeros.
    /// </summary>
    public static void Decompose(double value, out ulong digits, out int exponent)
    {
        var bits = BitConverter.DoubleToUInt64Bits(value);
        var ieeeMantissa = bits & ((1UL << MantissaBits) - 1);
        var ieeeExponent = (int)((bits >> MantissaBits) & 0x7FF);

        // Integers below 2^53: the digits are the integer's, without its trailing zeros.
        if (ieeeExponent >= ExponentBias && ieeeExponent <= ExponentBias + MantissaBits)
        {
            var shift = ExponentBias + MantissaBits - ieeeExponent;
            var m = (1UL << MantissaBits) | ieeeMantissa;
            if ((m & ((1UL << shift) - 1)) == 0)
            {
                digits = m >> shift;
                exponent = 0;
                StripZeros(ref digits, ref exponent);
                return;
            }
        }

        Shortest(ieeeMantissa, ieeeExponent, out digits, out exponent);
        StripZeros(ref digits, ref exponent);
    }

    private static void StripZeros(ref ulong digits, ref int exponent)
    {
        while (digits != 0)
        {
            var q = digits / 10;
            if (digits - (q * 10) != 0)
            {
                break;
            }

            digits = q;
            exponent++;
        }
    }

    private static void Shortest(ulong ieeeMantissa, int ieeeExponent, out ulong output, out int exponent)
    {
        int e2;
        ulong m2;
        if (ieeeExponent == 0)
        {
            e2 = 1 - ExponentBias - MantissaBits - 2;
            m2 = ieeeMantissa;
        }
        else
        {
            e2 = ieeeExponent - ExponentBias - MantissaBits - 2;
            m2 = (1UL << MantissaBits) | ieeeMantissa;
        }

        var acceptBounds = (m2 & 1) == 0;

        // The interval of decimals that round to this double: [4 m2 - 1 - mmShift, 4 m2 + 2] x 2^e2.
        var mv = 4 * m2;
        var mmShift = ieeeMantissa != 0 || ieeeExponent <= 1 ? 1u : 0u;

        ulong vr, vp, vm;
        int e10;
        var vmIsTrailingZeros = false;
        var vrIsTrailingZeros = false;
        if (e2 >= 0)
        {
            var q = Log10Pow2(e2) - (e2 > 3 ? 1 : 0);
            e10 = q;
            var k = Pow5InvBitCount + Pow5Bits(q) - 1;
            var i = -e2 + q + k;
            vr = MulShiftAll(m2, Pow5InvSplit, q, i, out vp, out vm, mmShift);
            if (q <= 21)
            {
                // Only one of mp, mv and mm can be a multiple of 5, if any.
                if (mv % 5 == 0)
                {
                    vrIsTrailingZeros = MultipleOfPowerOf5(mv, q);
                }
                else if (acceptBounds)
                {
                    vmIsTrailingZeros = MultipleOfPowerOf5(mv - 1 - mmShift, q);
                }
                else if (MultipleOfPowerOf5(mv + 2, q))
                {
                    vp--;
                }
            }
        }
        else
        {
            var q = Log10Pow5(-e2) - (-e2 > 1 ? 1 : 0);
            e10 = q + e2;
            var i = -e2 - q;
            var k = Pow5Bits(i) - Pow5BitCount;
            var j = q - k;
            vr = MulShiftAll(m2, Pow5Split, i, j, out vp, out vm, mmShift);
            if (q <= 1)
            {
                // mv = 4 m2 always has at least two trailing zero bits.
                vrIsTrailingZeros = true;
                if (acceptBounds)
                {
                    vmIsTrailingZeros = mmShift == 1;
                }
                else
                {
                    vp--;
                }
            }
            else if (q < 63)
            {
                vrIsTrailingZeros = (mv & ((1UL << q) - 1)) == 0;
            }
        }

        var removed = 0;
        if (vmIsTrailingZeros || vrIsTrailingZeros)
        {
            // The rare general case: exact halfway values and bounds that are themselves decimals.
            var lastRemovedDigit = 0;
            while (true)
            {
                var vpDiv10 = vp / 10;
                var vmDiv10 = vm / 10;
                if (vpDiv10 <= vmDiv10)
                {
                    break;
                }

                var vmMod10 = (int)(vm - (10 * vmDiv10));
                var vrDiv10 = vr / 10;
                var vrMod10 = (int)(vr - (10 * vrDiv10));
                vmIsTrailingZeros &= vmMod10 == 0;
                vrIsTrailingZeros &= lastRemovedDigit == 0;
                lastRemovedDigit = vrMod10;
                vr = vrDiv10;
                vp = vpDiv10;
                vm = vmDiv10;
                removed++;
            }

            if (vmIsTrailingZeros)
            {
                while (true)
                {
                    var vmDiv10 = vm / 10;
                    var vmMod10 = (int)(vm - (10 * vmDiv10));
                    if (vmMod10 != 0)
                    {
                        break;
                    }

                    var vpDiv10 = vp / 10;
                    var vrDiv10 = vr / 10;
                    var vrMod10 = (int)(vr - (10 * vrDiv10));
                    vrIsTrailingZeros &= lastRemovedDigit == 0;
                    lastRemovedDigit = vrMod10;
                    vr = vrDiv10;
                    vp = vpDiv10;
                    vm = vmDiv10;
                    removed++;
                }
            }

            if (vrIsTrailingZeros && lastRemovedDigit == 5 && vr % 2 == 0)
            {
                // The exact value is ...50...0: round half to even.
                lastRemovedDigit = 4;
            }

            output = vr + ((vr == vm && (!acceptBounds || !vmIsTrailingZeros)) || lastRemovedDigit >= 5 ? 1UL : 0UL);
        }
        else
        {
            // The common case: no bound is a decimal of this length, so ties cannot happen. Digits go four, two, then
            // one at a time (the same digits as one at a time: a chunk goes only when every digit of it would), and
            // only the first removed digit of the last chunk decides the rounding.
            var roundUp = false;
            while (vp / 10_000 > vm / 10_000)
            {
                var vrDiv = vr / 10_000;
                roundUp = vr - (10_000 * vrDiv) >= 5_000;
                vr = vrDiv;
                vp /= 10_000;
                vm /= 10_000;
                removed += 4;
            }

            if (vp / 100 > vm / 100)
            {
                var vrDiv = vr / 100;
                roundUp = vr - (100 * vrDiv) >= 50;
                vr = vrDiv;
                vp /= 100;
                vm /= 100;
                removed += 2;
            }

            if (vp / 10 > vm / 10)
            {
                var vrDiv = vr / 10;
                roundUp = vr - (10 * vrDiv) >= 5;
                vr = vrDiv;
                vp /= 10;
                vm /= 10;
                removed++;
            }

            output = vr + (vr == vm || roundUp ? 1UL : 0UL);
        }

        exponent = e10 + removed;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MulShiftAll(ulong m, ulong[] table, int index, int j, out ulong vp, out ulong vm, uint mmShift)
    {
        var low = table[2 * index];
        var high = table[(2 * index) + 1];
        vp = MulShift(4 * m + 2, low, high, j);
        vm = MulShift(4 * m - 1 - mmShift, low, high, j);
        return MulShift(4 * m, low, high, j);
    }

    // (m x (high:low)) >> j, for j >= 64 and m below 2^55.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MulShift(ulong m, ulong low, ulong high, int j)
    {
        var high1 = Math.BigMul(m, high, out var low1);
        var high0 = Math.BigMul(m, low, out _);
        var sum = high0 + low1;
        if (sum < high0)
        {
            high1++;
        }

        var dist = j - 64;
        return (high1 << (64 - dist)) | (sum >> dist);
    }

    private static bool MultipleOfPowerOf5(ulong value, int p)
    {
        var count = 0;
        while (value != 0 && value % 5 == 0)
        {
            value /= 5;
            count++;
        }

        return count >= p;
    }

    // ceil(log2(5^e)) for e >= 1, and 1 for e = 0: the bit length of 5^e.
    private static int Pow5Bits(int e) => (int)(((uint)e * 1217359) >> 19) + 1;

    // floor(log10(2^e)) for 0 <= e <= 1650.
    private static int Log10Pow2(int e) => (int)(((uint)e * 78913) >> 18);

    // floor(log10(5^e)) for 0 <= e <= 2620.
    private static int Log10Pow5(int e) => (int)(((uint)e * 732923) >> 20);

    private static ulong[] BuildInverseTable()
    {
        var table = new ulong[2 * Pow5InvTableSize];
        var mask = (BigInteger.One << 64) - 1;
        for (var i = 0; i < Pow5InvTableSize; i++)
        {
            var pow = BigInteger.Pow(5, i);
            var j = (int)pow.GetBitLength() - 1 + Pow5InvBitCount;
            var inverse = (BigInteger.One << j) / pow + 1;
            table[2 * i] = (ulong)(inverse & mask);
            table[(2 * i) + 1] = (ulong)(inverse >> 64);
        }

        return table;
    }

    private static ulong[] BuildTable()
    {
        var table = new ulong[2 * Pow5TableSize];
        var mask = (BigInteger.One << 64) - 1;
        for (var i = 0; i < Pow5TableSize; i++)
        {
            var pow = BigInteger.Pow(5, i);
            var shift = (int)pow.GetBitLength() - Pow5BitCount;
            var value = shift >= 0 ? pow >> shift : pow << -shift;
            table[2 * i] = (ulong)(value & mask);
            table[(2 * i) + 1] = (ulong)(value >> 64);
        }

        return table;
    }
}
