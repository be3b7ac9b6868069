using System.Buffers;
using System.Threading.Channels;
using Tether.Framing;
using Tether.Serialization;

namespace Tether.Connections;

/// <summary>
/// A pending server-stream call: items are decoded on the receive loop into a bounded channel the caller reads.
/// When the caller falls behind by <c>capacity</c> items, the receive loop waits for it, which (over TCP) pushes
/// back on the server's stream through the transport.
/// </summary>
internal sealed class StreamCall<TItem> : PendingCall
    where TItem : IMessage<TItem>
{
    private readonly Channel<TItem> _items;

    public StreamCall(int capacity)
    {
        _items = Channel.CreateBounded<TItem>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public ChannelReader<TItem> Reader => _items.Reader;

    /// <summary>Set once the stream ended, failed or was cancelled.</summary>
    public bool Finished { get; private set; }

    public override void OnResponse(in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options) =>
        Fail(new TetherException(TetherErrorCode.UnexpectedReply, "The method answered with a unary reply, not a stream."));

    public override ValueTask OnStreamItem(in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options)
    {
        if (header.MessageId != TItem.MessageId)
        {
            Fail(new TetherException(TetherErrorCode.UnexpectedReply, $"Expected stream items with message id {TItem.MessageId}, got {header.MessageId}."));
            return default;
        }

        TItem item = TetherCodec.Decode<TItem>(in payload, options);
        return _items.Writer.TryWrite(item) ? default : _items.Writer.WriteAsync(item);
    }

    public override void OnEnd()
    {
        Finished = true;
        _items.Writer.TryComplete();
    }

    public override void Fail(Exception error)
    {
        Finished = true;
        _items.Writer.TryComplete(error);
    }
}
