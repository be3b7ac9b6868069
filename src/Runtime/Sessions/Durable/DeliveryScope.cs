using System.Buffers;
using Tether.Framing;

namespace Tether.Sessions.Durable;

/// <summary>
/// The outbox of one handler run on a durable session: one-way messages the handler sends to its own session while
/// it runs are held here, and released with its completion (a one-way message's) or its answer (a call's) in one
/// journal record, so a crash either keeps both or neither: a handler the crash interrupted runs again and sends them
/// once. Flows with the handler's execution context (an <see cref="AsyncLocal{T}"/>); closed when the handler is done,
/// after which sends from work it left running go out as usual.
/// </summary>
internal sealed class DeliveryScope
{
    private static readonly AsyncLocal<DeliveryScope?> s_current = new();
    private ArrayBufferWriter<byte>? _held;
    private bool _closed;

    public DeliveryScope(DurableSession session)
    {
        Session = session;
    }

    public DurableSession Session { get; }

    public static DeliveryScope? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }

    /// <summary>Holds a one-way message to <paramref name="session"/> if the current handler runs in a scope of that session.</summary>
    public static bool TryHold<T>(DurableSession session, int methodId, in T message, in OutgoingCallHeaders headers, int peerMaxFrameSize)
        where T : IMessage<T>
    {
        if (s_current.Value is not { } scope || !ReferenceEquals(scope.Session, session))
        {
            return false;
        }

        lock (scope)
        {
            if (scope._closed)
            {
                return false;
            }

            FrameFlags flags = FrameFlags.None;
            if (methodId == 0)
            {
                methodId = T.MessageId;
                flags |= FrameFlags.ByMessageType;
            }

            int bodyLength = TetherCodec.GetEncodedSize(in message);
            int headerLength = 0;
            int blockSize = 0;
            if (!headers.IsEmpty)
            {
                blockSize = CallHeaderCodec.GetBlockSize(headers);
                headerLength = CallHeaderCodec.GetPrefixedSize(blockSize);
                flags |= FrameFlags.Headers;
            }

            int payloadLength = headerLength + bodyLength;
            if (payloadLength > peerMaxFrameSize)
            {
                throw new TetherException(TetherErrorCode.MessageTooLarge,
                    $"A {payloadLength:N0}-byte message exceeds the peer's maximum frame size of {peerMaxFrameSize:N0} bytes.");
            }

            ArrayBufferWriter<byte> held = scope._held ??= new ArrayBufferWriter<byte>(256);
            int frameLength = FrameHeader.Size + payloadLength;
            Span<byte> frame = held.GetSpan(frameLength); // the frame, then the buffer's free space (scratch for the encoder)
            new FrameHeader(payloadLength, FrameType.Message, flags, 0, methodId).Write(frame);
            Span<byte> payload = frame[FrameHeader.Size..];
            if (headerLength > 0)
            {
                CallHeaderCodec.Write(payload, headers, blockSize);
            }

            TetherCodec.EncodeSized(payload[headerLength..], bodyLength, in message);
            held.Advance(frameLength);
            return true;
        }
    }

    /// <summary>Closes the scope and returns what it held (frames back to back, unnumbered), or empty.</summary>
    public ReadOnlyMemory<byte> Close()
    {
        lock (this)
        {
            _closed = true;
            return _held?.WrittenMemory ?? ReadOnlyMemory<byte>.Empty;
        }
    }
}
