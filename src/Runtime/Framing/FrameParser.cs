using System.Buffers;
using System.Runtime.CompilerServices;

namespace Tether.Framing;

/// <summary>Reads frames from a byte sequence, mirroring <c>PipeReader.AdvanceTo</c>'s consumed/examined contract.</summary>
internal static class FrameParser
{
    /// <summary>
    /// Tries to read one frame from the start of <paramref name="input"/>. On <see cref="FrameParseStatus.Complete"/>,
    /// <paramref name="consumed"/> moves past the frame and <paramref name="payload"/> is a slice of
    /// <paramref name="input"/> (valid until the reader advances past it). On
    /// <see cref="FrameParseStatus.NeedMoreData"/>, <paramref name="examined"/> is the end of the input.
    /// </summary>
    /// <param name="input">Received bytes, starting at a frame boundary.</param>
    /// <param name="maxPayloadLength">The largest payload accepted; larger claims fail before any of it is awaited.</param>
    /// <param name="consumed">Where the next frame starts, after a complete frame.</param>
    /// <param name="examined">How far the input was looked at.</param>
    /// <param name="header">The frame's header (also set for <see cref="FrameParseStatus.FrameTooLarge"/> and <see cref="FrameParseStatus.InvalidHeader"/>).</param>
    /// <param name="payload">The frame's payload.</param>
    public static FrameParseStatus TryRead(
        in ReadOnlySequence<byte> input,
        int maxPayloadLength,
        ref SequencePosition consumed,
        ref SequencePosition examined,
        out FrameHeader header,
        out ReadOnlySequence<byte> payload)
        => TryRead(input, maxPayloadLength, sequenced: false, ref consumed, ref examined, out header, out payload);

    /// <summary>
    /// As <see cref="TryRead(in ReadOnlySequence{byte}, int, ref SequencePosition, ref SequencePosition, out FrameHeader, out ReadOnlySequence{byte})"/>;
    /// with <paramref name="sequenced"/> (a resumable session) the 16-bit sequence field may be non-zero and is returned in
    /// <see cref="FrameHeader.Sequence"/> for the receiver to check; otherwise it must be zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FrameParseStatus TryRead(
        in ReadOnlySequence<byte> input,
        int maxPayloadLength,
        bool sequenced,
        ref SequencePosition consumed,
        ref SequencePosition examined,
        out FrameHeader header,
        out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (input.Length < FrameHeader.Size)
        {
            header = default;
            examined = input.End;
            return FrameParseStatus.NeedMoreData;
        }

        header = FrameHeader.Read(input, out ushort reserved);
        // On a sequenced link any frame may ask for an acknowledgement; the receiver checks it is a sequenced one.
        FrameFlags flags = sequenced ? header.Flags & ~FrameFlags.AckRequested : header.Flags;
        if ((reserved != 0 && !sequenced) || !IsKnown(header.Type, flags))
        {
            return FrameParseStatus.InvalidHeader;
        }

        if ((uint)header.PayloadLength > (uint)maxPayloadLength)
        {
            return FrameParseStatus.FrameTooLarge;
        }

        long total = FrameHeader.Size + (long)header.PayloadLength;
        if (input.Length < total)
        {
            examined = input.End;
            return FrameParseStatus.NeedMoreData;
        }

        payload = input.Slice(FrameHeader.Size, header.PayloadLength);
        consumed = payload.End;
        examined = consumed;
        return FrameParseStatus.Complete;
    }

    /// <summary>
    /// Whether a frame belongs to the session's sequenced stream (numbered, acknowledged, replayed after a resume):
    /// everything that carries a call or a message. Link-level frames (hello, ping, pong, ack, goaway, and an error
    /// with call id 0) are not.
    /// </summary>
    public static bool IsSequenced(FrameType type, uint callId) => type switch
    {
        FrameType.Request or FrameType.Response or FrameType.Message or FrameType.StreamItem or FrameType.End or FrameType.Cancel or FrameType.Moved
            or FrameType.InputItem or FrameType.InputEnd or FrameType.Credit or FrameType.InputCredit => true,
        FrameType.Error => callId != 0,
        _ => false,
    };

    /// <summary>Whether <paramref name="type"/> is a version-1 frame type and <paramref name="flags"/> are flags it may carry.</summary>
    public static bool IsKnown(FrameType type, FrameFlags flags) => type switch
    {
        FrameType.Response => (flags & ~(FrameFlags.Empty | FrameFlags.Headers | FrameFlags.Compressed)) == 0,
        FrameType.Request => (flags & ~(FrameFlags.Stream | FrameFlags.ByMessageType | FrameFlags.Headers | FrameFlags.Compressed | FrameFlags.InputStream)) == 0,
        FrameType.Message => (flags & ~(FrameFlags.ByMessageType | FrameFlags.Headers | FrameFlags.Compressed)) == 0,
        FrameType.StreamItem or FrameType.InputItem => (flags & ~FrameFlags.Compressed) == 0,
        FrameType.End or FrameType.Error => (flags & ~FrameFlags.Headers) == 0,
        >= FrameType.Hello and <= FrameType.InputCredit => flags == FrameFlags.None,
        _ => false,
    };
}
