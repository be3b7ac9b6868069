using System.Buffers;

namespace Tether.Connections;

/// <summary>What a call's handler answered while its call filters still run.</summary>
internal enum HeldAnswerKind : byte
{
    None,
    Reply,
    Empty,
    End,
}

/// <summary>
/// A filtered call's final frame, held until the outermost filter returns: a filter may still add trailing metadata
/// after the handler (as gRPC's server interceptors can), or turn the answer into an error by throwing. The reply's
/// body waits in a pooled buffer; stream items are not held.
/// </summary>
internal struct HeldAnswer
{
    private byte[]? _body;

    /// <summary>The call runs through filters, so its final frame is held.</summary>
    public bool IsHolding;

    public HeldAnswerKind Kind;

    public int MessageId { get; private set; }

    public int Length { get; private set; }

    public readonly ReadOnlySpan<byte> Body => _body.AsSpan(0, Length);

    /// <summary>Rents room for a reply body of <paramref name="length"/> bytes.</summary>
    public Span<byte> HoldReply(int messageId, int length)
    {
        ReleaseBody();
        _body = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
        MessageId = messageId;
        Length = length;
        return _body.AsSpan(0, length);
    }

    public void ReleaseBody()
    {
        if (_body is { } body)
        {
            _body = null;
            Length = 0;
            ArrayPool<byte>.Shared.Return(body);
        }
    }
}
