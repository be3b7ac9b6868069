using System.Buffers.Binary;

namespace Tether.Framing;

/// <summary>
/// Payload of a <see cref="FrameType.Hello"/>: magic (u32 "TETH"), max frame size the sender accepts (u32).
/// Later versions append fields; a reader ignores bytes it does not know.
/// </summary>
/// <param name="MaxFrameSize">Largest payload the sender of this hello accepts.</param>
internal readonly record struct HelloPayload(int MaxFrameSize)
{
    /// <summary>Encoded size of the version-1 fields.</summary>
    public const int Size = 8;

    /// <summary>Writes the payload.</summary>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, ProtocolConstants.HelloMagic);
        BinaryPrimitives.WriteInt32LittleEndian(destination.Slice(4), MaxFrameSize);
    }

    /// <summary>Reads a payload; false if the magic is wrong, it is too short, or the frame size is out of range.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out HelloPayload hello)
    {
        hello = default;
        if (source.Length < Size || BinaryPrimitives.ReadUInt32LittleEndian(source) != ProtocolConstants.HelloMagic)
        {
            return false;
        }

        int maxFrameSize = BinaryPrimitives.ReadInt32LittleEndian(source.Slice(4));
        if (maxFrameSize is < ProtocolConstants.MinMaxFrameSize or > ProtocolConstants.MaxMaxFrameSize)
        {
            return false;
        }

        hello = new HelloPayload(maxFrameSize);
        return true;
    }
}
