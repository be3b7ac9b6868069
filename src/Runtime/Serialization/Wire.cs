using System.Numerics;
using System.Runtime.CompilerServices;

namespace Tether.Serialization;

/// <summary>
/// Constants and pure functions of the Tether value encoding (see <c>docs/wire-format.md</c>):
/// varint sizes, zig-zag mapping and the largest size each bounded value can take.
/// </summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)] // called by generated codecs, not by users
public static class Wire
{
    /// <summary>Largest encoding of a 32-bit varint.</summary>
    public const int MaxVarInt32Length = 5;

    /// <summary>Largest encoding of a 64-bit varint.</summary>
    public const int MaxVarInt64Length = 10;

    /// <summary>Largest encoding of a 16-bit varint (short, ushort, char).</summary>
    public const int MaxVarInt16Length = 3;

    /// <summary>Size of a <see cref="decimal"/>, <see cref="Guid"/>, <see cref="Int128"/> or <see cref="UInt128"/>.</summary>
    public const int Fixed128Length = 16;

    /// <summary>Largest encoding of a <see cref="DateTimeOffset"/> (8 bytes of ticks, a zig-zag varint of offset minutes).</summary>
    public const int MaxDateTimeOffsetLength = 8 + MaxVarInt32Length;

    /// <summary>Maps a signed value to an unsigned one so small magnitudes encode in few bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ZigZag(int value) => (uint)((value << 1) ^ (value >> 31));

    /// <summary>Maps a signed value to an unsigned one so small magnitudes encode in few bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    /// <summary>Inverse of <see cref="ZigZag(int)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int UnZigZag(uint value) => (int)(value >> 1) ^ -(int)(value & 1);

    /// <summary>Inverse of <see cref="ZigZag(long)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    /// <summary>Bytes a 32-bit varint takes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int VarUInt32Size(uint value) => ((BitOperations.Log2(value | 1) * 9) + 73) >> 6;

    /// <summary>Bytes a 64-bit varint takes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int VarUInt64Size(ulong value) => ((BitOperations.Log2(value | 1) * 9) + 73) >> 6;
}
