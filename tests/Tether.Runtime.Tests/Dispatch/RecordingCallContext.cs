using System.Buffers;
using Tether.Dispatch;

namespace Tether.Runtime.Tests.Dispatch;

/// <summary>A <see cref="CallContext"/> that records what generated dispatch reports, for tests.</summary>
public sealed class RecordingCallContext : CallContext
{
    private readonly CancellationTokenSource _cancellation = new();

    public ArrayBufferWriter<byte> Buffer { get; } = new(256);

    public List<(int MessageId, byte[] Body)> StreamItems { get; } = [];

    public int ReplyMessageId { get; private set; }

    public int Replies { get; private set; }

    public int EmptyCompletions { get; private set; }

    public bool StreamCompleted { get; private set; }

    private int _pendingStreamId;

    public override CancellationToken CancellationToken => _cancellation.Token;

    public void Reset()
    {
        Buffer.ResetWrittenCount();
        Replies = 0;
        ReplyMessageId = 0;
    }

    public override IBufferWriter<byte> BeginReply(int messageId)
    {
        ReplyMessageId = messageId;
        return Buffer;
    }

    public override void EndReply() => Replies++;

    public override void CompleteEmpty() => EmptyCompletions++;

    public override IBufferWriter<byte> BeginStreamItem(int messageId)
    {
        _pendingStreamId = messageId;
        Buffer.ResetWrittenCount();
        return Buffer;
    }

    public override ValueTask EndStreamItemAsync()
    {
        StreamItems.Add((_pendingStreamId, Buffer.WrittenSpan.ToArray()));
        return ValueTask.CompletedTask;
    }

    public override void CompleteStream() => StreamCompleted = true;
}
