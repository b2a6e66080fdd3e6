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
    private readonly HdrHistogram? _hdr;
    private readonly IReservoir? _reservoir;
    private long _count;
    private long _rejected;

    internal Histogram(HistogramOptions options, TimeProvider time)
        : this(options, time, null)
    {
    }

    /// <summary>Test seam: <paramref name="random"/> drives the random reservoirs (a seeded one makes them repeatable).</summary>
    internal Histogram(HistogramOptions options, TimeProvider time, Random? random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        Validate(options);
        switch (options.Reservoir)
        {
            case ReservoirType.Hdr:
                _hdr = new HdrHistogram(options.SignificantDigits, options.HighestTrackableValue);
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
    public long Count => _hdr?.Count ?? Volatile.Read(ref _count);

    /// <summary>The HDR engine, or null for a sample-based reservoir.</summary>
    internal HdrHistogram? Hdr => _hdr;

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
            UpdateReservoir(value);
        }
    }

    /// <summary>
    /// Records a value; it is rounded to the nearest integer for bucketing, while Sum, Min, Max and Mean keep it
    /// exactly. Negative, infinite and NaN values are ignored and counted in <see cref="HistogramSnapshot.Rejected"/>;
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
            UpdateReservoir(value);
        }
    }

    /// <summary>A snapshot of every value recorded (HDR) or of the reservoir's current sample.</summary>
    public HistogramSnapshot GetSnapshot() =>
        _hdr?.GetSnapshot() ?? _reservoir!.GetSnapshot(Volatile.Read(ref _rejected));

    /// <summary>
    /// HDR: the values recorded since <paramref name="cursor"/> was last advanced (everything on the first call, when
    /// <paramref name="cursor"/> is null and gets created), and advances it. Sample-based reservoirs: the current
    /// sample. Never changes what another cursor or <see cref="GetSnapshot"/> sees. A cursor belongs to one reader
    /// and one histogram; do not share it between threads.
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

        return _hdr?.GetWindow(cursor) ?? _reservoir!.GetSnapshot(Volatile.Read(ref _rejected));
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
        if (_hdr is null)
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

        return _hdr.GetSnapshotAndWindow(cursor, reuse, out window);
    }

    private void UpdateReservoir(double value)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            Interlocked.Increment(ref _rejected);
            return;
        }

        _reservoir!.Update(value);
        Interlocked.Increment(ref _count);
    }

    /// <summary>Throws when no histogram could be created with <paramref name="options"/>, saying which setting is wrong.</summary>
    internal static void Validate(HistogramOptions options)
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
}
