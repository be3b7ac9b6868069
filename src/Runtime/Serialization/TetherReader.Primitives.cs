using System.Buffers.Binary;
using System.Runtime.CompilerServices;
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

    /// <summary>Reads a 32-bit varint without a bounds check (needs <see cref="Wire.MaxVarInt32Length"/> contiguous bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint UncheckedReadVarUInt32()
    {
        uint b = Cursor;
        if (b < 0x80)
        {
            _index++;
            return b;
        }

        return UncheckedReadVarUInt32Long();
    }

    private uint UncheckedReadVarUInt32Long()
    {
        ref byte p = ref Cursor;
        uint result = 0;
        for (int i = 0; i < Wire.MaxVarInt32Length; i++)
        {
            uint b = Unsafe.Add(ref p, i);
            result |= (b & 0x7F) << (7 * i);
            if (b < 0x80)
            {
                if (i == Wire.MaxVarInt32Length - 1 && b > 0x0F)
                {
                    break;
                }

                _index += i + 1;
                return result;
            }
        }

        ThrowHelper.ThrowDecode(TetherErrorCode.DecodeMalformedVarint, Consumed);
        return 0;
    }

    /// <summary>Reads a 64-bit varint without a bounds check (needs <see cref="Wire.MaxVarInt64Length"/> contiguous bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong UncheckedReadVarUInt64()
    {
        uint b = Cursor;
        if (b < 0x80)
        {
            _index++;
            return b;
        }

        return UncheckedReadVarUInt64Long();
    }

    private ulong UncheckedReadVarUInt64Long()
    {
        ref byte p = ref Cursor;
        ulong result = 0;
        for (int i = 0; i < Wire.MaxVarInt64Length; i++)
        {
            ulong b = Unsafe.Add(ref p, i);
            result |= (b & 0x7F) << (7 * i);
            if (b < 0x80)
            {
                if (i == Wire.MaxVarInt64Length - 1 && b > 0x01)
                {
                    break;
                }

                _index += i + 1;
                return result;
            }
        }

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
    public short UncheckedReadInt16() => (short)CheckedNarrow(UncheckedReadVarInt32(), short.MinValue, short.MaxValue);

    /// <summary>Reads a <see cref="ushort"/> (varint) without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort UncheckedReadUInt16() => (ushort)CheckedNarrow(UncheckedReadVarUInt32(), ushort.MaxValue);

    /// <summary>Reads a <see cref="char"/> (varint) without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public char UncheckedReadChar() => (char)CheckedNarrow(UncheckedReadVarUInt32(), char.MaxValue);

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
    public DateTime UncheckedReadDateTime() => ToDateTime(UncheckedReadFixed64());

    /// <summary>Reads a <see cref="DateTimeOffset"/> without a bounds check, rejecting out-of-range values.</summary>
    public DateTimeOffset UncheckedReadDateTimeOffset()
    {
        long ticks = (long)UncheckedReadFixed64();
        int minutes = UncheckedReadVarInt32();
        return ToDateTimeOffset(ticks, minutes);
    }

    /// <summary>Reads a <see cref="TimeSpan"/> without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TimeSpan UncheckedReadTimeSpan() => new(UncheckedReadVarInt64());

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

    private readonly DateTime ToDateTime(ulong bits)
    {
        long ticks = (long)(bits & 0x3FFF_FFFF_FFFF_FFFF);
        uint kind = (uint)(bits >> 62);
        if (ticks > MaxDateTimeTicks || kind > (uint)DateTimeKind.Local)
        {
            ThrowHelper.ThrowDecode(TetherErrorCode.DecodeInvalidValue, Consumed - 8);
        }

        return new DateTime(ticks, (DateTimeKind)kind);
    }

    private readonly DateTimeOffset ToDateTimeOffset(long ticks, int minutes)
    {
        long utcTicks = ticks - (minutes * TimeSpan.TicksPerMinute);
        if (minutes < -MaxOffsetMinutes || minutes > MaxOffsetMinutes
            || ticks < 0 || ticks > MaxDateTimeTicks || utcTicks < 0 || utcTicks > MaxDateTimeTicks)
        {
            ThrowHelper.ThrowDecode(TetherErrorCode.DecodeInvalidValue, Consumed);
        }

        return new DateTimeOffset(ticks, new TimeSpan(minutes * TimeSpan.TicksPerMinute));
    }

    private readonly int CheckedNarrow(int value, int min, int max)
    {
        if (value < min || value > max)
        {
            ThrowHelper.ThrowDecode(TetherErrorCode.DecodeInvalidValue, Consumed);
        }

        return value;
    }

    private readonly uint CheckedNarrow(uint value, uint max)
    {
        if (value > max)
        {
            ThrowHelper.ThrowDecode(TetherErrorCode.DecodeInvalidValue, Consumed);
        }

        return value;
    }
}
