using System.Runtime.InteropServices;

namespace Tether.Runtime.Tests.Support;

/// <summary>
/// Bytes whose last one sits just before a page the process may not read (Linux <c>mmap</c> + <c>mprotect</c>): a decoder
/// that reads even one byte past the end of its input faults, where an array would have handed it whatever followed.
/// The mirror of <see cref="GuardedBufferWriter"/> for readers.
/// </summary>
public sealed unsafe partial class GuardedPage : IDisposable
{
    private const int ProtNone = 0;
    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;

    private readonly nint _start;
    private readonly nuint _size;
    private readonly int _length;

    public GuardedPage(ReadOnlySpan<byte> bytes)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("GuardedPage maps memory with Linux system calls.");
        }

        nuint page = (nuint)Environment.SystemPageSize;
        nuint dataPages = ((nuint)bytes.Length + page - 1) / page;
        _size = (dataPages + 1) * page;
        _start = Mmap(0, _size, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (_start == -1)
        {
            throw new InvalidOperationException($"mmap failed: {Marshal.GetLastPInvokeError()}");
        }

        nint guard = _start + (nint)(dataPages * page);
        if (Mprotect(guard, page, ProtNone) != 0)
        {
            throw new InvalidOperationException($"mprotect failed: {Marshal.GetLastPInvokeError()}");
        }

        _length = bytes.Length;
        bytes.CopyTo(Span);
    }

    /// <summary>The bytes, ending at the guard page.</summary>
    public Span<byte> Span => new((void*)(_start + (nint)((_size - (nuint)Environment.SystemPageSize) - (nuint)_length)), _length);

    public void Dispose() => _ = Munmap(_start, _size);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static partial int Mprotect(nint address, nuint length, int protection);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(nint address, nuint length);
}
