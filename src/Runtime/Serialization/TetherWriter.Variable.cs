using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Tether.Serialization;

// Values whose size is not bounded: strings, byte blocks, collection headers, nested messages.
public ref partial struct TetherWriter
{
    // Up to this many UTF-16 chars, the UTF-8 form (3 bytes a char at most) is known to fit under 127
    // bytes, so its one-byte length header can be written after encoding, with no counting pass.
    private const int ShortStringChars = 42;

    /// <summary>Writes a string as a varint of (UTF-8 byte length + 1), 0 meaning null, then the UTF-8 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // the short-ASCII case inline at the generated call site
    public void WriteString(string? value)
    {
        // The common case: short ASCII text (symbols, names, keys) with room for it, narrowed in place.
        if (value is not null
            && value.Length <= ShortAscii.MaxLength
            && _buffer.Length - _position > value.Length
            && ShortAscii.TryNarrow(ref MemoryMarshal.GetReference(value.AsSpan()), value.Length, ref Unsafe.Add(ref Cursor, 1)))
        {
            Cursor = (byte)(value.Length + 1);
            _position += value.Length + 1;
            return;
        }

        WriteStringGeneral(value);
    }

    private void WriteStringGeneral(string? value)
    {
        if (value is null)
        {
            Reserve(1);
            UncheckedWriteByte(0);
            return;
        }

        // 17 to 32 ASCII chars, narrowed in place as WriteString narrows shorter ones.
        if (value.Length is > ShortAscii.MaxLength and <= ShortAscii.MaxMediumLength
            && _buffer.Length - _position > value.Length
            && ShortAscii.TryNarrowMedium(ref MemoryMarshal.GetReference(value.AsSpan()), value.Length, ref Unsafe.Add(ref Cursor, 1)))
        {
            Cursor = (byte)(value.Length + 1);
            _position += value.Length + 1;
            return;
        }

        if (value.Length <= ShortStringChars)
        {
            // ASCII needs one byte a char: where that much room is left, narrow in place. An exactly sized destination
            // (a frame's payload) otherwise spills to a scratch buffer for the worst case of three bytes a char.
            if (_buffer.Length - _position > value.Length
                && Ascii.FromUtf16(value, _buffer.Slice(_position + 1, value.Length), out int narrowed) == OperationStatus.Done)
            {
                Cursor = (byte)(narrowed + 1);
                _position += narrowed + 1;
                return;
            }

            Reserve(1 + (ShortStringChars * 3));
            Span<byte> destination = _buffer.Slice(_position + 1);

            // Most protocol strings are ASCII: narrow them in one vectorised pass that also detects
            // anything else, which then takes the general UTF-8 encoder.
            if (Ascii.FromUtf16(value, destination, out int written) != OperationStatus.Done)
            {
                written = Encoding.UTF8.GetBytes(value, destination);
            }

            Cursor = (byte)(written + 1);
            _position += written + 1;
            return;
        }

        int byteCount = Encoding.UTF8.GetByteCount(value);
        Reserve(Wire.MaxVarInt32Length + byteCount);
        UncheckedWriteVarUInt32((uint)byteCount + 1);
        _position += Encoding.UTF8.GetBytes(value, _buffer.Slice(_position));
    }

    /// <summary>Writes a byte array as a varint of (length + 1), 0 meaning null, then the bytes.</summary>
    public void WriteBytes(byte[]? value)
    {
        if (value is null)
        {
            Reserve(1);
            UncheckedWriteByte(0);
            return;
        }

        WriteBytes(value.AsSpan());
    }

    /// <summary>Writes a block of bytes as a varint of (length + 1) then the bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        Reserve(Wire.MaxVarInt32Length + value.Length);
        UncheckedWriteVarUInt32((uint)value.Length + 1);
        value.CopyTo(_buffer.Slice(_position));
        _position += value.Length;
    }

    /// <summary>Writes a collection header: a varint of (count + 1), or 0 for a null collection (<paramref name="count"/> = -1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteCollectionHeader(int count)
    {
        Reserve(Wire.MaxVarInt32Length);
        UncheckedWriteVarUInt32((uint)(count + 1));
    }

    /// <summary>
    /// Writes a nested message: a varint of its body length (0 meaning null), then the body.
    /// The length lets a reader that knows fewer members skip the ones it does not know.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // lets T's static members bind directly at the generated call site
    public void WriteMessage<T>(in T value)
        where T : IMessage<T>
    {
        if (value is null)
        {
            WriteByte(0);
            return;
        }

        if (_depth >= MaxDepth)
        {
            ThrowDepthExceeded();
        }

        _depth++;
        if (_output is null)
        {
            WriteMessageSized(in value);
        }
        else
        {
            // Write the body after a one-byte length slot and patch the slot afterwards: no sizing
            // pass. While the body is pending, Grow keeps the slot and the body in the live buffer.
            long slot = BytesWritten;
            bool outermost = _pendingFrom == 0;
            if (outermost)
            {
                _pendingFrom = slot + 1;
            }

            Reserve(1);
            _position++;
            T.WriteBody(ref this, in value);
            long length = BytesWritten - slot - 1;
            if (length < 0x80)
            {
                _buffer[(int)(slot - _flushed)] = (byte)length;
            }
            else
            {
                WidenLengthSlot(slot, length);
            }

            if (outermost)
            {
                _pendingFrom = 0;
            }
        }

        _depth--;
    }

    // Over a fixed span there is no live buffer to keep a slot in; the exact size is computed first.
    private void WriteMessageSized<T>(in T value)
        where T : IMessage<T>
    {
        int size = T.GetBodySize(in value, _depth);
        Reserve(Wire.MaxVarInt32Length);
        UncheckedWriteVarUInt32((uint)size);
        long end = BytesWritten + size;
        T.WriteBody(ref this, in value);
        if (BytesWritten != end)
        {
            ThrowChangedWhileEncoding(typeof(T));
        }
    }

    // A body of 128 bytes or more needs a longer length prefix: shift the body right and write it.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WidenLengthSlot(long slot, long length)
    {
        if (length > uint.MaxValue)
        {
            throw new TetherException(TetherErrorCode.EncodeInvalidValue, "A nested message is larger than 4 GiB.");
        }

        int prefix = Wire.VarUInt32Size((uint)length);
        int extra = prefix - 1;
        Reserve(extra); // may move the pending region; positions are recomputed below
        int index = (int)(slot - _flushed);
        _buffer.Slice(index + 1, (int)length).CopyTo(_buffer.Slice(index + prefix));
        _position += extra;
        uint value = (uint)length;
        while (value >= 0x80)
        {
            _buffer[index++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[index] = (byte)value;
    }

    [DoesNotReturn]
    private static void ThrowDepthExceeded() => throw new TetherException(TetherErrorCode.EncodeDepthExceeded);

    // GetBodySize and WriteBody are generated together; a mismatch means the message changed while
    // it was being written (another thread mutated a collection, say).
    [DoesNotReturn]
    private static void ThrowChangedWhileEncoding(Type type) =>
        throw new TetherException(TetherErrorCode.EncodeInvalidValue, $"{type} changed while it was being encoded.");
}
