using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Tether.Framing;

/// <summary>
/// The fixed 16-byte header in front of every frame (little-endian):
/// payload length (u32), type (u8), flags (u8), sequence (u16: zero, or on resumable sessions the low 16 bits of a
/// sequenced frame's number), call id (u32), message id or code (i32).
/// See <c>docs/wire-format.md</c> §6.
/// </summary>
/// <param name="PayloadLength">Bytes that follow the header.</param>
/// <param name="Type">The frame's kind.</param>
/// <param name="Flags">Per-frame flags.</param>
/// <param name="CallId">Correlates requests with replies; 0 for frames that belong to no call.</param>
/// <param name="MessageId">The payload's message id, or the error code on <see cref="FrameType.Error"/>/<see cref="FrameType.GoAway"/>, or the protocol version on <see cref="FrameType.Hello"/>.</param>
internal readonly record struct FrameHeader(int PayloadLength, FrameType Type, FrameFlags Flags, uint CallId, int MessageId)
{
    /// <summary>Size of the header in bytes.</summary>
    public const int Size = 16;

    /// <summary>Offset of the type byte.</summary>
    internal const int TypeOffset = 4;

    /// <summary>Offset of the flags byte.</summary>
    internal const int FlagsOffset = 5;

    /// <summary>Offset of the call id.</summary>
    internal const int CallIdOffset = 8;

    /// <summary>Offset of the 16-bit sequence field (the former reserved field).</summary>
    internal const int SequenceOffset = 6;

    /// <summary>Low 16 bits of the frame's sequence number on a resumable session; zero otherwise.</summary>
    public ushort Sequence { get; init; }

    /// <summary>Writes the header into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException("The destination is shorter than a frame header.", nameof(destination));
        }

        ref byte start = ref destination[0];
        // One unaligned 8-byte store for length/type/flags/reserved, one for call id/message id.
        ulong first = (uint)PayloadLength | ((ulong)Type << 32) | ((ulong)Flags << 40) | ((ulong)Sequence << 48);
        ulong second = CallId | ((ulong)(uint)MessageId << 32);
        if (!BitConverter.IsLittleEndian)
        {
            first = BinaryPrimitives.ReverseEndianness(first);
            second = BinaryPrimitives.ReverseEndianness(second);
        }

        Unsafe.WriteUnaligned(ref start, first);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref start, 8), second);
    }

    /// <summary>Reads a header from exactly <see cref="Size"/> bytes; does not validate it (see <see cref="FrameParser"/>).</summary>
    /// <param name="source">At least <see cref="Size"/> bytes.</param>
    /// <param name="reserved">The sequence field (also in <see cref="Sequence"/>), zero unless the session is resumable.</param>
    public static FrameHeader Read(ReadOnlySpan<byte> source, out ushort reserved)
    {
        if (source.Length < Size)
        {
            throw new ArgumentException("The source is shorter than a frame header.", nameof(source));
        }

        reserved = BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(6));
        return new FrameHeader(
            (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(source), int.MaxValue),
            (FrameType)source[4],
            (FrameFlags)source[5],
            BinaryPrimitives.ReadUInt32LittleEndian(source.Slice(8)),
            BinaryPrimitives.ReadInt32LittleEndian(source.Slice(12)))
        {
            Sequence = reserved,
        };
    }

    /// <summary>Writes <paramref name="sequence"/>'s low 16 bits into an already written header.</summary>
    internal static void WriteSequence(Span<byte> header, ulong sequence) =>
        BinaryPrimitives.WriteUInt16LittleEndian(header.Slice(SequenceOffset), (ushort)sequence);

    /// <summary>Sets <see cref="FrameFlags.AckRequested"/> in an encoded header.</summary>
    internal static void RequestAck(Span<byte> header) => header[FlagsOffset] |= (byte)FrameFlags.AckRequested;

    /// <summary>Reads a header that may straddle segments of <paramref name="source"/>.</summary>
    internal static FrameHeader Read(in ReadOnlySequence<byte> source, out ushort reserved)
    {
        ReadOnlySpan<byte> first = source.FirstSpan;
        if (first.Length >= Size)
        {
            return Read(first, out reserved);
        }

        Span<byte> copy = stackalloc byte[Size];
        source.Slice(0, Size).CopyTo(copy);
        return Read(copy, out reserved);
    }
}
