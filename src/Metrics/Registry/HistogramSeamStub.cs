namespace Metrics;

// Stand-in for the histogram seam that the histogram branch provides (Histogram.GetWindow and HistogramCursor).
// Delete this file when that branch is merged: its instance method takes over and this type would clash.

/// <summary>A reader's position in a histogram's stream of values.</summary>
internal sealed class HistogramCursor
{
}

/// <summary>Temporary window accessor until the histogram branch lands.</summary>
internal static class HistogramSeamStub
{
    /// <summary>Returns the histogram's snapshot as the window (the histogram branch replaces this).</summary>
    public static HistogramSnapshot GetWindow(this Histogram histogram, ref HistogramCursor? cursor)
    {
        cursor ??= new HistogramCursor();
        return histogram.GetSnapshot();
    }
}
