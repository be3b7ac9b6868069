using System.Buffers;
using System.Globalization;
using System.Threading.Tasks.Sources;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>A pending unary call whose reply is a <typeparamref name="TResponse"/>, decoded on the receive loop.</summary>
internal sealed class UnaryCall<TResponse> : PooledCall<UnaryCall<TResponse>, TResponse>, IValueTaskSource<TResponse>
    where TResponse : IMessage<TResponse>
{
    public ValueTask<TResponse> Task => new(this, Version);

    public override void OnResponse(in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options)
    {
        if (header.MessageId != TResponse.MessageId || (header.Flags & FrameFlags.Empty) != 0)
        {
            string got = (header.Flags & FrameFlags.Empty) != 0 ? "an empty reply" : header.MessageId.ToString(CultureInfo.InvariantCulture);
            Fail(new TetherException(TetherErrorCode.UnexpectedReply, $"Expected a reply with message id {TResponse.MessageId}, got {got}."));
            return;
        }

        TResponse value;
        try
        {
            value = TetherCodec.Decode<TResponse>(in payload, options);
        }
        catch (TetherDecodeException e)
        {
            Fail(e);
            return;
        }

        Succeed(value);
    }

    public TResponse GetResult(short token) => GetResultAndRecycle(token);
}
