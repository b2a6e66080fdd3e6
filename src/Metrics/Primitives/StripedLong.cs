using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Metrics.Primitives;

/// <summary>
/// A long that many threads add to without contending, in the manner of Java's LongAdder: adds go to one base
/// field until two threads collide on it, then to cache-line-padded cells picked by the current processor.
/// The sum over base and cells is exact once writers are quiet.
/// </summary>
/// <remarks>A mutable struct: embed it as a non-readonly field and never copy it.</remarks>
internal struct StripedLong
{
    private const int MaxCells = 64;

    private long _base;
    private PaddedLong[]? _cells;

    /// <summary>The sum of every add so far.</summary>
    public readonly long Sum
    {
        get
        {
            var sum = Volatile.Read(in _base);
            var cells = Volatile.Read(in _cells);
            if (cells is not null)
            {
                for (var i = 0; i < cells.Length; i++)
                {
                    sum += Volatile.Read(in cells[i].Value);
                }
            }

            return sum;
        }
    }

    /// <summary>True once contention made this adder spread over cells.</summary>
    internal readonly bool IsStriped => Volatile.Read(in _cells) is not null;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(long x)
    {
        var cells = _cells;
        if (cells is null)
        {
            var b = _base;
            if (Interlocked.CompareExchange(ref _base, b + x, b) == b)
            {
                return;
            }

            cells = Stripe();
        }

        Interlocked.Add(ref cells[Thread.GetCurrentProcessorId() & (cells.Length - 1)].Value, x);
    }

    // Called once, on the first collision: from then on every add goes to the current processor's cell.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private PaddedLong[] Stripe()
    {
        var size = (int)Math.Min(MaxCells, BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, Environment.ProcessorCount)));
        return Interlocked.CompareExchange(ref _cells, new PaddedLong[size], null) ?? _cells!;
    }

    // 128 bytes keeps neighbouring cells off each other's cache line, adjacent-line prefetch included.
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedLong
    {
        [FieldOffset(64)]
        public long Value;
    }
}
