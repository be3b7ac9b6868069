using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Tether.Serialization;

// Bounded-size values. Each has an Unchecked form (the caller has called Reserve for a whole run of
// members) and a checked form that reserves its own maximum size first.
public ref partial struct TetherWriter
{
    /// <summary>Writes one byte without a bounds check (after <see cref="Reserve"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void UncheckedWriteByte(byte value)
    {
        Cursor = value;
        _position++;
    }

    /// <summary>Writes a 32-bit varint without a bounds check (after <see cref="Reserve"/> of <see cref="Wire.MaxVarInt32Length"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void UncheckedWriteVarUInt32(uint value)
    {
        ref byte p = ref Cursor;
        if (value < 0x80)
        {
            p = (byte)value;
            _position++;
            return;
        }

        // Room for a whole 8-byte word: one store. A five-byte reservation near the buffer's end writes byte by byte.
        _position += _buffer.Length - _position >= sizeof(ulong)
            ? PutVarUInt64(ref p, value)
            : WriteVarIntSlow(ref p, value);
    }

    /// <summary>Writes a 64-bit varint without a bounds check (after <see cref="Reserve"/> of <see cref="Wire.MaxVarInt64Length"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void UncheckedWriteVarUInt64(ulong value)
    {
        ref byte p = ref Cursor;
        if (value < 0x80)
        {
            p = (byte)value;
            _position++;
            return;
        }

        // Room for a whole 8-byte word (with nine or ten bytes reserved, always): one store.
        _position += _buffer.Length - _position >= Wire.MaxVarInt64Length
            ? PutVarUInt64(ref p, value)
            : WriteVarIntSlow(ref p, value);
    }

    // Nine or ten bytes (tick counts, hashes, random ids): the low 56 bits spread into eight bytes with their
    // continuation bits set and stored at once, then the last one or two. The caller made ten bytes writable.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WriteNineOrTenByteVarInt(ref byte destination, ulong value)
    {
        ulong spread;
        if (Bmi2.X64.IsSupported)
        {
            spread = Bmi2.X64.ParallelBitDeposit(value, 0x7F7F_7F7F_7F7F_7F7FUL);
        }
        else
        {
            spread = (value & 0x0000_0000_0FFF_FFFFUL) | ((value & 0x00FF_FFFF_F000_0000UL) << 4);
            spread = (spread & 0x0000_3FFF_0000_3FFFUL) | ((spread & 0x0FFF_C000_0FFF_C000UL) << 2);
            spread = (spread & 0x007F_007F_007F_007FUL) | ((spread & 0x3F80_3F80_3F80_3F80UL) << 1);
        }

        spread |= 0x8080_8080_8080_8080UL;
        Unsafe.WriteUnaligned(ref destination, BitConverter.IsLittleEndian ? spread : BinaryPrimitives.ReverseEndianness(spread));
        ulong high = value >> 56;
        if (high < 0x80)
        {
            Unsafe.Add(ref destination, 8) = (byte)high;
            return 9;
        }

        Unsafe.Add(ref destination, 8) = (byte)(high | 0x80);
        Unsafe.Add(ref destination, 9) = 1;
        return 10;
    }

    // A varint of two to eight bytes (0x80 <= value < 2^56) in one 8-byte store: BMI2's bit deposit spreads the
    // 7-bit groups into the low bits of eight bytes, and every byte but the last gets its continuation bit. The
    // caller checked that eight bytes are writable; those past the varint are left zero for the next write to
    // overwrite. Branch-free, where the loop's exit mispredicts whenever lengths vary.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WriteVarIntDeposited(ref byte destination, ulong value)
    {
        int length = (int)((uint)(70 - BitOperations.LeadingZeroCount(value)) / 7);
        ulong continuation = 0x8080_8080_8080_8080UL & ((1UL << ((length - 1) * 8)) - 1);
        Unsafe.WriteUnaligned(ref destination, Bmi2.X64.ParallelBitDeposit(value, 0x7F7F_7F7F_7F7F_7F7FUL) | continuation);
        return length;
    }

    private static int WriteVarIntSlow(ref byte destination, ulong value)
    {
        if (value >= 1UL << 56)
        {
            return WriteNineOrTenByteVarInt(ref destination, value);
        }

        int i = 0;
        while (value >= 0x80)
        {
            Unsafe.Add(ref destination, i++) = (byte)(value | 0x80);
            value >>= 7;
        }

        Unsafe.Add(ref destination, i++) = (byte)value;
        return i;
    }

    /// <summary>Writes a zig-zag 32-bit varint without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void UncheckedWriteVarInt32(int value) => UncheckedWriteVarUInt32(Wire.ZigZag(value));

    /// <summary>Writes a zig-zag 64-bit varint without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void UncheckedWriteVarInt64(long value) => UncheckedWriteVarUInt64(Wire.ZigZag(value));

    /// <summary>Writes a little-endian 16-bit value without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void UncheckedWriteFixed16(ushort value) => _position += PutFixed16(ref Cursor, value);

    /// <summary>Writes a little-endian 32-bit value without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void UncheckedWriteFixed32(uint value) => _position += PutFixed32(ref Cursor, value);

    /// <summary>Writes a little-endian 64-bit value without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void UncheckedWriteFixed64(ulong value) => _position += PutFixed64(ref Cursor, value);

    /// <summary>Writes a <see cref="bool"/> as one byte (0 or 1) without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void UncheckedWriteBoolean(bool value) => UncheckedWriteByte(value ? (byte)1 : (byte)0);

    /// <summary>Writes a <see cref="float"/> (IEEE 754, little-endian) without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void UncheckedWriteSingle(float value) => UncheckedWriteFixed32(BitConverter.SingleToUInt32Bits(value));

    /// <summary>Writes a <see cref="double"/> (IEEE 754, little-endian) without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void UncheckedWriteDouble(double value) => UncheckedWriteFixed64(BitConverter.DoubleToUInt64Bits(value));

    /// <summary>Writes a <see cref="Half"/> without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void UncheckedWriteHalf(Half value) => UncheckedWriteFixed16(BitConverter.HalfToUInt16Bits(value));

    /// <summary>Writes a <see cref="char"/> as a varint of its UTF-16 code unit without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void UncheckedWriteChar(char value) => UncheckedWriteVarUInt32(value);

    /// <summary>Writes an <see cref="Int128"/> (low then high 64 bits) without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void UncheckedWriteInt128(Int128 value) => UncheckedWriteUInt128((UInt128)value);

    /// <summary>Writes a <see cref="UInt128"/> (low then high 64 bits) without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void UncheckedWriteUInt128(UInt128 value)
    {
        UncheckedWriteFixed64((ulong)value);
        UncheckedWriteFixed64((ulong)(value >> 64));
    }

    /// <summary>Writes a <see cref="decimal"/> as its four 32-bit parts (lo, mid, hi, flags) without a bounds check.</summary>
    public void UncheckedWriteDecimal(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        UncheckedWriteFixed32((uint)bits[0]);
        UncheckedWriteFixed32((uint)bits[1]);
        UncheckedWriteFixed32((uint)bits[2]);
        UncheckedWriteFixed32((uint)bits[3]);
    }

    /// <summary>Writes a <see cref="Guid"/> in its 16-byte little-endian layout without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void UncheckedWriteGuid(Guid value)
    {
        value.TryWriteBytes(_buffer.Slice(_position, Wire.Fixed128Length));
        _position += Wire.Fixed128Length;
    }

    /// <summary>Writes a <see cref="DateTime"/> as 62 bits of ticks and 2 bits of <see cref="DateTimeKind"/>, without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void UncheckedWriteDateTime(DateTime value) => _position += PutDateTime(ref Cursor, value);

    /// <summary>Writes a <see cref="DateTimeOffset"/> as its clock ticks and offset minutes, without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void UncheckedWriteDateTimeOffset(DateTimeOffset value)
    {
        UncheckedWriteFixed64((ulong)value.Ticks);
        UncheckedWriteVarInt32((int)(value.Offset.Ticks / TimeSpan.TicksPerMinute));
    }

    /// <summary>Writes a <see cref="TimeSpan"/> as a zig-zag varint of ticks without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void UncheckedWriteTimeSpan(TimeSpan value) => UncheckedWriteVarInt64(value.Ticks);

    /// <summary>Writes one byte.</summary>
    public void WriteByte(byte value)
    {
        Reserve(1);
        UncheckedWriteByte(value);
    }

    /// <summary>Writes a 32-bit varint.</summary>
    public void WriteVarUInt32(uint value)
    {
        Reserve(Wire.MaxVarInt32Length);
        UncheckedWriteVarUInt32(value);
    }

    /// <summary>Writes a 64-bit varint.</summary>
    public void WriteVarUInt64(ulong value)
    {
        Reserve(Wire.MaxVarInt64Length);
        UncheckedWriteVarUInt64(value);
    }
}
