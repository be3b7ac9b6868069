using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tether.Internal;

namespace Tether.Serialization;

// Checked reads of bounded values: a fast path when the current segment holds the value's largest
// encoding, otherwise a slow path that crosses segment boundaries.
public ref partial struct TetherReader
{
    /// <summary>Reads one byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte ReadByte() => _index < _span.Length ? _span[_index++] : ReadByteSlow();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private byte ReadByteSlow()
    {
        while (_index >= _span.Length)
        {
            if (!LoadNextSegment())
            {
                ThrowHelper.ThrowDecode(TetherErrorCode.DecodeTruncated, Consumed);
            }
        }

        return _span[_index++];
    }

    /// <summary>Reads an <see cref="sbyte"/>.</summary>
    public sbyte ReadSByte() => (sbyte)ReadByte();

    /// <summary>Reads a <see cref="bool"/> (0 or 1).</summary>
    public bool ReadBoolean() => ToBoolean(ReadByte());

    /// <summary>Reads a 32-bit varint.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadVarUInt32()
    {
        int index = _index;
        if ((uint)index < (uint)_span.Length && Unsafe.Add(ref MemoryMarshal.GetReference(_span), index) is var b && b < 0x80)
        {
            _index = index + 1; // one bounds check: the span's own indexer would repeat it
            return b;
        }

        return (uint)ReadVarIntMultiByte(Wire.MaxVarInt32Length);
    }

    /// <summary>Reads a 64-bit varint.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadVarUInt64()
    {
        int index = _index;
        if ((uint)index < (uint)_span.Length && Unsafe.Add(ref MemoryMarshal.GetReference(_span), index) is var b && b < 0x80)
        {
            _index = index + 1; // one bounds check: the span's own indexer would repeat it
            return b;
        }

        return ReadVarIntMultiByte(Wire.MaxVarInt64Length);
    }

    // The general case: one byte at a time across segments, starting over from the varint's first byte.
    private ulong ReadVarIntAcrossSegments(int maxLength)
    {
        long start = Consumed;
        ulong result = 0;
        for (int i = 0; i < maxLength; i++)
        {
            ulong b = ReadByte();
            result |= (b & 0x7F) << (7 * i);
            if (b < 0x80)
            {
                // The last byte may only carry the bits the type has left (4 of 32, 1 of 64).
                bool overflow = i == maxLength - 1 && b > (maxLength == Wire.MaxVarInt32Length ? 0x0Fu : 0x01u);
                if (overflow)
                {
                    break;
                }

                return result;
            }
        }

        ThrowHelper.ThrowDecode(TetherErrorCode.DecodeMalformedVarint, start);
        return 0;
    }

    /// <summary>Reads a zig-zag 32-bit varint.</summary>
    public int ReadVarInt32() => Wire.UnZigZag(ReadVarUInt32());

    /// <summary>Reads a zig-zag 64-bit varint.</summary>
    public long ReadVarInt64() => Wire.UnZigZag(ReadVarUInt64());

    /// <summary>Reads a <see cref="short"/>.</summary>
    public short ReadInt16()
    {
        long start = Consumed;
        return (short)CheckedNarrow(ReadVarInt32(), short.MinValue, short.MaxValue, start);
    }

    /// <summary>Reads a <see cref="ushort"/>.</summary>
    public ushort ReadUInt16()
    {
        long start = Consumed;
        return (ushort)CheckedNarrow(ReadVarUInt32(), ushort.MaxValue, start);
    }

    /// <summary>Reads a <see cref="char"/>.</summary>
    public char ReadChar()
    {
        long start = Consumed;
        return (char)CheckedNarrow(ReadVarUInt32(), char.MaxValue, start);
    }

    /// <summary>Reads a little-endian 16-bit value.</summary>
    public ushort ReadFixed16()
    {
        if (HasContiguous(2))
        {
            return UncheckedReadFixed16();
        }

        Span<byte> bytes = stackalloc byte[2];
        ReadExact(bytes);
        return BinaryPrimitives.ReadUInt16LittleEndian(bytes);
    }

    /// <summary>Reads a little-endian 32-bit value.</summary>
    public uint ReadFixed32()
    {
        if (HasContiguous(4))
        {
            return UncheckedReadFixed32();
        }

        Span<byte> bytes = stackalloc byte[4];
        ReadExact(bytes);
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }

    /// <summary>Reads a little-endian 64-bit value.</summary>
    public ulong ReadFixed64()
    {
        if (HasContiguous(8))
        {
            return UncheckedReadFixed64();
        }

        Span<byte> bytes = stackalloc byte[8];
        ReadExact(bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    /// <summary>Reads a <see cref="float"/>.</summary>
    public float ReadSingle() => BitConverter.UInt32BitsToSingle(ReadFixed32());

    /// <summary>Reads a <see cref="double"/>.</summary>
    public double ReadDouble() => BitConverter.UInt64BitsToDouble(ReadFixed64());

    /// <summary>Reads a <see cref="Half"/>.</summary>
    public Half ReadHalf() => BitConverter.UInt16BitsToHalf(ReadFixed16());

    /// <summary>Reads a <see cref="UInt128"/>.</summary>
    public UInt128 ReadUInt128()
    {
        ulong low = ReadFixed64();
        ulong high = ReadFixed64();
        return new UInt128(high, low);
    }

    /// <summary>Reads an <see cref="Int128"/>.</summary>
    public Int128 ReadInt128() => (Int128)ReadUInt128();

    /// <summary>Reads a <see cref="decimal"/>.</summary>
    public decimal ReadDecimal()
    {
        uint lo = ReadFixed32();
        uint mid = ReadFixed32();
        uint hi = ReadFixed32();
        return ToDecimal(lo, mid, hi, ReadFixed32());
    }

    /// <summary>Reads a <see cref="Guid"/>.</summary>
    public Guid ReadGuid()
    {
        if (HasContiguous(Wire.Fixed128Length))
        {
            return UncheckedReadGuid();
        }

        Span<byte> bytes = stackalloc byte[Wire.Fixed128Length];
        ReadExact(bytes);
        return new Guid(bytes);
    }

    /// <summary>Reads a <see cref="DateTime"/>.</summary>
    public DateTime ReadDateTime() => ToDateTime(ReadFixed64(), Consumed - sizeof(ulong));

    /// <summary>Reads a <see cref="DateTimeOffset"/>.</summary>
    public DateTimeOffset ReadDateTimeOffset()
    {
        long start = Consumed;
        long ticks = (long)ReadFixed64();
        return ToDateTimeOffset(ticks, ReadVarInt32(), start);
    }

    /// <summary>Reads a <see cref="TimeSpan"/>.</summary>
    public TimeSpan ReadTimeSpan() => new(ReadVarInt64());
}
