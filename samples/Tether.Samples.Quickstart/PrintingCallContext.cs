using System.Buffers;
using Tether.Dispatch;

namespace Tether.Samples.Quickstart;

/// <summary>
/// Stands in for the network runtime's per-call context: it keeps the encoded reply or stream items
/// so the demo can decode and print them.
/// </summary>
internal sealed class PrintingCallContext : CallContext
{
    private readonly ArrayBufferWriter<byte> _buffer = new();
    private int _pendingItemId;

    public List<(int MessageId, byte[] Body)> Frames { get; } = [];

    public override CancellationToken CancellationToken => CancellationToken.None;

    public override IBufferWriter<byte> BeginReply(int messageId)
    {
        _pendingItemId = messageId;
        _buffer.ResetWrittenCount();
        return _buffer;
    }

    public override void EndReply() => Frames.Add((_pendingItemId, _buffer.WrittenSpan.ToArray()));

    public override void CompleteEmpty() => Frames.Add((0, []));

    public override IBufferWriter<byte> BeginStreamItem(int messageId) => BeginReply(messageId);

    public override ValueTask EndStreamItemAsync()
    {
        EndReply();
        return ValueTask.CompletedTask;
    }

    public override void CompleteStream() => Frames.Add((-1, []));
}
