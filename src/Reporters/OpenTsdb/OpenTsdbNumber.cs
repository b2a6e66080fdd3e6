using System.Globalization;
using Metrics.Reporters.Formatting;

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

        // Shortest round-trip digits (Ryu), laid out as .NET's round-trip form with a lower-case exponent.
        if (destination.Length >= MaxValueBytes)
        {
            return PythonFloat.WriteRoundTrip(value, destination);
        }

        Span<byte> buffer = stackalloc byte[MaxValueBytes];
        written = PythonFloat.WriteRoundTrip(value, buffer);
        buffer[..written].CopyTo(destination);
        return written;
    }

    /// <summary>The value as text, for messages and tests.</summary>
    public static string Format(double value)
    {
        Span<byte> buffer = stackalloc byte[MaxValueBytes];
        var n = Write(value, buffer);
        return System.Text.Encoding.ASCII.GetString(buffer[..n]);
    }
}
