using System.Runtime.InteropServices;

#pragma warning disable IDE1006, CA1707, CS8981 // C names on purpose

namespace Tether.Quic.Interop;

/// <summary>
/// The two socket calls .NET's <see cref="System.Net.Sockets.Socket"/> has no form for: <c>sendmsg</c> with a
/// <c>UDP_SEGMENT</c> control message (GSO: many equal-sized datagrams in one call) and <c>recvmsg</c> that reports
/// <c>UDP_GRO</c> (many datagrams of one sender coalesced into one receive).
/// </summary>
internal static unsafe partial class Libc
{
    public const string Library = "libc.so.6";

    public const int SolUdp = 17;
    public const int UdpSegment = 103;
    public const int UdpGro = 104;
    public const int MsgDontWait = 0x40;

    public const int EIntr = 4;
    public const int EIo = 5;
    public const int EAgain = 11;
    public const int EInval = 22;
    public const int EMsgSize = 90;
    public const int ENoProtoOpt = 92;
    public const int EOpNotSupp = 95;
    public const int ENetUnreach = 101;
    public const int EConnReset = 104;
    public const int EConnRefused = 111;
    public const int EHostUnreach = 113;

    /// <summary>Linux's limit on the datagrams one GSO send may carry (<c>UDP_MAX_SEGMENTS</c>).</summary>
    public const int MaxGsoSegments = 64;

    [LibraryImport(Library, EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint sendmsg(nint socket, msghdr* message, int flags);

    [LibraryImport(Library, EntryPoint = "recvmsg", SetLastError = true)]
    public static partial nint recvmsg(nint socket, msghdr* message, int flags);

    /// <summary><c>CMSG_SPACE</c>: a control message with <paramref name="dataLength"/> bytes of data, padded.</summary>
    public static int ControlSpace(int dataLength) => sizeof(cmsghdr) + Align(dataLength);

    /// <summary><c>CMSG_LEN</c>: the header plus <paramref name="dataLength"/> bytes, unpadded.</summary>
    public static int ControlLength(int dataLength) => sizeof(cmsghdr) + dataLength;

    private static int Align(int length) => (length + sizeof(nuint) - 1) & ~(sizeof(nuint) - 1);
}

/// <summary><c>struct iovec</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct iovec
{
    public void* iov_base;
    public nuint iov_len;
}

/// <summary><c>struct msghdr</c> (Linux, 64-bit).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct msghdr
{
    public void* msg_name;
    public uint msg_namelen;
    public iovec* msg_iov;
    public nuint msg_iovlen;
    public void* msg_control;
    public nuint msg_controllen;
    public int msg_flags;
}

/// <summary><c>struct cmsghdr</c> (Linux, 64-bit); its data follows at <c>sizeof(cmsghdr)</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct cmsghdr
{
    public nuint cmsg_len;
    public int cmsg_level;
    public int cmsg_type;
}
