using System.Globalization;

namespace Metrics.Reporters;

internal enum RollupUnit
{
    Raw,
    Minute,
    Hour,
    Day,
    Month,
    Year,
}

internal enum RollupFunction
{
    Sum,
    Max,
    Min,
    Mean,
    StdDev,
    Count,
    Last,
}

/// <summary>A rollup interval, <c>&lt;n&gt;&lt;unit&gt;</c> or <c>raw</c>; buckets are aligned to the Unix epoch (months and years to UTC calendar).</summary>
internal readonly record struct RollupInterval(int Count, RollupUnit Unit)
{
    public const string Accepted = "'raw' or '<n><unit>' with n a positive whole number and unit one of min, hour, day, month, year (e.g. '1min', '5min', '1hour', '1day', '1month')";

    private const long MinuteMs = 60_000;

    public static RollupInterval Raw { get; } = new(1, RollupUnit.Raw);

    public static RollupInterval OneHour { get; } = new(1, RollupUnit.Hour);

    public static RollupInterval OneDay { get; } = new(1, RollupUnit.Day);

    public bool IsRaw => Unit == RollupUnit.Raw;

    /// <summary>The interval used when a read names none: raw up to 2 days, hourly up to 30 days, daily beyond.</summary>
    public static RollupInterval ForRange(TimeSpan range) =>
        range <= TimeSpan.FromDays(2) ? Raw : range <= TimeSpan.FromDays(30) ? OneHour : OneDay;

    public static RollupInterval Parse(string interval)
    {
        ArgumentNullException.ThrowIfNull(interval);
        var s = interval.Trim();
        if (s.Equals("raw", StringComparison.OrdinalIgnoreCase))
        {
            return Raw;
        }

        var digits = 0;
        while (digits < s.Length && char.IsAsciiDigit(s[digits]))
        {
            digits++;
        }

        var unit = s[digits..].ToUpperInvariant() switch
        {
            "MIN" => RollupUnit.Minute,
            "HOUR" => RollupUnit.Hour,
            "DAY" => RollupUnit.Day,
            "MONTH" => RollupUnit.Month,
            "YEAR" => RollupUnit.Year,
            _ => RollupUnit.Raw,
        };
        if (digits == 0 || unit == RollupUnit.Raw
            || !int.TryParse(s.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
        {
            throw new ArgumentException($"Rollup interval '{interval}' is not valid; use {Accepted}.", nameof(interval));
        }

        return new RollupInterval(n, unit);
    }

    /// <summary>The start (Unix milliseconds) of the bucket holding <paramref name="unixMs"/>.</summary>
    public long BucketStart(long unixMs)
    {
        switch (Unit)
        {
            case RollupUnit.Minute:
            case RollupUnit.Hour:
            case RollupUnit.Day:
                var width = Count * (Unit == RollupUnit.Minute ? MinuteMs : Unit == RollupUnit.Hour ? 60 * MinuteMs : 1440 * MinuteMs);
                var start = FloorDiv(unixMs, width) * width;
                return start >= MinUnixMs ? start : throw OutOfCalendar(unixMs);
            case RollupUnit.Month:
                {
                    var t = DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime;
                    var index = FloorDiv(((t.Year - 1970) * 12L) + t.Month - 1, Count) * Count;
                    var year = 1970 + FloorDiv(index, 12);
                    var month = index - ((year - 1970) * 12) + 1;
                    return year >= 1 ? new DateTimeOffset((int)year, (int)month, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() : throw OutOfCalendar(unixMs);
                }

            case RollupUnit.Year:
                {
                    var t = DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime;
                    var year = 1970 + (FloorDiv(t.Year - 1970L, Count) * Count);
                    return year >= 1 ? new DateTimeOffset((int)year, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() : throw OutOfCalendar(unixMs);
                }

            default:
                return unixMs;
        }
    }

    /// <summary>Unix milliseconds of <see cref="DateTimeOffset.MinValue"/>, the earliest time a bucket may start at.</summary>
    private static readonly long MinUnixMs = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();

    /// <summary>
    /// The bucket of a point lies before year 1 (buckets are aligned to 1970, so a long interval reaches back far):
    /// the interval cannot be applied to that point.
    /// </summary>
    private ArgumentException OutOfCalendar(long unixMs) => new(
        string.Create(
            CultureInfo.InvariantCulture,
            $"Rollup interval '{this}' cannot be applied to the point at {DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime:O}: its bucket (aligned to 1970) would start before the year 1; use a shorter interval or a later start."));

    public override string ToString() => Unit switch
    {
        RollupUnit.Raw => "raw",
        RollupUnit.Minute => Count.ToString(CultureInfo.InvariantCulture) + "min",
        RollupUnit.Hour => Count.ToString(CultureInfo.InvariantCulture) + "hour",
        RollupUnit.Day => Count.ToString(CultureInfo.InvariantCulture) + "day",
        RollupUnit.Month => Count.ToString(CultureInfo.InvariantCulture) + "month",
        _ => Count.ToString(CultureInfo.InvariantCulture) + "year",
    };

    private static long FloorDiv(long a, long b)
    {
        var q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
    }
}

internal static class Rollup
{
    public const string AcceptedFunctions = "sum, max, min, avg (or mean), stddev, count, last";

    public static RollupFunction ParseFunction(string function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return function.Trim().ToUpperInvariant() switch
        {
            "SUM" => RollupFunction.Sum,
            "MAX" => RollupFunction.Max,
            "MIN" => RollupFunction.Min,
            "AVG" or "MEAN" => RollupFunction.Mean,
            "STDDEV" => RollupFunction.StdDev,
            "COUNT" => RollupFunction.Count,
            "LAST" => RollupFunction.Last,
            _ => throw new ArgumentException($"Rollup function '{function}' is not valid; use one of {AcceptedFunctions}.", nameof(function)),
        };
    }

    public static string Name(RollupFunction function) => function switch
    {
        RollupFunction.Sum => "sum",
        RollupFunction.Max => "max",
        RollupFunction.Min => "min",
        RollupFunction.Mean => "mean",
        RollupFunction.StdDev => "stddev",
        RollupFunction.Last => "last",
        _ => "count",
    };
}

/// <summary>Running statistics over values (Welford's method for the variance).</summary>
internal struct Accumulator
{
    // Values above 2^MaxScaledExponent are scaled down by a power of two before they enter the running mean and sum
    // of squares, so those stay finite for any finite values (the squared difference of two values near
    // double.MaxValue overflows). Scaling by a power of two is exact, and values below it are not scaled at all, so
    // ordinary values give the same bits as plain Welford.
    private const int MaxScaledExponent = 500;

    private double _mean; // scaled by 2^-_exponent
    private double _m2; // scaled by 2^-(2 * _exponent)
    private int _exponent;

    public long Count { get; private set; }

    public double Sum { get; private set; }

    public double Min { get; private set; }

    public double Max { get; private set; }

    /// <summary>The value added last: the newest, as points are added oldest first.</summary>
    public double Last { get; private set; }

    public void Add(double value)
    {
        Last = value;
        if (Count == 0)
        {
            Min = value;
            Max = value;
        }
        else
        {
            Min = Math.Min(Min, value);
            Max = Math.Max(Max, value);
        }

        Count++;
        Sum += value;
        if (value != 0 && double.IsFinite(value) && Math.ILogB(value) - _exponent > MaxScaledExponent)
        {
            var exponent = Math.ILogB(value);
            _mean = Math.ScaleB(_mean, _exponent - exponent);
            _m2 = Math.ScaleB(_m2, 2 * (_exponent - exponent));
            _exponent = exponent;
        }

        var scaled = Math.ScaleB(value, -_exponent);
        var delta = scaled - _mean;
        _mean += delta / Count;
        _m2 += delta * (scaled - _mean);
    }

    // Sum / Count, exact as a user computes it; when the sum of finite values overflows, the running mean (which
    // stays within the values' range) instead of infinity.
    public readonly double Mean => Count == 0 ? double.NaN : double.IsFinite(Sum) ? Sum / Count : Math.ScaleB(_mean, _exponent);

    // Infinity only when the standard deviation itself is past double.MaxValue (values spread over nearly the whole range).
    public readonly double StdDev => Count == 0 ? double.NaN : Count == 1 ? 0 : Math.ScaleB(Math.Sqrt(_m2 / (Count - 1)), _exponent);

    public readonly double Result(RollupFunction function) => function switch
    {
        RollupFunction.Sum => Sum,
        RollupFunction.Max => Max,
        RollupFunction.Min => Min,
        RollupFunction.Mean => Mean,
        RollupFunction.StdDev => StdDev,
        RollupFunction.Last => Last,
        _ => Count,
    };

    public readonly DataSetSummary ToSummary() =>
        Count == 0
            ? new DataSetSummary(0, double.NaN, double.NaN, double.NaN, double.NaN, 0)
            : new DataSetSummary(Sum, Mean, Min, Max, StdDev, Count);
}
