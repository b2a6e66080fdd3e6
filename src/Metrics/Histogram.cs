using System.Globalization;
using System.Runtime.CompilerServices;
using Metrics.Histograms;

namespace Metrics;

/// <summary>
/// A distribution of values. By default an HDR-style log-linear histogram: fixed memory, every value counted,
/// quantiles within the configured relative error; Dropwizard reservoirs are available through <see cref="HistogramOptions"/>.
/// </summary>
/// <remarks>
/// <para>Thread-safe. With the HDR reservoir <see cref="Update(long)"/> takes no lock and allocates nothing once a
/// thread has recorded a value of that order of magnitude (its first value ever creates the thread's part, under a short
/// lock; the first value of each new order of magnitude allocates a block of counts in it); the sample-based
/// reservoirs take a short lock, as Dropwizard's do.</para>
/// <para>Negative and non-finite values are ignored and counted in <see cref="HistogramSnapshot.Rejected"/>. HDR:
/// values above <see cref="HistogramOptions.HighestTrackableValue"/> are recorded as that value (in the buckets and
/// in Sum, Min and Max) and counted in <see cref="HistogramSnapshot.Clamped"/>.</para>
/// <para>HDR buckets values in whole numbers by default: for fractional values (seconds, ratios) set
/// <see cref="HistogramOptions.Resolution"/>, e.g. 0.001 for seconds to the millisecond. Every snapshot value stays in
/// the units recorded.</para>
/// <para>HDR recording takes no locked instruction: every recording thread writes a part of its own (plain stores),
/// and reads sum the parts. Threads beyond the per-process slot limit share one part written atomically.</para>
/// <para>HDR memory: per part, one block of 2^⌈log2(2·10^digits)⌉ / 2 counts (8 bytes each) per power of two that
/// part's thread reached, plus about 900 bytes. At the defaults (2 digits, one hour in nanoseconds) a block is 1 KB and
/// a part holds at most 36, so a histogram recorded by one thread stays under 40 KB even with every magnitude reached;
/// each further thread that records adds the blocks of the magnitudes it reaches (e.g. two magnitudes: about 3 KB;
/// every magnitude: about 39 KB). A part outlives its thread and is reused by the next thread given the same slot
/// (slots are numbered per process, lowest free first), so a histogram never has more parts than the most recording
/// threads the process had alive at once (at most 4 per processor, at least 16, at most 256), plus the shared one.</para>
/// </remarks>
public sealed class Histogram
{
    // The HDR engine at the default resolution of 1, which Update records into directly.
    private readonly HdrHistogram? _hdr;

    // The HDR engine at a resolution below 1: values are scaled into its units on the slow path, so the default
    // path's one test of _hdr stays as it is.
    private readonly HdrHistogram? _scaledHdr;
    private readonly IReservoir? _reservoir;
    private const double MinResolution = 1.0 / (1L << 40);

    private long _count;
    private long _rejected;

    // A sample-based reservoir's sum of every value recorded (its snapshots describe only the sample).
    private double _sum;

    internal Histogram(HistogramOptions options, TimeProvider time)
        : this(options, time, null)
    {
    }

    /// <summary>Test seam: <paramref name="random"/> drives the random reservoirs (a seeded one makes them repeatable).</summary>
    /// <param name="options">The settings.</param>
    /// <param name="time">The clock of the time-based reservoirs.</param>
    /// <param name="random">Drives the random reservoirs; null for a shared one.</param>
    /// <param name="ignoreResolution">
    /// A timer's histogram: it records whole nanoseconds, so <see cref="HistogramOptions.Resolution"/> is neither
    /// applied nor validated.
    /// </param>
    internal Histogram(HistogramOptions options, TimeProvider time, Random? random, bool ignoreResolution = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        Validate(options, ignoreResolution);
        switch (options.Reservoir)
        {
            case ReservoirType.Hdr:
                var unitShift = ignoreResolution ? 0 : UnitShift(options.Resolution);
                if (unitShift == 0)
                {
                    _hdr = new HdrHistogram(options.SignificantDigits, options.HighestTrackableValue);
                }
                else
                {
                    _scaledHdr = new HdrHistogram(options.SignificantDigits, options.HighestTrackableValue, unitShift);
                }

                break;
            case ReservoirType.ExponentiallyDecaying:
                _reservoir = new ExponentiallyDecayingReservoir(options.SampleSize, options.Alpha, time, random);
                break;
            case ReservoirType.SlidingTimeWindow:
                _reservoir = new SlidingTimeWindowReservoir(options.Window, time);
                break;
            case ReservoirType.SlidingWindow:
                _reservoir = new SlidingWindowReservoir(options.SampleSize);
                break;
            default:
                _reservoir = new UniformReservoir(options.SampleSize, random);
                break;
        }
    }

    /// <summary>Values recorded so far (rejected values are not counted; clamped ones are).</summary>
    public long Count => Hdr?.Count ?? Volatile.Read(ref _count);

    /// <summary>
    /// The HDR engine, or null for a sample-based reservoir. Reads give values in the user's units; record through
    /// <see cref="Update(long)"/>, which scales values when <see cref="HistogramOptions.Resolution"/> is below 1.
    /// </summary>
    internal HdrHistogram? Hdr => _hdr ?? _scaledHdr;

    /// <summary>
    /// Records a value. Negative values are ignored and counted in <see cref="HistogramSnapshot.Rejected"/>; HDR:
    /// values above <see cref="HistogramOptions.HighestTrackableValue"/> are recorded as that value and counted in
    /// <see cref="HistogramSnapshot.Clamped"/>.
    /// </summary>
    public void Update(long value)
    {
        if (_hdr is not null)
        {
            _hdr.Record(value);
        }
        else
        {
            UpdateSlow(value);
        }
    }

    /// <summary>
    /// Records a value; HDR: it is rounded to the nearest unit for bucketing (a whole number unless
    /// <see cref="HistogramOptions.Resolution"/> is below 1), while Sum, Min, Max and Mean keep it exactly. Negative,
    /// infinite and NaN values are ignored and counted in <see cref="HistogramSnapshot.Rejected"/>;
    /// HDR: values above <see cref="HistogramOptions.HighestTrackableValue"/> are recorded as that value and counted in
    /// <see cref="HistogramSnapshot.Clamped"/>.
    /// </summary>
    public void Update(double value)
    {
        if (_hdr is not null)
        {
            _hdr.Record(value);
        }
        else
        {
            UpdateSlow(value);
        }
    }

    /// <summary>
    /// A snapshot of every value recorded (HDR) or of the reservoir's current sample, with the sum of every value
    /// recorded (see <see cref="HistogramSnapshot.Sum"/>).
    /// </summary>
    public HistogramSnapshot GetSnapshot() =>
        Hdr?.GetSnapshot() ?? _reservoir!.GetSnapshot(Volatile.Read(ref _rejected)).WithSum(Volatile.Read(ref _sum));

    /// <summary>
    /// The values recorded since <paramref name="cursor"/> was last advanced (everything on the first call, when
    /// <paramref name="cursor"/> is null and gets created), and advances it; sample-based reservoirs: those of them
    /// the sample still holds (none when nothing was recorded since), never a value an earlier window held. Never
    /// changes what another cursor or <see cref="GetSnapshot"/> sees. A cursor belongs to one reader and one
    /// histogram; do not share it between threads.
    /// </summary>
    /// <exception cref="ArgumentException">The cursor was created by another histogram.</exception>
    internal HistogramSnapshot GetWindow(ref HistogramCursor? cursor)
    {
        cursor ??= new HistogramCursor(this);
        if (!ReferenceEquals(cursor.Owner, this))
        {
            throw new ArgumentException(
                "This cursor was created by another histogram; keep one cursor per histogram and reader.",
                nameof(cursor));
        }

        var hdr = Hdr;
        if (hdr is not null)
        {
            return hdr.GetWindow(cursor);
        }

        var rejected = Volatile.Read(ref _rejected);
        var window = _reservoir!.GetWindow(cursor.SeenCount, rejected - cursor.Rejected, out var recorded);
        cursor.SeenCount = recorded;
        cursor.Rejected = rejected;
        return window;
    }

    /// <summary>
    /// <see cref="GetSnapshot"/> and <see cref="GetWindow(ref HistogramCursor?)"/> together, as a reader takes both:
    /// HDR reads the counts once for the two. Returns the lifetime snapshot; the window comes out in
    /// <paramref name="window"/>.
    /// </summary>
    /// <param name="cursor">The reader's cursor; created on first use.</param>
    /// <param name="reuse">
    /// The caller is done with the lifetime snapshot of this cursor's previous reusing read: HDR may overwrite the
    /// counts behind it instead of copying them (see <see cref="HdrHistogram.GetSnapshotAndWindow"/>).
    /// </param>
    /// <param name="window">The values recorded since the cursor's previous read.</param>
    /// <exception cref="ArgumentException">The cursor was created by another histogram.</exception>
    internal HistogramSnapshot GetSnapshotAndWindow(ref HistogramCursor? cursor, bool reuse, out HistogramSnapshot window)
    {
        var hdr = Hdr;
        if (hdr is null)
        {
            var lifetime = GetSnapshot();
            window = GetWindow(ref cursor);
            return lifetime;
        }

        cursor ??= new HistogramCursor(this);
        if (!ReferenceEquals(cursor.Owner, this))
        {
            throw new ArgumentException(
                "This cursor was created by another histogram; keep one cursor per histogram and reader.",
                nameof(cursor));
        }

        return hdr.GetSnapshotAndWindow(cursor, reuse, out window);
    }

    // Everything but the default HDR histogram: a scaled HDR histogram, or a reservoir. Kept out of line so that
    // Update's default path stays one test and one inlined record.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void UpdateSlow(long value)
    {
        if (_scaledHdr is not null)
        {
            _scaledHdr.RecordScaled(value);
        }
        else
        {
            UpdateReservoir(value);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void UpdateSlow(double value)
    {
        if (_scaledHdr is not null)
        {
            _scaledHdr.RecordScaled(value);
        }
        else
        {
            UpdateReservoir(value);
        }
    }

    private void UpdateReservoir(double value)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            Interlocked.Increment(ref _rejected);
            return;
        }

        _reservoir!.Update(value);

        // Added before the count, so a read that takes the count first never has a sum short of it.
        var sum = Volatile.Read(ref _sum);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref _sum, sum + value, sum);
            if (seen.Equals(sum))
            {
                break;
            }

            sum = seen;
        }

        Interlocked.Increment(ref _count);
    }

    /// <summary>
    /// The unit shift k of an HDR histogram with this resolution (0 &lt; resolution ≤ 1): values are bucketed in units
    /// of 2^-k, the resolution rounded down to a power of two.
    /// </summary>
    internal static int UnitShift(double resolution) => -Math.ILogB(resolution);

    /// <summary>Throws when no histogram could be created with <paramref name="options"/>, saying which setting is wrong.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="ignoreResolution">For a timer's histogram, which ignores <see cref="HistogramOptions.Resolution"/>.</param>
    internal static void Validate(HistogramOptions options, bool ignoreResolution = false)
    {
        if (!Enum.IsDefined(options.Reservoir))
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                options.Reservoir,
                $"HistogramOptions.Reservoir is not a known reservoir; use one of {string.Join(", ", Enum.GetNames<ReservoirType>())}.");
        }

        if (options.SignificantDigits is < 1 or > 5)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                options.SignificantDigits,
                "HistogramOptions.SignificantDigits must be from 1 to 5; the default 2 keeps values within 1 %.");
        }

        if (options.HighestTrackableValue < 2)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                options.HighestTrackableValue,
                "HistogramOptions.HighestTrackableValue must be at least 2; use the largest value you expect (default one hour in nanoseconds, 3600000000000).");
        }

        if (!ignoreResolution)
        {
            ValidateResolution(options);
        }

        if (options.SampleSize <= 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                options.SampleSize,
                "HistogramOptions.SampleSize must be greater than 0; Dropwizard's default is 1028.");
        }

        if (!(options.Alpha > 0) || double.IsInfinity(options.Alpha))
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                options.Alpha,
                "HistogramOptions.Alpha must be a finite number greater than 0; Dropwizard's default 0.015 favours the last 5 minutes.");
        }

        if (options.Window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                options.Window,
                "HistogramOptions.Window must be longer than zero, e.g. TimeSpan.FromMinutes(1).");
        }
    }

    private static void ValidateResolution(HistogramOptions options)
    {
        var resolution = options.Resolution;
        if (!(resolution >= MinResolution && resolution <= 1))
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                resolution,
                "HistogramOptions.Resolution must be from 2^-40 (about 9.1E-13) to 1; use the finest difference between values you need told apart, e.g. 0.001 for seconds to the millisecond (the default 1 buckets whole numbers).");
        }

        var unitShift = UnitShift(resolution);
        var highest = long.MaxValue >> unitShift;
        if (options.HighestTrackableValue > highest)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                options.HighestTrackableValue,
                $"HistogramOptions.HighestTrackableValue must be at most {highest} with a Resolution of {resolution.ToString(CultureInfo.InvariantCulture)}: values are bucketed in units of 2^-{unitShift}, and HighestTrackableValue · 2^{unitShift} must not exceed {long.MaxValue}. Lower HighestTrackableValue or use a coarser Resolution.");
        }
    }
}
