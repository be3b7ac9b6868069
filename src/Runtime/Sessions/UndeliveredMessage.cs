using Tether.Connections;
using Tether.Framing;

namespace Tether;

/// <summary>
/// A one-way message a session accepted but its peer never acknowledged before the session ended without resuming
/// (SPEC R4.5: nothing disappears silently). <see cref="Error"/> says whether the peer provably never had it
/// (<see cref="TetherErrorCode.NeverSent"/>: safe to send again) or may have (<see cref="TetherErrorCode.NotDelivered"/>);
/// <see cref="Body"/> holds the encoded message so it can be decoded and sent again.
/// </summary>
public sealed class UndeliveredMessage
{
    private UndeliveredMessage(ulong sequence, int methodId, bool byMessageType, TetherException error, ReadOnlyMemory<byte> body)
    {
        Sequence = sequence;
        MethodId = methodId;
        SentByMessageType = byMessageType;
        Error = error;
        Body = body;
    }

    /// <summary>Its number in the session that ended.</summary>
    public ulong Sequence { get; }

    /// <summary>The method it was sent to, or with <see cref="SentByMessageType"/> the message's id.</summary>
    public int MethodId { get; }

    /// <summary>Whether it was sent by message type (<see cref="TetherPeer.SendAsync{T}(T, CancellationToken)"/>) rather than to a method of a contract.</summary>
    public bool SentByMessageType { get; }

    /// <summary><see cref="TetherErrorCode.NeverSent"/> or <see cref="TetherErrorCode.NotDelivered"/>; its inner exception says why the session ended.</summary>
    public TetherException Error { get; }

    /// <summary>The encoded message (empty when a replay-buffer overflow had already dropped it).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>Decodes <see cref="Body"/>.</summary>
    /// <exception cref="TetherDecodeException">The body is not a <typeparamref name="T"/> (or was dropped by an overflow).</exception>
    public T Decode<T>()
        where T : IMessage<T>
        => TetherCodec.Decode<T>(Body.Span);

    internal static UndeliveredMessage From(UnacknowledgedFrame frame, Exception reason)
    {
        ReadOnlyMemory<byte> body = frame.Payload;
        if ((frame.Flags & FrameFlags.Headers) != 0 && !body.IsEmpty
            && CallHeaderCodec.TryRead(new System.Buffers.ReadOnlySequence<byte>(body), new CallHeaderLimits(int.MaxValue, int.MaxValue), out _, out System.Buffers.ReadOnlySequence<byte> rest, out _) == TetherErrorCode.None)
        {
            body = body[^(int)rest.Length..];
        }

        return new UndeliveredMessage(frame.Sequence, frame.MethodId, (frame.Flags & FrameFlags.ByMessageType) != 0, frame.Error(reason), body);
    }
}
