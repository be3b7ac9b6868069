using System.Buffers;
using System.Buffers.Binary;

namespace Tether.Connections;

/// <summary>Reads the small fixed payloads of control frames (pings, acks, moved markers) and error texts.</summary>
internal static class ControlPayload
{
    /// <summary>The first 8 bytes, little-endian (the caller checked the length).</summary>
    public static ulong ReadUInt64(in ReadOnlySequence<byte> payload)
    {
        Span<byte> bytes = stackalloc byte[8];
        payload.Slice(0, 8).CopyTo(bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    /// <summary>An error frame's UTF-8 text, refused past the protocol's limit.</summary>
    public static string ReadText(in ReadOnlySequence<byte> payload) =>
        payload.Length > Framing.ProtocolConstants.MaxErrorTextBytes
            ? "(error text too long)"
            : System.Text.EncodingExtensions.GetString(System.Text.Encoding.UTF8, payload);
}
