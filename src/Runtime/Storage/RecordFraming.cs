using System.Buffers.Binary;

namespace Tether.Storage;

/// <summary>
/// How a record is laid out in a log segment or a snapshot: a 4-byte little-endian payload length, a 4-byte CRC-32C of
/// the length and the payload, then the payload. The checksum covers the length so a flipped length bit is caught
/// instead of sending the reader into the middle of another record.
/// </summary>
internal static class RecordFraming
{
    public const int HeaderSize = 8;

    /// <summary>The largest payload a record may carry (a length beyond it is corruption, not an allocation to attempt).</summary>
    public const int MaxPayload = 64 * 1024 * 1024;

    public static int SizeOf(int payloadLength) => HeaderSize + payloadLength;

    /// <summary>Writes header and payload into <paramref name="destination"/> (which must hold <see cref="SizeOf"/> bytes).</summary>
    public static void Write(Span<byte> destination, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, payload.Length);
        payload.CopyTo(destination[HeaderSize..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Checksum(destination[..4], payload));
    }

    /// <summary>What <see cref="TryRead"/> found at an offset.</summary>
    public enum ReadResult
    {
        /// <summary>A whole record with a good checksum.</summary>
        Record,

        /// <summary>Fewer bytes remain than the header or the length announces: the end of what was written (a torn tail if nonzero).</summary>
        Incomplete,

        /// <summary>The length is impossible or the checksum does not match.</summary>
        Corrupt,
    }

    /// <summary>Reads the record at the start of <paramref name="source"/>.</summary>
    public static ReadResult TryRead(ReadOnlySpan<byte> source, out ReadOnlySpan<byte> payload, out int recordSize)
    {
        payload = default;
        recordSize = 0;
        if (source.Length < HeaderSize)
        {
            return ReadResult.Incomplete;
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(source);
        if (length < 0 || length > MaxPayload)
        {
            return ReadResult.Corrupt;
        }

        if (source.Length - HeaderSize < length)
        {
            return ReadResult.Incomplete;
        }

        ReadOnlySpan<byte> body = source.Slice(HeaderSize, length);
        if (BinaryPrimitives.ReadUInt32LittleEndian(source[4..]) != Checksum(source[..4], body))
        {
            return ReadResult.Corrupt;
        }

        payload = body;
        recordSize = HeaderSize + length;
        return ReadResult.Record;
    }

    private static uint Checksum(ReadOnlySpan<byte> length, ReadOnlySpan<byte> payload) =>
        ~Crc32C.Append(Crc32C.Append(~0u, length), payload);
}
