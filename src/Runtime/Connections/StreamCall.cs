using System.Buffers;
using System.Threading.Channels;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// A pending server-stream call: items are decoded on the receive loop into the caller's buffer, within the credit this
/// side granted (decision 0026). The receive loop never waits for the caller: a caller that stops reading stops granting,
/// which stops this stream's sender only, and the connection's other calls go on.
/// </summary>
internal sealed class StreamCall<TItem> : PendingCall
{
    private readonly Channel<TItem> _items;
    private readonly StreamItemReader<TItem> _read;
    private readonly StreamWindow _window;

    public StreamCall(int maximumWindow, StreamItemReader<TItem> read, ILinkTiming? timing)
    {
        _read = read;
        _window = new StreamWindow(maximumWindow, timing);
        // Unbounded in type, bounded by the window: a sender that exceeds its credit is disconnected.
        _items = Channel.CreateUnbounded<TItem>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    }

    /// <summary>The items as they arrive; read them through <see cref="TryRead"/> so that credit is granted.</summary>
    public ChannelReader<TItem> Reader => _items.Reader;

    /// <summary>Where this call's frames go (its own stream's output over QUIC, else the link's); set when it starts.</summary>
    public FrameOutput? Output { get; set; }

    /// <summary>The stream's flow-control window (for tests and statistics).</summary>
    internal StreamWindow Window => _window;

    /// <summary>Set once the stream ended, failed or was cancelled.</summary>
    public bool Finished { get; private set; }

    /// <summary>Takes the next buffered item and grants the sender more credit when half the window was read.</summary>
    public bool TryRead([System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TItem item)
    {
        if (!_items.Reader.TryRead(out item))
        {
            return false;
        }

        int grant = _window.Consumed();
        if (grant > 0 && !Finished && Output is { } output)
        {
            try
            {
                output.WriteControl(FrameType.Credit, CallId, grant);
            }
            catch (TetherException)
            {
                // The connection is closing: the stream ends with it.
            }
        }

        return true;
    }

    public override void OnResponse(in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options) =>
        Fail(new TetherException(TetherErrorCode.UnexpectedReply, "The method answered with a unary reply, not a stream."));

    public override ValueTask OnStreamItem(in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options)
    {
        if (!_window.Arrived())
        {
            Connection?.ProtocolError(TetherErrorCode.StreamWindowExceeded,
                $"Call {header.CallId}'s stream sent more items than the {_window.Granted:N0} it was granted.");
            return default;
        }

        if (!_read(in header, in payload, options, out TItem item, out string? mismatch))
        {
            throw new TetherException(TetherErrorCode.UnexpectedReply, mismatch); // the connection removes the call, then fails it
        }

        _items.Writer.TryWrite(item); // false only once the call is over: nobody reads the item
        return default;
    }

    /// <summary>The peer ended the stream: the caller sees the end after every item that arrived before it.</summary>
    public override void OnEnd()
    {
        Finished = true;
        EndInput(null);
        _items.Writer.TryComplete();
    }

    /// <summary>The peer failed the stream: the caller gets the items that arrived before the error, then the error.</summary>
    public override void OnRemoteError(Exception error)
    {
        Finished = true;
        EndInput(error);
        _items.Writer.TryComplete(error);
    }

    /// <summary>This side ended the call (cancelled, timed out, connection closed).</summary>
    public override void Fail(Exception error)
    {
        Finished = true;
        EndInput(error);
        _items.Writer.TryComplete(error);
    }

    /// <summary>The caller stopped reading.</summary>
    public void Abandon()
    {
        EndInput(new OperationCanceledException("The caller stopped reading the stream."));
        _items.Writer.TryComplete();
    }
}

/// <summary>Reads one stream item from its frame; false, with the reason, when the frame is not one of the stream's items.</summary>
internal delegate bool StreamItemReader<TItem>(in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options, out TItem item, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? mismatch);

/// <summary>The readers of stream items: a generated message's codec, or the bytes as they are (encoded calls).</summary>
internal static class StreamItems
{
    /// <summary>Decodes items of message <typeparamref name="TItem"/> (one reader per type, made once).</summary>
    public static StreamItemReader<TItem> Typed<TItem>()
        where TItem : IMessage<TItem>
        => TypedReader<TItem>.Instance;

    /// <summary>Keeps each item's id and a copy of its body.</summary>
    public static readonly StreamItemReader<EncodedMessage> Encoded = static (in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options, out EncodedMessage item, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? mismatch) =>
    {
        item = new EncodedMessage(header.MessageId, payload.ToArray());
        mismatch = null;
        return true;
    };

    private static class TypedReader<TItem>
        where TItem : IMessage<TItem>
    {
        public static readonly StreamItemReader<TItem> Instance = static (in FrameHeader header, in ReadOnlySequence<byte> payload, DecodeOptions options, out TItem item, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? mismatch) =>
        {
            if (header.MessageId != TItem.MessageId)
            {
                item = default!;
                mismatch = $"Expected stream items with message id {TItem.MessageId}, got {header.MessageId}.";
                return false;
            }

            item = TetherCodec.Decode<TItem>(in payload, options);
            mismatch = null;
            return true;
        };
    }
}
