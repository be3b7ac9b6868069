using System.Runtime.InteropServices;

namespace Tether.Fuzz;

/// <summary>
/// Input placed so that its last byte sits just before a page the process may not read (Linux <c>mmap</c> and
/// <c>mprotect</c>): a decoder that reads even one byte past the end of its input faults — a crash the fuzzer reports
/// and the test run fails on — where an array would have handed it whatever followed. The cursor reads of generated
/// codecs are unchecked once a run's size was checked, so this is how a wrong check shows up.
/// </summary>
/// <remarks>
/// One mapping per thread, reused: <see cref="Place"/> copies the input to the end of it and returns the span, valid
/// until the thread's next call. On other systems the input is returned as it is (no guard).
/// </remarks>
public static unsafe partial class GuardedInput
{
    private const int ProtNone = 0;
    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;

    [ThreadStatic]
    private static Region? t_region;

    /// <summary>Copies <paramref name="input"/> to end at an unreadable page and returns the copy.</summary>
    public static ReadOnlySpan<byte> Place(ReadOnlySpan<byte> input)
    {
        if (!OperatingSystem.IsLinux())
        {
            return input;
        }

        Region region = t_region is { } current && current.Capacity >= input.Length ? current : t_region = Region.Map(input.Length);
        Span<byte> target = new((void*)(region.GuardStart - input.Length), input.Length);
        input.CopyTo(target);
        return target;
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
