using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Metrics.Primitives;

/// <summary>
/// A long that many threads add to without a locked instruction: each thread that owns a <see cref="ThreadSlots"/>
/// slot adds with a plain load and store to a cell of its own (one per slot, padded so that two threads' cells never
/// share a cache line); a thread with no slot of its own adds atomically to a shared field. The sum over the cells and
/// the shared field is exact once writers are quiet.
/// </summary>
/// <remarks>
/// <para>A cell has one writer at a time: a slot belongs to one live thread, and is reused only after that thread
/// ended, by a thread that then goes on adding to the same cell (so what the ended thread added stays counted).</para>
/// <para>Cells are created on a thread's first add, in its slow path: under a lock shared by all adders, the array of
/// cells grows if the slot is past its end (the new array takes the old one's cell references, never copies values,
/// so owners keep writing into the same cell objects) and the cell is installed. Memory: the array (a reference per
/// slot up to the highest slot that added, rounded up to a power of two) plus 136 bytes per thread that added.</para>
/// <para>A mutable struct: embed it as a non-readonly field and never copy it.</para>
/// </remarks>
internal struct StripedLong
{
    private static readonly Lock Gate = new();

    private Cell?[]? _cells;
    private long _shared;

    /// <summary>The sum of every add so far.</summary>
    public readonly long Sum
    {
        get
        {
            var sum = Volatile.Read(in _shared);
            var cells = Volatile.Read(in _cells);
            if (cells is not null)
            {
                foreach (var cell in cells)
                {
                    if (cell is not null)
                    {
                        sum += Volatile.Read(in cell.Value);
                    }
                }
            }

            return sum;
        }
    }

    /// <summary>Cells installed so far (one per slot that added), for tests.</summary>
    internal readonly int CellCount
    {
        get
        {
            var cells = Volatile.Read(in _cells);
            return cells is null ? 0 : cells.Count(c => c is not null);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(long x)
    {
        var slot = ThreadSlots.Current;
        var cells = _cells;
        if (cells is not null && (uint)slot < (uint)cells.Length && cells[slot] is { } cell)
        {
            // Only this thread writes this cell; the volatile write publishes the new value to readers.
            Volatile.Write(ref cell.Value, cell.Value + x);
            return;
        }

        AddSlow(slot, x);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AddSlow(int slot, long x)
    {
        if (slot >= ThreadSlots.OwnedLimit)
        {
            Interlocked.Add(ref _shared, x);
            ThreadSlots.NoteUnowned();
            return;
        }

        Cell cell;
        lock (Gate)
        {
            var cells = _cells;
            if (cells is null || slot >= cells.Length)
            {
                var size = (int)Math.Min(BitOperations.RoundUpToPowerOf2((uint)slot + 1), (uint)ThreadSlots.OwnedLimit);
                var grown = new Cell?[size];
                cells?.CopyTo(grown, 0);
                cells = grown;
            }

            // A cell left by an ended thread that owned this slot is kept and written on.
            cell = cells[slot] ?? new Cell();
            Volatile.Write(ref cells[slot], cell);
            Volatile.Write(ref _cells, cells);
        }

        Volatile.Write(ref cell.Value, cell.Value + x);
    }

    // The value sits 56 bytes into the object's fields and the fields go on 56 bytes past it, so no other object (such
    // as another thread's cell, or the counter itself, placed next to it by the collector) shares its cache line.
    [StructLayout(LayoutKind.Explicit)]
    private sealed class Cell
    {
        [FieldOffset(56)]
        public long Value;

        // Never read: it only extends the object past the value's cache line.
        [FieldOffset(112)]
#pragma warning disable CS0169, IDE0051, CA1823 // padding, never read
        private readonly long _end;
#pragma warning restore CS0169, IDE0051, CA1823
    }
}
