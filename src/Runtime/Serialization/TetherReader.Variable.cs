using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using Tether.Internal;

namespace Tether.Serialization;

// Values of unbounded size. Every length is checked against the bytes left in the current message
// before anything is allocated, so a hostile length cannot cost more memory than was received.
public ref partial struct TetherReader
{
    private const int ShortStringBytes = 256;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads the member count that starts every message body.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadMemberCount()
    {
        // The common case, a one-byte count in this segment, without the general varint read's second bounds check.
        int index = _index;
        if ((uint)index < (uint)_span.Length && Unsafe.Add(ref MemoryMarshal.GetReference(_span), index) is var count and < 0x80)
        {
            _index = index + 1;
            return count;
        }

        return ReadWideMemberCount();
    }

    private int ReadWideMemberCount()
    {
        uint count = ReadVarUInt32();

        // A count past int.MaxValue just means "more members than this reader knows": saturate.
        return count > int.MaxValue ? int.MaxValue : (int)count;
    }

    /// <summary>Reads a string written by <see cref="TetherWriter.WriteString"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // the short-ASCII case inline at the generated call site
    public string? ReadString()
    {
        if (_strings is not null)
        {
            return ReadPooledString(); // opted in: a value seen before is not allocated again
        }

        // The common case: a one-byte header and short ASCII text, all in this segment and inside the message,
        // widened straight into the new string. A header of 0 (null) makes length -1 and takes the general path.
        int index = _index;
        if ((uint)index < (uint)_span.Length)
        {
            int length = Unsafe.Add(ref MemoryMarshal.GetReference(_span), index) - 1; // index checked just above
            if ((uint)length <= ShortAscii.MaxLength
                && _span.Length - index - 1 >= length
                && _spanStart + index + 1 + length <= _limit)
            {
                string text = new('\0', length);
                if (ShortAscii.TryWiden(ref Unsafe.Add(ref MemoryMarshal.GetReference(_span), index + 1), length, ref MemoryMarshal.GetReference(text.AsSpan())))
                {
                    _index = index + 1 + length;
                    return text;
                }
            }
        }

        return ReadStringGeneral();
    }

    /// <summary>
    /// <see cref="ReadString"/> with <see cref="DecodeOptions.StringPool"/>: a short value seen before, with a one-byte
    /// header, all in this segment and inside the message, comes from the pool's table without being transcoded.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private string? ReadPooledString()
    {
        int index = _index;
        if ((uint)index < (uint)_span.Length)
        {
            int length = _span[index] - 1;
            if ((uint)(length - 1) < PooledStrings.MaxCachedBytes
                && _span.Length - index - 1 >= length
                && _spanStart + index + 1 + length <= _limit
                && _strings!.TryGetCached(ref Unsafe.Add(ref MemoryMarshal.GetReference(_span), index + 1), length) is { } cached)
            {
                _index = index + 1 + length;
                return cached;
            }
        }

        return ReadStringGeneral();
    }

    private string? ReadStringGeneral()
    {
        int length = ReadLengthPrefix(out bool isNull);
        if (isNull)
        {
            return null;
        }

        if (length == 0)
        {
            return string.Empty;
        }

        if (HasContiguous(length))
        {
            string value = length <= ShortStringBytes ? DecodeShortUtf8(_span.Slice(_index, length)) : DecodeUtf8(_span.Slice(_index, length), Consumed);
            _index += length;
            return value;
        }

        return ReadStringAcrossSegments(length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private string ReadStringAcrossSegments(int length)
    {
        long start = Consumed;
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            ReadExact(rented.AsSpan(0, length));
            return DecodeUtf8(rented.AsSpan(0, length), start);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // Short strings avoid Encoding's count-then-convert passes.
    private readonly string DecodeShortUtf8(ReadOnlySpan<byte> bytes)
    {
        if (_strings is not null)
        {
            return DecodePooled(bytes);
        }

        // Most protocol strings (symbols, names, keys) are ASCII. Allocate the string and widen into
        // it in one vectorised pass that also validates; the string is not visible to anyone until it
        // is returned, so writing into it is safe (MemoryPack does the same).
        string text = new('\0', bytes.Length);
        Span<char> destination = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(text.AsSpan()), text.Length);
        if (bytes.Length is > ShortAscii.MaxLength and <= ShortAscii.MaxMediumLength
            ? ShortAscii.TryWidenMedium(ref MemoryMarshal.GetReference(bytes), bytes.Length, ref MemoryMarshal.GetReference(destination))
            : Ascii.ToUtf16(bytes, destination, out _) == OperationStatus.Done)
        {
            return text;
        }

        // Not ASCII (the string above is garbage): transcode into a stack buffer, validating as it
        // goes (UTF-16 never has more code units than UTF-8 has bytes), then copy into a new string.
        Span<char> chars = stackalloc char[ShortStringBytes];
        OperationStatus status = Utf8.ToUtf16(bytes, chars, out _, out int written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            ThrowHelper.ThrowDecode(TetherErrorCode.DecodeInvalidUtf8, Consumed);
        }

        return new string(chars.Slice(0, written));
    }

    // The pool's table of recent values, then the pool itself (PooledStrings): a value seen before costs no allocation.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly string DecodePooled(ReadOnlySpan<byte> bytes) => _strings!.Get(bytes, Consumed);

    // start: where the text's bytes began, for the error (the same wherever the bytes came from).
    private static string DecodeUtf8(ReadOnlySpan<byte> bytes, long start)
    {
        try
        {
            return s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            ThrowHelper.ThrowDecode(TetherErrorCode.DecodeInvalidUtf8, start);
            return null!;
        }
    }

    /// <summary>Reads a byte array written by <see cref="TetherWriter.WriteBytes(byte[])"/>.</summary>
    public byte[]? ReadByteArray()
    {
        int length = ReadLengthPrefix(out bool isNull);
        if (isNull)
        {
            return null;
        }

        if (length == 0)
        {
            return [];
        }

        byte[] value = GC.AllocateUninitializedArray<byte>(length);
        ReadExact(value);
        return value;
    }

    /// <summary>Reads a block of bytes into memory the caller owns (a null block reads as empty).</summary>
    public ReadOnlyMemory<byte> ReadMemory() => ReadByteArray() is { } array ? array : ReadOnlyMemory<byte>.Empty;

    /// <summary>
    /// Reads a collection header: returns the element count, or -1 for a null collection. Fails when
    /// <paramref name="minElementSize"/> times the count exceeds the bytes left in the message.
    /// </summary>
    public int ReadCollectionHeader(int minElementSize)
    {
        long start = Consumed;
        ulong header = ReadVarUInt64();
        if (header == 0)
        {
            return -1;
        }

        ulong count = header - 1;
        if (count > (ulong)Array.MaxLength || count * (ulong)minElementSize > (ulong)RemainingInMessage)
        {
            ThrowHelper.ThrowDecode(TetherErrorCode.DecodeLengthOutOfRange, start);
        }

        return (int)count;
    }

    /// <summary>Reads a nested message written by <see cref="TetherWriter.WriteMessage{T}"/> (a null one reads as default).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // lets T's static members bind directly at the generated call site
    public T? ReadMessage<T>()
        where T : IMessage<T>
    {
        // A collection of one: the same checks, the depth and the enclosing limit restored after it.
        long outerLimit = EnterElements();
        T? value = ReadElement<T>(outerLimit);
        LeaveElements();
        return value;
    }

    /// <summary>
    /// Starts reading a collection's nested messages with <see cref="ReadElement{T}"/>: one level deeper for all of them,
    /// so the elements need not each save and restore the depth. Returns the enclosing message's limit, which each
    /// element restores; <see cref="LeaveElements"/> ends the collection.
    /// </summary>
    public long EnterElements()
    {
        _depth++;
        return _limit;
    }

    /// <summary>Ends a collection started with <see cref="EnterElements"/>.</summary>
    public void LeaveElements() => _depth--;

    /// <summary>One nested message of a collection (<see cref="EnterElements"/>): what <see cref="ReadMessage{T}"/> reads, with the same checks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T? ReadElement<T>(long outerLimit)
        where T : IMessage<T>
    {
        long start = Consumed;
        ulong length = ReadVarUInt64();
        if (length == 0)
        {
            return default;
        }

        if (length > (ulong)RemainingInMessage)
        {
            ThrowHelper.ThrowDecode(TetherErrorCode.DecodeLengthOutOfRange, start);
        }

        if (_depth > _maxDepth)
        {
            ThrowHelper.ThrowDecode(TetherErrorCode.DecodeDepthExceeded, start);
        }

        long end = Consumed + (long)length;
        _limit = end;
        T value = T.ReadElementBody(ref this);
        if (Consumed != end)
        {
            ThrowHelper.ThrowDecode(TetherErrorCode.DecodeLengthMismatch, start);
        }

        _limit = outerLimit;
        return value;
    }

    /// <summary>Fails unless the whole input has been consumed (used after a top-level message).</summary>
    public readonly void EnsureFullyConsumed()
    {
        if (Consumed != _length)
        {
            ThrowHelper.ThrowDecode(TetherErrorCode.DecodeLengthMismatch, Consumed);
        }
    }

    // Reads a varint of (length + 1), 0 meaning null, and checks the length against the message.
    private int ReadLengthPrefix(out bool isNull)
    {
        long start = Consumed;
        ulong header = ReadVarUInt64();
        isNull = header == 0;
        if (isNull)
        {
            return 0;
        }

        ulong length = header - 1;
        if (length > (ulong)RemainingInMessage || length > int.MaxValue)
        {
            ThrowHelper.ThrowDecode(TetherErrorCode.DecodeLengthOutOfRange, start);
        }

        return (int)length;
    }
}
