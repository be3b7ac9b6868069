using System.Buffers;
using System.Threading.Channels;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// A pending server-stream call: items are decoded on the receive loop into a bounded channel the caller reads.
/// When the caller falls behind by <c>capacity</c> items, the receive loop waits for it, which (over TCP) pushes
/// back on the server's stream through the transport.
/// </summary>
/// <remarks>
/// An item that waits for room holds back every later item and the stream's end, so they reach the caller in the
/// order they arrived. That matters after a resume: the call's own stream (QUIC) may still hold an item waiting for
/// room while the items after it arrive on the link's stream. The wait handed to the receive loop never fails: once
/// the call is over (cancelled, failed, the caller gone) a waiting item is dropped, and the loop reads on.
/// </remarks>
internal sealed class StreamCall<TItem> : PendingCall
{
    private readonly Channel<TItem> _items;
    private readonly StreamItemReader<TItem> _read;
    // The last item (or end) still waiting for room; null or completed when none waits. Written only by the receive
    // loop handing over the call's frames: a call's stream stops handing over frames when its link is lost, and the
    // link's stream carries on only after the resume, so two loops never hand items over at the same time.
    private Task? _backlog;

    public StreamCall(int capacity, StreamItemReader<TItem> read)
    {
        _read = read;
        _items = Channel.CreateBounded<TItem>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true, // the backlog lets one write wait at a time
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
        if (!_read(in header, in payload, options, out TItem item, out string? mismatch))
        {
            Fail(new TetherException(TetherErrorCode.UnexpectedReply, mismatch));
            return default;
        }

        Task? backlog = Volatile.Read(ref _backlog);
        if ((backlog is null || backlog.IsCompleted) && _items.Writer.TryWrite(item))
        {
            return default;
        }

        Task write = WriteAfterAsync(backlog, item);
        Volatile.Write(ref _backlog, write);
        return new ValueTask(write);
    }

    /// <summary>The peer ended the stream: the caller sees the end after every item that arrived before it.</summary>
    public override void OnEnd() => EndAfterBacklog(null);

    /// <summary>The peer failed the stream: the caller gets the items that arrived before the error, then the error.</summary>
    public override void OnRemoteError(Exception error) => EndAfterBacklog(error);

    /// <summary>This side ended the call (cancelled, timed out, connection closed): at once; an item waiting for room is dropped.</summary>
    public override void Fail(Exception error)
    {
        Finished = true;
        _items.Writer.TryComplete(error);
    }

    /// <summary>The caller stopped reading: an item still waiting for room (after the end arrived) is dropped.</summary>
    public void Abandon() => _items.Writer.TryComplete();

    private void EndAfterBacklog(Exception? error)
    {
        Finished = true;
        if (Volatile.Read(ref _backlog) is not { IsCompleted: false } backlog)
        {
            _items.Writer.TryComplete(error);
            return;
        }

        Volatile.Write(ref _backlog, CompleteAfterAsync(backlog, error));
    }

    private async Task WriteAfterAsync(Task? backlog, TItem item)
    {
        if (backlog is not null)
        {
            await backlog.ConfigureAwait(false); // never fails
        }

        try
        {
            await _items.Writer.WriteAsync(item).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
        {
            // The call is over for its caller: nobody reads this item.
        }
    }

    private async Task CompleteAfterAsync(Task backlog, Exception? error)
    {
        await backlog.ConfigureAwait(false);
        _items.Writer.TryComplete(error);
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
