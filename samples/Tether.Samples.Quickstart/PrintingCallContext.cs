
namespace Tether.Samples.Quickstart;

/// <summary>
/// Stands in for the network runtime's per-call context: it keeps the encoded reply or stream items
/// so the demo can decode and print them.
/// </summary>
internal sealed class PrintingCallContext : CallContext
{
    private byte[] _pending = [];
    private int _pendingItemId;

    public List<(int MessageId, byte[] Body)> Frames { get; } = [];

    public override CancellationToken CancellationToken => CancellationToken.None;

    protected override bool TryBeginReply(int messageId, int bodyLength, out Span<byte> body)
    {
        _pendingItemId = messageId;
        _pending = new byte[bodyLength];
        body = _pending;
        return true;
    }

    protected override void EndReply() => Frames.Add((_pendingItemId, _pending));

    protected override void AbortReply()
    {
    }

    public override void CompleteEmpty() => Frames.Add((0, []));

    protected override bool TryBeginStreamItem(int messageId, int bodyLength, out Span<byte> body) => TryBeginReply(messageId, bodyLength, out body);

    protected override ValueTask EndStreamItemAsync()
    {
        EndReply();
        return ValueTask.CompletedTask;
    }

    protected override void AbortStreamItem()
    {
    }

    public override void CompleteStream() => Frames.Add((-1, []));
}
