using FsCheck;
using FsCheck.Fluent;
using Metrics.Histograms;

namespace Metrics.Tests.Histograms;

public class HdrHistogramPropertyTests
{
    private const long Highest = 3_600_000_000_000;

    [FsCheck.NUnit.Property(MaxTest = 200)]
    public Property GetSnapshot_AnyValues_ExactTotalsAndQuantilesWithinOnePercent()
    {
        var values = Gen.Choose(0, 62)
            .SelectMany(bits => Gen.Choose(0, int.MaxValue).Select(r => bits == 0 ? 0 : (long)(((ulong)r * 0x9E3779B97F4A7C15UL) >> (64 - Math.Min(bits, 41)))))
            .NonEmptyListOf()
            .Select(list => list.ToArray());
        var quantile = Gen.Choose(0, 1000).Select(q => q / 1000.0);

        return Prop.ForAll(values.ToArbitrary(), quantile.ToArbitrary(), (data, q) =>
        {
            var hdr = new HdrHistogram(2, Highest);
            foreach (var v in data)
            {
                hdr.Record(v);
            }

            var snapshot = hdr.GetSnapshot();
            var sorted = data.OrderBy(v => v).ToArray();
            var rank = Math.Max(1, (long)Math.Ceiling((decimal)q * sorted.Length));
            var exact = (double)sorted[rank - 1];
            return snapshot.Count == data.Length
                && snapshot.Sum == data.Sum(v => (double)v)
                && snapshot.Min == sorted[0]
                && snapshot.Max == sorted[^1]
                && Math.Abs(snapshot.GetValue(q) - exact) <= exact * 0.01;
        });
    }
}
