using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Tether.Quic.Interop;

namespace Tether.Quic.Endpoints;

/// <summary>A connection ID as a value (routing key): up to 20 bytes, compared by content.</summary>
[StructLayout(LayoutKind.Auto)]
internal readonly struct ConnectionId : IEquatable<ConnectionId>
{
    /// <summary>Length of the IDs this implementation issues: short-header packets carry no length, so it is fixed.</summary>
    public const int IssuedLength = 16;

    private readonly UInt128 _head;
    private readonly uint _tail;
    private readonly byte _length;

    private ConnectionId(ReadOnlySpan<byte> bytes)
    {
        Span<byte> padded = stackalloc byte[20];
        padded.Clear();
        bytes.CopyTo(padded);
        _head = MemoryMarshal.Read<UInt128>(padded);
        _tail = MemoryMarshal.Read<uint>(padded.Slice(16));
        _length = (byte)bytes.Length;
    }

    /// <summary>Reads an ID from packet bytes (at most 20).</summary>
    public static ConnectionId From(ReadOnlySpan<byte> bytes) =>
        bytes.Length <= Ngtcp2.MaxCidLength ? new ConnectionId(bytes) : throw new ArgumentOutOfRangeException(nameof(bytes));

    /// <summary>Reads an ngtcp2 CID.</summary>
    public static unsafe ConnectionId From(ngtcp2_cid* cid) => From(new ReadOnlySpan<byte>(cid->data, (int)cid->datalen));

    /// <summary>A fresh random ID of <see cref="IssuedLength"/> bytes, written to <paramref name="cid"/>.</summary>
    public static unsafe ConnectionId NewRandom(ngtcp2_cid* cid)
    {
        RandomNumberGenerator.Fill(new Span<byte>(cid->data, IssuedLength));
        cid->datalen = IssuedLength;
        return From(cid);
    }

    /// <inheritdoc />
    public bool Equals(ConnectionId other) => _head == other._head && _tail == other._tail && _length == other._length;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ConnectionId other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_head, _tail, _length);
}
