using System.Buffers;

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
    private int _pendingLength;

    public override CancellationToken CancellationToken => _cancellation.Token;

    public void Reset()
    {
        Buffer.ResetWrittenCount();
        Replies = 0;
        ReplyMessageId = 0;
    }

    protected override bool TryBeginReply(int messageId, int bodyLength, out Span<byte> body)
    {
        ReplyMessageId = messageId;
        body = Buffer.GetSpan(bodyLength).Slice(0, bodyLength);
        _pendingLength = bodyLength;
        return true;
    }

    protected override void EndReply()
    {
        Buffer.Advance(_pendingLength);
        Replies++;
    }

    protected override void AbortReply()
    {
    }

    public override void CompleteEmpty() => EmptyCompletions++;

    protected override bool TryBeginStreamItem(int messageId, int bodyLength, out Span<byte> body)
    {
        _pendingStreamId = messageId;
        Buffer.ResetWrittenCount();
        body = Buffer.GetSpan(bodyLength).Slice(0, bodyLength);
        _pendingLength = bodyLength;
        return true;
    }

    protected override ValueTask EndStreamItemAsync()
    {
        Buffer.Advance(_pendingLength);
        StreamItems.Add((_pendingStreamId, Buffer.WrittenSpan.ToArray()));
        return ValueTask.CompletedTask;
    }

    protected override void AbortStreamItem()
    {
    }

    public override void CompleteStream() => StreamCompleted = true;
}
