using System.Runtime.CompilerServices;

namespace Metrics.Primitives;

/// <summary>
/// Gives each live thread that records into a metric a small slot number of its own, so a metric can keep one cell
/// per slot that only that thread ever writes: a plain load and store, no locked instruction, no shared cache line.
/// </summary>
/// <remarks>
/// <para>A thread takes the lowest free slot on its first call to <see cref="Current"/> and keeps it until it ends;
/// then a finalizer returns the slot and the next new thread reuses it (and the cells that hold what the dead thread
/// recorded, so nothing is lost). At most one live thread owns a slot at any time, which is what makes the plain
/// writes exact.</para>
/// <para>Slots are limited to <see cref="OwnedLimit"/> so the memory a metric spends on cells stays bounded; a thread
/// that finds them all taken gets <see cref="OwnedLimit"/> itself, which means "no slot of its own": metrics then
/// take their shared, atomic path for that thread, and report it through <see cref="NoteUnowned"/>, so that every
/// <see cref="RetryEvery"/>th such call lets the thread ask again (slots of ended threads come back only once the
/// collector has finalized their storage).</para>
/// </remarks>
internal static class ThreadSlots
{
    /// <summary>How many threads can own a slot at once: four per processor, at least 16, at most 256.</summary>
    public static readonly int OwnedLimit = Math.Clamp(4 * Environment.ProcessorCount, 16, 256);

    /// <summary>How many calls on the shared path a thread without a slot makes before it asks for one again.</summary>
    public const int RetryEvery = 4096;

    private static readonly object Gate = new();
    private static readonly PriorityQueue<int, int> Free = new();
    private static int _next;

    // The slot plus one, so the default 0 means "none yet"; OwnedLimit + 1 when the thread got no slot of its own.
    [ThreadStatic]
    private static int _slotPlusOne;

    [ThreadStatic]
    private static int _retryCountdown;

    // Returns the slot when the thread has ended: thread-static storage is released with the thread, so this
    // object becomes unreachable then, and only then.
    [ThreadStatic]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("CodeQuality", "IDE0052", Justification = "Held only to be finalized when the thread ends.")]
    private static Lease? _lease;

    /// <summary>
    /// The calling thread's slot: from 0 to <see cref="OwnedLimit"/> - 1 when it owns one, or
    /// <see cref="OwnedLimit"/> when every slot was taken when it first asked.
    /// </summary>
    public static int Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            var slot = _slotPlusOne - 1;
            return slot >= 0 ? slot : Acquire();
        }
    }

    /// <summary>Slots owned by live (or not yet finalized) threads.</summary>
    internal static int InUse
    {
        get
        {
            lock (Gate)
            {
                return _next - Free.Count;
            }
        }
    }

    /// <summary>
    /// Tells that the calling thread, which owns no slot, recorded through a metric's shared path; every
    /// <see cref="RetryEvery"/>th call makes its next <see cref="Current"/> ask for a slot again.
    /// </summary>
    public static void NoteUnowned()
    {
        if (--_retryCountdown <= 0)
        {
            _retryCountdown = RetryEvery;
            _slotPlusOne = 0;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Acquire()
    {
        int slot;
        lock (Gate)
        {
            if (!Free.TryDequeue(out slot, out _))
            {
                slot = _next < OwnedLimit ? _next++ : OwnedLimit;
            }
        }

        if (slot < OwnedLimit)
        {
            _lease = new Lease(slot);
        }
        else
        {
            _retryCountdown = RetryEvery;
        }

        _slotPlusOne = slot + 1;
        return slot;
    }

    private static void Release(int slot)
    {
        lock (Gate)
        {
            Free.Enqueue(slot, slot);
        }
    }

    private sealed class Lease(int slot)
    {
        ~Lease() => Release(slot);
    }
}
