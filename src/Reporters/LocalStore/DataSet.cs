namespace Metrics.Reporters;

/// <summary>One value of a series at a time: a raw point, or a rollup bucket (stamped with the bucket's start).</summary>
/// <param name="Timestamp">The point's time, or the start of the rollup bucket.</param>
/// <param name="Value">The value, or the rollup function's result over the bucket.</param>
public readonly record struct TimeValue(DateTimeOffset Timestamp, double Value);

/// <summary>
/// Statistics over the raw points of a <see cref="DataSet"/>'s range (whatever rollup was asked for).
/// With no points, <see cref="Count"/> and <see cref="Sum"/> are 0 and the others are NaN.
/// </summary>
/// <param name="Sum">The sum of the values.</param>
/// <param name="Mean">The arithmetic mean.</param>
/// <param name="Min">The smallest value.</param>
/// <param name="Max">The largest value.</param>
/// <param name="StdDev">The sample standard deviation (n − 1 in the denominator; 0 for a single point).</param>
/// <param name="Count">How many raw points.</param>
public readonly record struct DataSetSummary(double Sum, double Mean, double Min, double Max, double StdDev, long Count);

/// <summary>What <see cref="LocalStore.Read"/> returns for one series: its points in [Start, End) and a summary.</summary>
public sealed class DataSet
{
    internal DataSet(Series series, DateTimeOffset start, DateTimeOffset end, string interval, string? function, IReadOnlyList<TimeValue> points, DataSetSummary summary)
    {
        Series = series;
        Start = start;
        End = end;
        Interval = interval;
        Function = function;
        Points = points;
        Summary = summary;
    }

    /// <summary>The series.</summary>
    public Series Series { get; }

    /// <summary>The start of the range read (inclusive).</summary>
    public DateTimeOffset Start { get; }

    /// <summary>The end of the range read (exclusive).</summary>
    public DateTimeOffset End { get; }

    /// <summary>The rollup interval applied, e.g. <c>raw</c>, <c>1hour</c> (the one chosen when none was asked for).</summary>
    public string Interval { get; }

    /// <summary>The rollup function applied, e.g. <c>mean</c>; null for raw points.</summary>
    public string? Function { get; }

    /// <summary>The points, oldest first. Rollup buckets with no raw points are left out.</summary>
    public IReadOnlyList<TimeValue> Points { get; }

    /// <summary>Statistics over the raw points of the range.</summary>
    public DataSetSummary Summary { get; }
}
