using System.Buffers;
using System.Runtime.InteropServices;

namespace Tether.Fuzz;

/// <summary>
/// Input placed so that its last byte sits just before a page the process may not read (Linux <c>mmap</c> and
/// <c>mprotect</c>): a decoder that reads even one byte past the end of its input faults — a crash the fuzzer reports
/// and the test run fails on — where an array would have handed it whatever followed. The cursor reads of generated
/// codecs are unchecked once a run's size was checked, so this is how a wrong check shows up.
/// </summary>
/// <remarks>
/// Mappings per thread, reused: <see cref="Place"/> copies the input to the end of one and returns the span, valid until
/// the thread's next <see cref="Place"/>; <see cref="Segment"/> does the same in a mapping per segment index, so each
/// segment of a sequence (<see cref="Segments.Split"/>) ends at its own unreadable page. On other systems the input is
/// returned as it is (no guard).
/// </remarks>
public static unsafe partial class GuardedInput
{
    private const int ProtNone = 0;
    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;

    // Slot 0 for Place, 1 and up for segments.
    [ThreadStatic]
    private static Region?[]? t_regions;

    /// <summary>Copies <paramref name="input"/> to end at an unreadable page and returns the copy.</summary>
    public static ReadOnlySpan<byte> Place(ReadOnlySpan<byte> input) =>
        OperatingSystem.IsLinux() ? PlaceIn(0, input).Span : input;

    /// <summary>
    /// Copies <paramref name="input"/>, segment <paramref name="index"/> of a sequence, to end at an unreadable page of
    /// its own and returns it as memory (valid until the thread places that segment index again).
    /// </summary>
    public static ReadOnlyMemory<byte> Segment(int index, ReadOnlySpan<byte> input) =>
        OperatingSystem.IsLinux() ? PlaceIn(1 + index, input).Memory : input.ToArray();

    private static RegionMemory PlaceIn(int slot, ReadOnlySpan<byte> input)
    {
        Region?[] regions = t_regions ??= new Region?[4];
        if (slot >= regions.Length)
        {
            Array.Resize(ref regions, slot + 1);
            t_regions = regions;
        }

        Region region = regions[slot] is { } current && current.Capacity >= input.Length ? current : regions[slot] = Region.Map(input.Length);
        var memory = new RegionMemory(region, input.Length);
        input.CopyTo(memory.GetSpan());
        return memory;
    }

    // The last `length` bytes before a region's guard page, as Memory<byte> (a sequence's segments need memory).
    private sealed class RegionMemory(Region region, int length) : MemoryManager<byte>
    {
        public ReadOnlySpan<byte> Span => GetSpan();

        public override Span<byte> GetSpan() => new((void*)(region.GuardStart - length), length);

        public override MemoryHandle Pin(int elementIndex = 0) => new((void*)(region.GuardStart - length + elementIndex), pinnable: this);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }

    private sealed class Region
    {
        private readonly nint _start;
        private readonly nuint _size;

        private Region(nint start, nuint size, int capacity)
        {
            _start = start;
            _size = size;
            Capacity = capacity;
            GuardStart = start + (nint)capacity;
        }

        // A thread's smaller mapping, replaced by a larger one, is unmapped once nothing references it.
        ~Region() => _ = Munmap(_start, _size);

        public int Capacity { get; }

        public nint GuardStart { get; }

        public static Region Map(int length)
        {
            int page = Environment.SystemPageSize;
            int capacity = Math.Max(16 * page, (length + page - 1) / page * page);
            var size = (nuint)(capacity + page);
            nint start = Mmap(0, size, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
            if (start == -1)
            {
                throw new InvalidOperationException($"mmap failed: errno {Marshal.GetLastPInvokeError()}");
            }

            if (Mprotect(start + capacity, (nuint)page, ProtNone) != 0)
            {
                throw new InvalidOperationException($"mprotect failed: errno {Marshal.GetLastPInvokeError()}");
            }

            return new Region(start, size, capacity);
        }
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static partial int Mprotect(nint address, nuint length, int protection);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(nint address, nuint length);
}
