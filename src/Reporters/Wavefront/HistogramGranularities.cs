namespace Metrics.Reporters.Wavefront;

/// <summary>A set of <see cref="HistogramGranularity"/> values as flags, so a distribution is written without allocating.</summary>
[Flags]
internal enum HistogramGranularities
{
    None = 0,
    Minute = 1 << HistogramGranularity.Minute,
    Hour = 1 << HistogramGranularity.Hour,
    Day = 1 << HistogramGranularity.Day,
}

internal static class HistogramGranularityExtensions
{
    public static HistogramGranularities ToFlags(this IEnumerable<HistogramGranularity>? granularities)
    {
        var flags = HistogramGranularities.None;
        if (granularities is null)
        {
            return flags;
        }

        foreach (var g in granularities)
        {
            if (!Enum.IsDefined(g))
            {
                throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"'{(int)g}' is not a histogram granularity; use Minute, Hour or Day."), nameof(granularities));
            }

            flags |= (HistogramGranularities)(1 << (int)g);
        }

        return flags;
    }
}
