using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Tether.Serialization;

// Runs of bounded members written through a local cursor. A generated codec takes a reference to the run's first byte
// (BeginRun, sized by the generator for the run's maximum and any varint's word store), stores each member with the
// static Put methods, which return the bytes they wrote, and commits the total once (EndRun). The offset then lives in
// a register: written through the instance methods instead, the position is reloaded and stored for every member,
// because the JIT cannot tell the buffer's bytes from the writer's own fields.
public ref partial struct TetherWriter
{
    /// <summary>
    /// Makes <paramref name="size"/> bytes writable and returns a reference to the first. The caller stores a run's
    /// members with the <c>Put…</c> methods, then calls <see cref="EndRun"/>. A varint's <c>Put</c> may store a whole
    /// 8-byte word from the varint's start, so <paramref name="size"/> covers that word as well as the run's maximum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref byte BeginRun(int size)
    {
        Reserve(size);
        return ref Cursor;
    }

    /// <summary>Commits the <paramref name="written"/> bytes stored since <see cref="BeginRun"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EndRun(int written)
    {
        Debug.Assert((uint)written <= (uint)(_buffer.Length - _position), "A run wrote past what it reserved.");
        _position += written;
    }

    /// <summary>Stores one byte; returns 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PutByte(ref byte destination, byte value)
    {
        destination = value;
        return 1;
    }

    /// <summary>Stores a <see cref="bool"/> as 0 or 1; returns 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PutBoolean(ref byte destination, bool value) => PutByte(ref destination, value ? (byte)1 : (byte)0);

    /// <summary>Stores a 32-bit varint inside a run, possibly as a whole 8-byte word (see <see cref="BeginRun"/>); returns its length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PutVarUInt32(ref byte destination, uint value) => PutVarUInt64(ref destination, value);

    /// <summary>Stores a zig-zag 32-bit varint inside a run; returns its length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PutVarInt32(ref byte destination, int value) => PutVarUInt64(ref destination, Wire.ZigZag(value));

    /// <summary>Stores a zig-zag 64-bit varint inside a run; returns its length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PutVarInt64(ref byte destination, long value) => PutVarUInt64(ref destination, Wire.ZigZag(value));

    /// <summary>Stores a 64-bit varint inside a run, possibly as a whole 8-byte word (see <see cref="BeginRun"/>); returns its length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PutVarUInt64(ref byte destination, ulong value)
    {
        if (value < 0x80)
        {
            destination = (byte)value;
            return 1;
        }

        if (value >= 1UL << 56)
        {
            return WriteNineOrTenByteVarInt(ref destination, value);
        }

        return Bmi2.X64.IsSupported ? WriteVarIntDeposited(ref destination, value) : WriteVarIntSlow(ref destination, value);
    }

    /// <summary>Stores a <see cref="float"/> (IEEE 754, little-endian); returns 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PutSingle(ref byte destination, float value) => PutFixed32(ref destination, BitConverter.SingleToUInt32Bits(value));

    /// <summary>Stores a <see cref="double"/> (IEEE 754, little-endian); returns 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PutDouble(ref byte destination, double value) => PutFixed64(ref destination, BitConverter.DoubleToUInt64Bits(value));

    /// <summary>Stores a <see cref="Half"/> (little-endian); returns 2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PutHalf(ref byte destination, Half value) => PutFixed16(ref destination, BitConverter.HalfToUInt16Bits(value));

    /// <summary>Stores a <see cref="DateTime"/> as its ticks with the kind in the top two bits; returns 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PutDateTime(ref byte destination, DateTime value) =>
        PutFixed64(ref destination, (ulong)value.Ticks | ((ulong)value.Kind << 62));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PutFixed16(ref byte destination, ushort value)
    {
        Unsafe.WriteUnaligned(ref destination, BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value));
        return sizeof(ushort);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PutFixed32(ref byte destination, uint value)
    {
        Unsafe.WriteUnaligned(ref destination, BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value));
        return sizeof(uint);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PutFixed64(ref byte destination, ulong value)
    {
        Unsafe.WriteUnaligned(ref destination, BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value));
        return sizeof(ulong);
    }
}
