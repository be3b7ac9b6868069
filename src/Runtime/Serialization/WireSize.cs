using System.Runtime.CompilerServices;
using System.Text;

namespace Tether.Serialization;

/// <summary>Exact encoded sizes of unbounded values, used by generated <c>GetBodySize</c> methods.</summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)] // called by generated codecs, not by users
public static class WireSize
{
    /// <summary>Bytes <see cref="TetherWriter.WriteString"/> writes for <paramref name="value"/>.</summary>
    public static int Text(string? value)
    {
        if (value is null)
        {
            return 1;
        }

        int byteCount = Encoding.UTF8.GetByteCount(value);
        return Wire.VarUInt32Size((uint)byteCount + 1) + byteCount;
    }

    /// <summary>Bytes <see cref="TetherWriter.WriteBytes(byte[])"/> writes for <paramref name="value"/>.</summary>
    public static int Bytes(byte[]? value) => value is null ? 1 : Bytes(value.AsSpan());

    /// <summary>Bytes <see cref="TetherWriter.WriteBytes(ReadOnlySpan{byte})"/> writes for <paramref name="value"/>.</summary>
    public static int Bytes(ReadOnlySpan<byte> value) => Wire.VarUInt32Size((uint)value.Length + 1) + value.Length;

    /// <summary>Bytes of a collection header for <paramref name="count"/> elements (-1 for null).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int CollectionHeader(int count) => Wire.VarUInt32Size((uint)(count + 1));

    /// <summary>Bytes of a zig-zag 32-bit varint.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int VarInt32(int value) => Wire.VarUInt32Size(Wire.ZigZag(value));

    /// <summary>Bytes of a zig-zag 64-bit varint.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int VarInt64(long value) => Wire.VarUInt64Size(Wire.ZigZag(value));

    /// <summary>Bytes of a <see cref="DateTimeOffset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int DateTimeOffset(DateTimeOffset value) =>
        8 + VarInt32((int)(value.Offset.Ticks / System.TimeSpan.TicksPerMinute));

    /// <summary>Bytes <see cref="TetherWriter.WriteMessage{T}"/> writes for a nested message at <paramref name="depth"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Message<T>(in T value, int depth)
        where T : IMessage<T>
    {
        if (value is null)
        {
            return 1;
        }

        if (depth >= TetherWriter.MaxDepth)
        {
            throw new TetherException(TetherErrorCode.EncodeDepthExceeded);
        }

        int size = T.GetBodySize(in value, depth + 1);
        return Wire.VarUInt32Size((uint)size) + size;
    }
}
