using System.Buffers;
using System.Threading.Tasks.Sources;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>A pending unary call whose reply is kept as bytes (<see cref="EncodedMessage"/>): any message id, copied out of the receive buffer.</summary>
internal sealed class EncodedUnaryCall : PooledCall<EncodedUnaryCall, EncodedMessage>, IValueTaskSource<EncodedMessage>
{
    public ValueTask<EncodedMessage> Task => new(this, Version);

    public override void OnResponse(in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options) =>
        Succeed((header.Flags & FrameFlags.Empty) != 0 ? default : new EncodedMessage(header.MessageId, payload.ToArray()));

    public EncodedMessage GetResult(short token) => GetResultAndRecycle(token);
}
