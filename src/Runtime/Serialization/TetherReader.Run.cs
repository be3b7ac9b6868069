using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Tether.Internal;

namespace Tether.Serialization;

// Runs of bounded members read through a local cursor, the mirror of TetherWriter.Run.cs. A generated codec checks once
// that the current segment holds the run's maximum size and every varint's 8-byte window (HasContiguous), takes a
// reference to the run's first byte (BeginRun), reads each member with the Get… methods, which advance an offset held
// in a local, and commits the total once (EndRun). Read through the Unchecked… methods instead, each member stores the
// reader's index and the next loads it back: a store-to-load round trip on the chain from one member to the next.
public ref partial struct TetherReader
{
    /// <summary>
    /// Returns a reference to the next unread byte, the start of a run the caller reads with the <c>Get…</c> methods
    /// and commits with <see cref="EndRun"/>. The caller has checked with <see cref="HasContiguous"/> that the current
    /// segment holds the run's maximum size and 8 bytes from the start of each varint in it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ref byte BeginRun() => ref Cursor;

    /// <summary>Commits the <paramref name="read"/> bytes read since <see cref="BeginRun"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EndRun(int read) => _index += read;

    /// <summary>Reads one byte of a run at <paramref name="offset"/> and advances it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte GetByte(ref byte run, ref int offset) => Unsafe.Add(ref run, offset++);

    /// <summary>Reads a <see cref="bool"/> of a run (0 or 1; anything else is invalid).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool GetBoolean(ref byte run, ref int offset)
    {
        byte b = Unsafe.Add(ref run, offset);
        if (b > 1)
        {
            FailInRun(TetherErrorCode.DecodeInvalidValue, offset);
        }

        offset++;
        return b != 0;
    }

    /// <summary>Reads a 32-bit varint of a run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly uint GetVarUInt32(ref byte run, ref int offset) => (uint)GetVarInt(ref run, ref offset, Wire.MaxVarInt32Length);

    /// <summary>Reads a 64-bit varint of a run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ulong GetVarUInt64(ref byte run, ref int offset) => GetVarInt(ref run, ref offset, Wire.MaxVarInt64Length);

    // maxLength is a constant at every call site, so the branches for the other width fold away once inlined.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly ulong GetVarInt(ref byte run, ref int offset, int maxLength)
    {
        ref byte p = ref Unsafe.Add(ref run, offset);
        uint first = p;
        if (first < 0x80)
        {
            offset++;
            return first;
        }

        ulong word = LoadWord(ref p);
        ulong stops = ~word & 0x8080_8080_8080_8080UL;
        if (stops != 0)
        {
            int bits = BitOperations.TrailingZeroCount(stops) + 1;
            ulong value = Compact7BitGroups(word & (ulong.MaxValue >> (64 - bits)));
            if (maxLength == Wire.MaxVarInt32Length && (bits > Wire.MaxVarInt32Length * 8 || value > uint.MaxValue))
            {
                FailInRun(TetherErrorCode.DecodeMalformedVarint, offset);
            }

            offset += bits >> 3;
            return value;
        }

        // Nine or ten bytes (large values such as tick counts): 64-bit only, and only for those did the run's check cover
        // the bytes past the 8-byte window.
        if (maxLength == Wire.MaxVarInt32Length)
        {
            FailInRun(TetherErrorCode.DecodeMalformedVarint, offset);
            return 0;
        }

        uint ninth = Unsafe.Add(ref p, 8);
        if (ninth < 0x80)
        {
            offset += 9;
            return Compact7BitGroups(word) | ((ulong)ninth << 56);
        }

        uint tenth = Unsafe.Add(ref p, 9);
        if (tenth > 1)
        {
            FailInRun(TetherErrorCode.DecodeMalformedVarint, offset);
        }

        offset += 10;
        return Compact7BitGroups(word) | ((ulong)(ninth & 0x7F) << 56) | ((ulong)tenth << 63);
    }

    /// <summary>
    /// Whether a run with strings in it (<see cref="GetString"/>) can be read through a cursor: <paramref name="count"/>
    /// bytes contiguous, as for <see cref="HasContiguous"/>, and no string pool (a pooled decode reads each string with
    /// <see cref="ReadString"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool CanReadStringRun(int count) => _strings is null && _span.Length - _index >= count;

    /// <summary>
    /// Reads a string of a run opened after <see cref="CanReadStringRun"/> when it has a one-byte header and ASCII text
    /// inside the message, and advances the offset; otherwise reads nothing and returns null, and the caller commits the
    /// run and reads the string with <see cref="ReadString"/>, which takes every other case and reports its errors. The
    /// run's check covered the header and <see cref="ShortAscii.MaxLength"/> bytes after it, and <paramref name="rest"/>
    /// bytes for the members after the string: a longer string is read in place only when the segment also holds those.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly string? GetString(ref byte run, ref int offset, int rest)
    {
        // A header of 0 (null) makes length -1, a header of two bytes or more at least 127: both left to the long path.
        int length = Unsafe.Add(ref run, offset) - 1;
        if ((uint)length <= ShortAscii.MaxLength)
        {
            if (_spanStart + _index + offset + 1 + length <= _limit)
            {
                string text = new('\0', length);
                if (ShortAscii.TryWiden(ref Unsafe.Add(ref run, offset + 1), length, ref MemoryMarshal.GetReference(text.AsSpan())))
                {
                    offset += 1 + length;
                    return text;
                }
            }

            return null;
        }

        return GetLongString(ref run, ref offset, length, rest);
    }

    // GetString past ShortAscii.MaxLength: up to the longest text a one-byte header counts (126 bytes: identifiers, GUIDs,
    // paths), ASCII, inside the message, and with the run's rest still in this segment after it. A call of its own, so
    // the inlined common case stays small.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly string? GetLongString(ref byte run, ref int offset, int length, int rest)
    {
        int end = _index + offset + 1 + length; // the string's end, as an index into the segment
        if ((uint)length > OneByteHeaderMaxLength || _span.Length - end < rest || _spanStart + end > _limit)
        {
            return null;
        }

        string text = new('\0', length);
        ref byte source = ref Unsafe.Add(ref run, offset + 1);
        ref char destination = ref MemoryMarshal.GetReference(text.AsSpan());
        if (length <= ShortAscii.MaxMediumLength
            ? !ShortAscii.TryWidenMedium(ref source, length, ref destination)
            : Ascii.ToUtf16(MemoryMarshal.CreateReadOnlySpan(ref source, length), MemoryMarshal.CreateSpan(ref destination, length), out _) != OperationStatus.Done)
        {
            return null;
        }

        offset += 1 + length;
        return text;
    }

    /// <summary>
    /// <see cref="CanReadStringRun"/> for a decode with a string pool (<see cref="DecodeOptions.StringPool"/>), whose runs
    /// read their strings with <see cref="GetPooledShortString"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool CanReadPooledStringRun(int count) => _strings is not null && _span.Length - _index >= count;

    /// <summary>
    /// <see cref="GetString"/> in a run opened after <see cref="CanReadPooledStringRun"/>: a short value the pool's
    /// table holds is returned from it; anything else, a value not seen yet included, reads nothing and returns null,
    /// and is left to <see cref="ReadString"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly string? GetPooledShortString(ref byte run, ref int offset)
    {
        int length = Unsafe.Add(ref run, offset) - 1;
        if ((uint)(length - 1) < Math.Min(PooledStrings.MaxCachedBytes, ShortAscii.MaxLength)
            && _spanStart + _index + offset + 1 + length <= _limit
            && _strings!.TryGetCached(ref Unsafe.Add(ref run, offset + 1), length) is { } cached)
        {
            offset += 1 + length;
            return cached;
        }

        return null;
    }

    /// <summary>Reads a zig-zag 32-bit varint of a run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int GetVarInt32(ref byte run, ref int offset) => Wire.UnZigZag(GetVarUInt32(ref run, ref offset));

    /// <summary>Reads a zig-zag 64-bit varint of a run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly long GetVarInt64(ref byte run, ref int offset) => Wire.UnZigZag(GetVarUInt64(ref run, ref offset));

    /// <summary>Reads a <see cref="short"/> (zig-zag varint) of a run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly short GetInt16(ref byte run, ref int offset)
    {
        int start = offset;
        int value = GetVarInt32(ref run, ref offset);
        if (value != (short)value)
        {
            FailInRun(TetherErrorCode.DecodeInvalidValue, start);
        }

        return (short)value;
    }

    /// <summary>Reads a <see cref="ushort"/> (varint) of a run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ushort GetUInt16(ref byte run, ref int offset)
    {
        int start = offset;
        uint value = GetVarUInt32(ref run, ref offset);
        if (value > ushort.MaxValue)
        {
            FailInRun(TetherErrorCode.DecodeInvalidValue, start);
        }

        return (ushort)value;
    }

    /// <summary>Reads a <see cref="char"/> (varint) of a run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly char GetChar(ref byte run, ref int offset) => (char)GetUInt16(ref run, ref offset);

    /// <summary>Reads a <see cref="float"/> of a run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GetSingle(ref byte run, ref int offset) => BitConverter.UInt32BitsToSingle(GetFixed32(ref run, ref offset));

    /// <summary>Reads a <see cref="double"/> of a run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double GetDouble(ref byte run, ref int offset) => BitConverter.UInt64BitsToDouble(GetFixed64(ref run, ref offset));

    /// <summary>Reads a <see cref="Half"/> of a run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Half GetHalf(ref byte run, ref int offset)
    {
        ushort bits = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref run, offset));
        offset += sizeof(ushort);
        return BitConverter.UInt16BitsToHalf(BitConverter.IsLittleEndian ? bits : BinaryPrimitives.ReverseEndianness(bits));
    }

    /// <summary>Reads a <see cref="DateTime"/> of a run, rejecting out-of-range ticks or kind.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly DateTime GetDateTime(ref byte run, ref int offset)
    {
        int start = offset;
        return ToDateTime(GetFixed64(ref run, ref offset), Consumed + start);
    }

    /// <summary>Reads a <see cref="TimeSpan"/> (its ticks as a zig-zag varint) of a run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly TimeSpan GetTimeSpan(ref byte run, ref int offset) => new(GetVarInt64(ref run, ref offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint GetFixed32(ref byte run, ref int offset)
    {
        uint bits = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref run, offset));
        offset += sizeof(uint);
        return BitConverter.IsLittleEndian ? bits : BinaryPrimitives.ReverseEndianness(bits);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong GetFixed64(ref byte run, ref int offset)
    {
        ulong bits = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref run, offset));
        offset += sizeof(ulong);
        return BitConverter.IsLittleEndian ? bits : BinaryPrimitives.ReverseEndianness(bits);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong LoadWord(ref byte source)
    {
        ulong word = Unsafe.ReadUnaligned<ulong>(ref source);
        return BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word);
    }

    // A string's header is its length + 1 (0 is null); one byte holds up to 127.
    private const int OneByteHeaderMaxLength = 126;

    // A member of a run that fails to decode: the error names the member's first byte (the run is not committed yet).
    private readonly void FailInRun(TetherErrorCode code, int offset) => ThrowHelper.ThrowDecode(code, Consumed + offset);
}
