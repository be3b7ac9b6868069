using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Tether.Internal;

namespace Tether.Serialization;

// Bounded-size values. Unchecked reads require HasContiguous(run size) to have returned true; the
// checked reads take the fast path when the current segment holds the value's maximum size and
// otherwise cross segments one piece at a time.
public ref partial struct TetherReader
{
    private const long MaxDateTimeTicks = 3_155_378_975_999_999_999; // DateTime.MaxValue.Ticks
    private const int MaxOffsetMinutes = 14 * 60;

    /// <summary>Reads one byte without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte UncheckedReadByte()
    {
        byte b = Cursor;
        _index++;
        return b;
    }

    /// <summary>Reads a 32-bit varint; needs only its first byte contiguous (the multi-byte path checks for itself).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint UncheckedReadVarUInt32()
    {
        uint b = Cursor;
        if (b < 0x80)
        {
            _index++;
            return b;
        }

        return (uint)ReadVarIntMultiByte(Wire.MaxVarInt32Length);
    }

    /// <summary>Reads a 64-bit varint; needs only its first byte contiguous (the multi-byte path checks for itself).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong UncheckedReadVarUInt64()
    {
        uint b = Cursor;
        if (b < 0x80)
        {
            _index++;
            return b;
        }

        return ReadVarIntMultiByte(Wire.MaxVarInt64Length);
    }

    // A varint of two or more bytes. With eight bytes readable in the current segment, the
    // terminator is found and the 7-bit groups compacted without a loop; otherwise, byte by byte.
    private ulong ReadVarIntMultiByte(int maxLength)
    {
        int available = _span.Length - _index;
        if (available < sizeof(ulong))
        {
            return ReadVarIntInSpan(maxLength);
        }

        ref byte p = ref Cursor;
        ulong word = Unsafe.ReadUnaligned<ulong>(ref p);
        if (!BitConverter.IsLittleEndian)
        {
            word = BinaryPrimitives.ReverseEndianness(word);
        }

        ulong stops = ~word & 0x8080_8080_8080_8080UL;
        if (stops != 0)
        {
            int bits = BitOperations.TrailingZeroCount(stops) + 1;
            int length = bits >> 3;
            ulong value = Compact7BitGroups(word & (ulong.MaxValue >> (64 - bits)));
            if (length > maxLength || (maxLength == Wire.MaxVarInt32Length && value > uint.MaxValue))
            {
                return ThrowMalformedVarint();
            }

            _index += length;
            return value;
        }

        // Nine or ten bytes: only 64-bit values are that long.
        if (maxLength != Wire.MaxVarInt64Length)
        {
            return ThrowMalformedVarint();
        }

        if (available > 8)
        {
            uint ninth = Unsafe.Add(ref p, 8);
            if (ninth < 0x80)
            {
                _index += 9;
                return Compact7BitGroups(word) | ((ulong)ninth << 56);
            }

            if (available > 9)
            {
                uint tenth = Unsafe.Add(ref p, 9);
                if (tenth > 1)
                {
                    return ThrowMalformedVarint();
                }

                _index += 10;
                return Compact7BitGroups(word) | ((ulong)(ninth & 0x7F) << 56) | ((ulong)tenth << 63);
            }
        }

        // The varint continues into the next segment.
        return ReadVarIntInSpan(maxLength);
    }

    // Packs the low 7 bits of each of eight bytes into 56 contiguous bits.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Compact7BitGroups(ulong word)
    {
        if (Bmi2.X64.IsSupported)
        {
            return Bmi2.X64.ParallelBitExtract(word, 0x7F7F_7F7F_7F7F_7F7FUL);
        }

        word &= 0x7F7F_7F7F_7F7F_7F7FUL;
        word = (word & 0x007F_007F_007F_007FUL) | ((word & 0x7F00_7F00_7F00_7F00UL) >> 1);
        word = (word & 0x0000_3FFF_0000_3FFFUL) | ((word & 0x3FFF_0000_3FFF_0000UL) >> 2);
        return (word & 0x0000_0000_0FFF_FFFFUL) | ((word & 0x0FFF_FFFF_0000_0000UL) >> 4);
    }

    // A varint read byte by byte within the current span; crosses into the next segment only when
    // the span ends before the terminator (and before the type's maximum length).
    private ulong ReadVarIntInSpan(int maxLength)
    {
        ReadOnlySpan<byte> span = _span;
        ulong result = 0;
        int count = 0;
        for (int i = _index; i < span.Length; i++)
        {
            ulong b = span[i];
            result |= (b & 0x7F) << (7 * count);
            count++;
            if (b < 0x80)
            {
                // The last byte may only carry the bits the type has left (4 of 32, 1 of 64).
                if (count == maxLength && b > (maxLength == Wire.MaxVarInt32Length ? 0x0Fu : 0x01u))
                {
                    return ThrowMalformedVarint();
                }

                _index = i + 1;
                return result;
            }

            if (count == maxLength)
            {
                return ThrowMalformedVarint();
            }
        }

        return ReadVarIntAcrossSegments(maxLength);
    }

    private readonly ulong ThrowMalformedVarint()
    {
        ThrowHelper.ThrowDecode(TetherErrorCode.DecodeMalformedVarint, Consumed);
        return 0;
    }

    /// <summary>Reads a zig-zag 32-bit varint without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int UncheckedReadVarInt32() => Wire.UnZigZag(UncheckedReadVarUInt32());

    /// <summary>Reads a zig-zag 64-bit varint without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long UncheckedReadVarInt64() => Wire.UnZigZag(UncheckedReadVarUInt64());

    /// <summary>Reads a little-endian 16-bit value without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort UncheckedReadFixed16()
    {
        ushort v = Unsafe.ReadUnaligned<ushort>(ref Cursor);
        _index += 2;
        return BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);
    }

    /// <summary>Reads a little-endian 32-bit value without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint UncheckedReadFixed32()
    {
        uint v = Unsafe.ReadUnaligned<uint>(ref Cursor);
        _index += 4;
        return BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);
    }

    /// <summary>Reads a little-endian 64-bit value without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong UncheckedReadFixed64()
    {
        ulong v = Unsafe.ReadUnaligned<ulong>(ref Cursor);
        _index += 8;
        return BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);
    }

    /// <summary>Reads a <see cref="bool"/> (0 or 1; anything else is invalid) without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool UncheckedReadBoolean() => ToBoolean(UncheckedReadByte());

    /// <summary>Reads a <see cref="short"/> (zig-zag varint) without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public short UncheckedReadInt16()
    {
        long start = Consumed;
        return (short)CheckedNarrow(UncheckedReadVarInt32(), short.MinValue, short.MaxValue, start);
    }

    /// <summary>Reads a <see cref="ushort"/> (varint) without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort UncheckedReadUInt16()
    {
        long start = Consumed;
        return (ushort)CheckedNarrow(UncheckedReadVarUInt32(), ushort.MaxValue, start);
    }

    /// <summary>Reads a <see cref="char"/> (varint) without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public char UncheckedReadChar()
    {
        long start = Consumed;
        return (char)CheckedNarrow(UncheckedReadVarUInt32(), char.MaxValue, start);
    }

    /// <summary>Reads a <see cref="float"/> without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float UncheckedReadSingle() => BitConverter.UInt32BitsToSingle(UncheckedReadFixed32());

    /// <summary>Reads a <see cref="double"/> without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double UncheckedReadDouble() => BitConverter.UInt64BitsToDouble(UncheckedReadFixed64());

    /// <summary>Reads a <see cref="Half"/> without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Half UncheckedReadHalf() => BitConverter.UInt16BitsToHalf(UncheckedReadFixed16());

    /// <summary>Reads a <see cref="UInt128"/> without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public UInt128 UncheckedReadUInt128()
    {
        ulong low = UncheckedReadFixed64();
        ulong high = UncheckedReadFixed64();
        return new UInt128(high, low);
    }

    /// <summary>Reads an <see cref="Int128"/> without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Int128 UncheckedReadInt128() => (Int128)UncheckedReadUInt128();

    /// <summary>Reads a <see cref="decimal"/> without a bounds check, rejecting invalid flags or scale.</summary>
    public decimal UncheckedReadDecimal()
    {
        uint lo = UncheckedReadFixed32();
        uint mid = UncheckedReadFixed32();
        uint hi = UncheckedReadFixed32();
        return ToDecimal(lo, mid, hi, UncheckedReadFixed32());
    }

    /// <summary>Reads a <see cref="Guid"/> without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Guid UncheckedReadGuid()
    {
        var value = new Guid(_span.Slice(_index, Wire.Fixed128Length));
        _index += Wire.Fixed128Length;
        return value;
    }

    /// <summary>Reads a <see cref="DateTime"/> without a bounds check, rejecting out-of-range ticks or kind.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public DateTime UncheckedReadDateTime() => ToDateTime(UncheckedReadFixed64(), Consumed - sizeof(ulong));

    /// <summary>Reads a <see cref="DateTimeOffset"/> without a bounds check, rejecting out-of-range values.</summary>
    public DateTimeOffset UncheckedReadDateTimeOffset()
    {
        long start = Consumed;
        long ticks = (long)UncheckedReadFixed64();
        int minutes = UncheckedReadVarInt32();
        return ToDateTimeOffset(ticks, minutes, start);
    }

    /// <summary>Reads a <see cref="TimeSpan"/> without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TimeSpan UncheckedReadTimeSpan() => new(UncheckedReadVarInt64());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly bool ToBoolean(byte b)
    {
        if (b > 1)
        {
            ThrowHelper.ThrowDecode(TetherErrorCode.DecodeInvalidValue, Consumed - 1);
        }

        return b != 0;
    }

    private readonly decimal ToDecimal(uint lo, uint mid, uint hi, uint flags)
    {
        uint scale = (flags >> 16) & 0xFF;
        if ((flags & 0x7F00FFFF) != 0 || scale > 28)
        {
            ThrowHelper.ThrowDecode(TetherErrorCode.DecodeInvalidValue, Consumed - 4);
        }

        return new decimal((int)lo, (int)mid, (int)hi, (flags & 0x8000_0000) != 0, (byte)scale);
    }

    // position: where the value started, for the error.
    private static DateTime ToDateTime(ulong bits, long position)
    {
        long ticks = (long)(bits & 0x3FFF_FFFF_FFFF_FFFF);
        uint kind = (uint)(bits >> 62);
        if (ticks > MaxDateTimeTicks || kind > (uint)DateTimeKind.Local)
        {
            ThrowHelper.ThrowDecode(TetherErrorCode.DecodeInvalidValue, position);
        }

        return new DateTime(ticks, (DateTimeKind)kind);
    }

    // position: where the value started, for the error (as for every value a run reads).
    private static DateTimeOffset ToDateTimeOffset(long ticks, int minutes, long position)
    {
        long utcTicks = ticks - (minutes * TimeSpan.TicksPerMinute);
        if (minutes < -MaxOffsetMinutes || minutes > MaxOffsetMinutes
            || ticks < 0 || ticks > MaxDateTimeTicks || utcTicks < 0 || utcTicks > MaxDateTimeTicks)
        {
            ThrowHelper.ThrowDecode(TetherErrorCode.DecodeInvalidValue, position);
        }

        return new DateTimeOffset(ticks, new TimeSpan(minutes * TimeSpan.TicksPerMinute));
    }

    // start: where the value started, for the error.
    private static int CheckedNarrow(int value, int min, int max, long start)
    {
        if (value < min || value > max)
        {
            ThrowHelper.ThrowDecode(TetherErrorCode.DecodeInvalidValue, start);
        }

        return value;
    }

    private static uint CheckedNarrow(uint value, uint max, long start)
    {
        if (value > max)
        {
            ThrowHelper.ThrowDecode(TetherErrorCode.DecodeInvalidValue, start);
        }

        return value;
    }
}
