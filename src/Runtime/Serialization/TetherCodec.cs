using System.Buffers;
using System.Runtime.CompilerServices;

using Tether.Serialization;

namespace Tether;

/// <summary>Entry points to encode and decode a top-level message with its generated codec.</summary>
/// <remarks>
/// A top-level message is just its body: its extent is the whole input (in Tether's framing, the
/// frame payload), so it needs no length prefix. All methods are allocation-free apart from the
/// decoded objects themselves.
/// </remarks>
public static class TetherCodec
{
    /// <summary>Appends the encoding of <paramref name="value"/> to <paramref name="output"/>.</summary>
    /// <returns>The number of bytes written.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Encode<T>(IBufferWriter<byte> output, in T value)
        where T : IMessage<T>
    {
        var writer = new TetherWriter(output);
        T.WriteBody(ref writer, in value);
        writer.Flush();
        return (int)writer.BytesWritten;
    }

    /// <summary>Encodes <paramref name="value"/> into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="TetherException"><see cref="TetherErrorCode.EncodeBufferTooSmall"/> if it does not fit; use <see cref="GetEncodedSize{T}"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Encode<T>(Span<byte> destination, in T value)
        where T : IMessage<T>
    {
        var writer = new TetherWriter(destination);
        T.WriteBody(ref writer, in value);
        writer.Flush();
        return (int)writer.BytesWritten;
    }

    /// <summary>
    /// Encodes <paramref name="value"/>, whose exact size <paramref name="length"/> was just computed, at the start of
    /// <paramref name="room"/>. Bytes of <paramref name="room"/> past <paramref name="length"/> are scratch: a run of
    /// members reserves its largest size (and a varint's 8-byte store), so near the end of an exactly sized payload it
    /// would otherwise be written aside and copied into place. Frames reserved in a send buffer have that room for free.
    /// </summary>
    /// <exception cref="TetherException"><see cref="TetherErrorCode.EncodeBufferTooSmall"/> if the encoding is longer than <paramref name="length"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void EncodeSized<T>(Span<byte> room, int length, in T value)
        where T : IMessage<T>
    {
        var writer = new TetherWriter(room);
        T.WriteBody(ref writer, in value);
        writer.Flush();
        if (writer.BytesWritten > length)
        {
            ThrowLongerThanSized(length, writer.BytesWritten);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowLongerThanSized(int length, long written) =>
        throw new TetherException(TetherErrorCode.EncodeBufferTooSmall, $"The message encoded to {written} bytes where its size was computed as {length} (was it changed while being sent?).");

    /// <summary>The exact number of bytes <see cref="Encode{T}(IBufferWriter{byte}, in T)"/> writes for <paramref name="value"/>.</summary>
    public static int GetEncodedSize<T>(in T value)
        where T : IMessage<T> => T.GetBodySize(in value, 0);

    /// <summary>Encodes <paramref name="value"/> into a new array (convenient, allocates).</summary>
    public static byte[] ToArray<T>(in T value)
        where T : IMessage<T>
    {
        byte[] bytes = new byte[GetEncodedSize(in value)];
        Encode(bytes.AsSpan(), in value);
        return bytes;
    }

    /// <summary>Decodes one message that fills <paramref name="input"/> exactly.</summary>
    /// <exception cref="TetherDecodeException">The input is not a valid encoding of <typeparamref name="T"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Decode<T>(in ReadOnlySequence<byte> input, DecodeOptions? options = null)
        where T : IMessage<T>
    {
        var reader = new TetherReader(input, options);
        T value = T.ReadBody(ref reader);
        reader.EnsureFullyConsumed();
        return value;
    }

    /// <summary>Decodes one message that fills <paramref name="input"/> exactly.</summary>
    /// <exception cref="TetherDecodeException">The input is not a valid encoding of <typeparamref name="T"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Decode<T>(ReadOnlySpan<byte> input, DecodeOptions? options = null)
        where T : IMessage<T>
    {
        var reader = new TetherReader(input, options);
        T value = T.ReadBody(ref reader);
        reader.EnsureFullyConsumed();
        return value;
    }

    /// <summary>Decodes one message, reporting bad input as an error code instead of an exception.</summary>
    public static bool TryDecode<T>(in ReadOnlySequence<byte> input, out T? value, out TetherErrorCode error, DecodeOptions? options = null)
        where T : IMessage<T>
    {
        try
        {
            value = Decode<T>(input, options);
            error = TetherErrorCode.None;
            return true;
        }
        catch (TetherDecodeException ex)
        {
            value = default;
            error = ex.Code;
            return false;
        }
    }
}
