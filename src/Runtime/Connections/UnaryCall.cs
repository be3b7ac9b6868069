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
        if (TryDecodeReply(header, payload, options, out TResponse? value, out Exception? error))
        {
            Succeed(value);
        }
        else
        {
            Fail(error);
        }
    }

    /// <summary>Decodes a unary reply of <typeparamref name="TResponse"/>; false, with why, when the frame is another reply or does not decode.</summary>
    internal static bool TryDecodeReply(in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options,
        [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TResponse value, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out Exception? error)
    {
        if (header.MessageId != TResponse.MessageId || (header.Flags & FrameFlags.Empty) != 0)
        {
            string got = (header.Flags & FrameFlags.Empty) != 0 ? "an empty reply" : header.MessageId.ToString(CultureInfo.InvariantCulture);
            value = default;
            error = new TetherException(TetherErrorCode.UnexpectedReply, $"Expected a reply with message id {TResponse.MessageId}, got {got}.");
            return false;
        }

        try
        {
            value = TetherCodec.Decode<TResponse>(in payload, options);
            error = null;
            return true;
        }
        catch (TetherDecodeException e)
        {
            value = default;
            error = e;
            return false;
        }
    }

    public TResponse GetResult(short token) => GetResultAndRecycle(token);
}
