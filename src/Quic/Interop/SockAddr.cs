using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

#pragma warning disable IDE1006, CA1707 // C names on purpose

namespace Tether.Quic.Interop;

/// <summary>Converts between <see cref="IPEndPoint"/> and Linux socket addresses in native memory.</summary>
internal static unsafe class SockAddr
{
    /// <summary><c>ngtcp2_sockaddr_union</c>: room for the larger of the two families.</summary>
    public const int StorageSize = 28;

    private const ushort AfInet = 2;
    private const ushort AfInet6 = 10;

    /// <summary>Writes <paramref name="endPoint"/> to <paramref name="destination"/> (at least <see cref="StorageSize"/> bytes).</summary>
    /// <returns>The address length.</returns>
    public static uint Write(IPEndPoint endPoint, byte* destination)
    {
        new Span<byte>(destination, StorageSize).Clear();
        if (endPoint.AddressFamily == AddressFamily.InterNetwork)
        {
            var address = (sockaddr_in*)destination;
            address->sin_family = AfInet;
            address->sin_port = BinaryPrimitives.ReverseEndianness((ushort)endPoint.Port);
            endPoint.Address.TryWriteBytes(new Span<byte>(&address->sin_addr, 4), out _);
            return (uint)sizeof(sockaddr_in);
        }

        var address6 = (sockaddr_in6*)destination;
        address6->sin6_family = AfInet6;
        address6->sin6_port = BinaryPrimitives.ReverseEndianness((ushort)endPoint.Port);
        endPoint.Address.TryWriteBytes(new Span<byte>(address6->sin6_addr, 16), out _);
        address6->sin6_scope_id = (uint)endPoint.Address.ScopeId;
        return (uint)sizeof(sockaddr_in6);
    }
}
