using System.Runtime.CompilerServices;
using Metrics.Primitives;

namespace Metrics.Histograms;

/// <summary>
/// The recording side of an HDR-style histogram: one <see cref="HdrPart"/> per recording thread, written with plain
/// stores (no locked instruction), plus a shared atomic part for threads that own no slot; readers sum the parts.
/// </summary>
/// <remarks>
/// <para>Each thread that records takes its <see cref="ThreadSlots"/> slot's part, created on its first value. The part
/// array is grown (under a lock, copying part references, never values) only when a thread with a higher slot records
/// for the first time. A thread that ends leaves its part, values included, to the next thread given its slot, so
/// nothing is lost, and there is at most one part per slot: no more than the most threads holding slots at once in
/// the process (bounded by <see cref="ThreadSlots.OwnedLimit"/>). Threads beyond that limit record into the shared part
/// with atomic instructions.</para>
/// <para>Memory: a part is about 900 bytes plus one block (1 KB at the defaults) per power of two its own thread
/// reached, so each further recording thread adds what it touched, up to a whole histogram's worth (about 39 KB at the
/// defaults) for a thread that reaches every magnitude.</para>
/// <para>Recording allocates only when a value reaches a block its part has not reached before (at most
/// <see cref="HdrLayout.BlockCount"/> times per part). Readers see each bucket's summed count grow monotonically, so a
/// copy of the counts taken at one read and subtracted at the next yields exactly the values recorded in between. A
/// value's sum, min and max are published before its bucket, so a reader that scans the buckets and then reads the sum
/// has the sum of every value it counted.</para>
/// </remarks>
internal sealed class HdrRecorder
{
    private static readonly HdrPart?[] NoParts = [];

    private HdrPart?[] _parts = NoParts;
    private HdrPart? _shared;

    public HdrRecorder(HdrLayout layout) => Layout = layout;

    public HdrLayout Layout { get; }

    /// <summary>Values recorded (clamped ones included, rejected ones not).</summary>
    public long Count => Sum(static part => part.Count);

    public long Clamped => Sum(static part => part.Clamped);

    public long Rejected => Sum(static part => part.Rejected);

    /// <summary>Whether a value with a fractional part was ever recorded (then bucket bounds are ± 0.5 of the value).</summary>
    public bool HasFractions => Sum(static part => part.HasFractions ? 1 : 0) != 0;

    /// <summary>The smallest value recorded, or +∞.</summary>
    public double Min => Fold(double.PositiveInfinity, static part => part.Min, Math.Min);

    /// <summary>The largest value recorded, or -∞.</summary>
    public double Max => Fold(double.NegativeInfinity, static part => part.Max, Math.Max);

    /// <summary>The owned parts by slot (null where no thread of that slot recorded yet); read it once per scan.</summary>
    public HdrPart?[] Parts => Volatile.Read(ref _parts);

    /// <summary>The part of threads that own no slot, or null while none recorded.</summary>
    public HdrPart? Shared => Volatile.Read(ref _shared);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(long value)
    {
        var slot = ThreadSlots.Current;
        var parts = _parts;
        if ((uint)slot < (uint)parts.Length && parts[slot] is { } part)
        {
            part.RecordOwned(value);
        }
        else
        {
            RecordSlow(slot, value);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(double value)
    {
        var slot = ThreadSlots.Current;
        var parts = _parts;
        if ((uint)slot < (uint)parts.Length && parts[slot] is { } part)
        {
            part.RecordOwned(value);
        }
        else
        {
            RecordSlow(slot, value);
        }
    }

    /// <summary>The exact sum of every recorded value, split in an integer part and a fractional part.</summary>
    public void ReadSum(out UInt128 integers, out double fractions)
    {
        integers = UInt128.Zero;
        fractions = 0;
        foreach (var part in Parts)
        {
            part?.AddSumTo(ref integers, ref fractions);
        }

        Volatile.Read(ref _shared)?.AddSumTo(ref integers, ref fractions);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RecordSlow(int slot, long value)
    {
        if (slot >= ThreadSlots.OwnedLimit)
        {
            SharedPart().RecordShared(value);
            ThreadSlots.NoteUnowned();
        }
        else
        {
            OwnedPart(slot).RecordOwned(value);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RecordSlow(int slot, double value)
    {
        if (slot >= ThreadSlots.OwnedLimit)
        {
            SharedPart().RecordShared(value);
            ThreadSlots.NoteUnowned();
        }
        else
        {
            OwnedPart(slot).RecordOwned(value);
        }
    }

    private HdrPart SharedPart()
    {
        var shared = Volatile.Read(ref _shared);
        if (shared is not null)
        {
            return shared;
        }

        var fresh = new HdrPart(Layout);
        return Interlocked.CompareExchange(ref _shared, fresh, null) ?? fresh;
    }

    // Creates the part of the calling thread's slot, growing the array first when the slot lies beyond it. Only
    // references are copied, so a value recorded into a part is in every later array. The lock is the recorder itself
    // (internal, never exposed), which saves every histogram a lock object for a lock taken once per thread.
    private HdrPart OwnedPart(int slot)
    {
        lock (this)
        {
            var parts = _parts;
            if (slot < parts.Length && parts[slot] is { } existing)
            {
                return existing;
            }

            var part = new HdrPart(Layout);
            if (slot < parts.Length)
            {
                Volatile.Write(ref parts[slot], part);
                return part;
            }

            var grown = new HdrPart?[Math.Max(slot + 1, Math.Min(2 * parts.Length, ThreadSlots.OwnedLimit))];
            Array.Copy(parts, grown, parts.Length);
            grown[slot] = part;
            Volatile.Write(ref _parts, grown);
            return part;
        }
    }

    // One of every part's counters, added up over the owned parts and the shared one.
    private long Sum(Func<HdrPart, long> field)
    {
        long sum = 0;
        foreach (var part in Parts)
        {
            sum += part is null ? 0 : field(part);
        }

        return Volatile.Read(ref _shared) is { } shared ? sum + field(shared) : sum;
    }

    // One of every part's extremes, combined over the owned parts and the shared one.
    private double Fold(double seed, Func<HdrPart, double> field, Func<double, double, double> combine)
    {
        var result = Volatile.Read(ref _shared) is { } shared ? field(shared) : seed;
        foreach (var part in Parts)
        {
            result = part is null ? result : combine(result, field(part));
        }

        return result;
    }
}
