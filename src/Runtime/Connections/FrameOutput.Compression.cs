using System.Buffers;
using Tether.Compression;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// Compressed frames (decision 0023): a payload compression applies to is encoded into a pooled buffer first (no lock
/// held), compressed at the commit, then framed like any other; a payload compression does not shrink goes out as it is.
/// </summary>
internal sealed partial class FrameOutput
{
    /// <summary>The session's compression, once negotiated (null: none). Call streams take their link's.</summary>
    public FrameCompression? Compression { get; set; }

    private FrameReservation Stage(FrameType type, FrameFlags flags, uint callId, int messageId, int payloadLength, bool requireRoom, out Span<byte> payload)
    {
        if (requireRoom && (IsBlocked || IsReplayFull))
        {
            payload = default;
            return default; // as an unstaged frame would find it (checked again, under the lock, when it is framed)
        }

        byte[] staged = ArrayPool<byte>.Shared.Rent(payloadLength);
        payload = staged; // the pooled array's spare length is scratch, as a send buffer's is
        return new FrameReservation(this, staged, new FrameHeader(payloadLength, type, flags, callId, messageId));
    }

    /// <summary>Compresses a staged payload and writes its frame (flagged <see cref="FrameFlags.Compressed"/> when that made it smaller).</summary>
    internal void CommitStaged(byte[] staged, FrameHeader header)
    {
        FrameCompression compression = Compression!;
        int length = header.PayloadLength;
        byte[] packed = ArrayPool<byte>.Shared.Rent(compression.MaxPayloadSize(length));
        try
        {
            int compressed = compression.Compress(staged.AsSpan(0, length), packed);
            ReadOnlySpan<byte> payload = compressed > 0 ? packed.AsSpan(0, compressed) : staged.AsSpan(0, length);
            FrameFlags flags = compressed > 0 ? header.Flags | FrameFlags.Compressed : header.Flags;
            using FrameReservation frame = BeginCore(header.Type, flags, header.CallId, header.MessageId, payload.Length, requireRoom: false, out Span<byte> body, stage: false);
            payload.CopyTo(body);
            frame.Commit();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(packed);
            ArrayPool<byte>.Shared.Return(staged);
        }
    }
}
