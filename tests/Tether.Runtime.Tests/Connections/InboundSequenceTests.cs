using Tether.Connections;
using Tether.Framing;

namespace Tether.Runtime.Tests.Connections;

/// <summary>The receiver's numbering on its own: the next number in order or a protocol error, acknowledgement requests.</summary>
public sealed class InboundSequenceTests
{
    [Fact]
    public void Sequenced_frames_are_counted_in_order_across_the_16_bit_wrap()
    {
        var inbound = new InboundSequence();
        for (ulong n = 1; n <= 70_000; n++)
        {
            Assert.Null(inbound.Accept(Message(n)));
        }

        Assert.Equal(70_000UL, inbound.Received);
    }

    [Fact]
    public void A_lost_or_repeated_frame_is_refused_and_not_counted()
    {
        var inbound = new InboundSequence();
        Assert.Null(inbound.Accept(Message(1)));

        string? repeated = inbound.Accept(Message(1));
        string? skipped = inbound.Accept(Message(3));

        Assert.Contains("sequence 1 where 2 was due", repeated, StringComparison.Ordinal);
        Assert.Contains("sequence 3 where 2 was due", skipped, StringComparison.Ordinal);
        Assert.Equal(1UL, inbound.Received);
    }

    [Fact]
    public void Unsequenced_frames_carry_no_number_and_no_acknowledgement_request()
    {
        var inbound = new InboundSequence();

        Assert.Null(inbound.Accept(new FrameHeader(8, FrameType.Ping, FrameFlags.None, 0, 0)));
        Assert.NotNull(inbound.Accept(new FrameHeader(8, FrameType.Ping, FrameFlags.None, 0, 0) { Sequence = 1 }));
        Assert.NotNull(inbound.Accept(new FrameHeader(8, FrameType.Ping, FrameFlags.AckRequested, 0, 0)));
        Assert.Equal(0UL, inbound.Received);
    }

    [Fact]
    public void An_acknowledgement_request_is_taken_once()
    {
        var inbound = new InboundSequence();
        Assert.False(inbound.TakeAckRequest());

        Assert.Null(inbound.Accept(Message(1) with { Flags = FrameFlags.AckRequested }));
        Assert.Null(inbound.Accept(Message(2)));

        Assert.True(inbound.TakeAckRequest());
        Assert.False(inbound.TakeAckRequest());
    }

    [Fact]
    public void What_arrived_since_the_last_acknowledgement_is_known()
    {
        var inbound = new InboundSequence();
        Assert.False(inbound.HasUnacknowledged);

        Assert.Null(inbound.Accept(Message(1)));
        Assert.True(inbound.HasUnacknowledged);

        inbound.Acknowledged(inbound.Received);
        Assert.False(inbound.HasUnacknowledged);
    }

    private static FrameHeader Message(ulong number) =>
        new(0, FrameType.Message, FrameFlags.ByMessageType, 0, 1) { Sequence = (ushort)number };
}
