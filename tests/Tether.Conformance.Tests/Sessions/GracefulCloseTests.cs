using System.Buffers.Binary;
using Tether.Conformance.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Tether.Framing;
using Tether.Transport.InMemory;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>
/// The close's exchange on the wire (wire format §7.3, decision 0030), seen from a peer that speaks frames to a server
/// whose timer never ticks: a goaway is answered with an acknowledgement, and a closing server waits for the peer's
/// only as long as its bound. That nothing handled is reported undelivered, over every transport: the conformance
/// suite's <c>GracefulClose</c>.
/// </summary>
public sealed class GracefulCloseTests
{
    private static readonly TimeSpan NeverTicks = TimeSpan.FromHours(1);
    private static readonly int CallMethod = MethodIds.Derive("Sequences", "Call");
    private static readonly int TakeMethod = MethodIds.Derive("Sequences", "Take");

    [Fact]
    public async Task A_goaway_is_answered_with_an_acknowledgement_of_everything_before_it()
    {
        var transport = new InMemoryTransport();
        var received = new SequenceRecorder(3);
        await using TetherServer server = await ResumeTests.StartServerAsync(transport, new InMemoryEndPoint(Guid.NewGuid().ToString("N")), received, o => o.TimerInterval = NeverTicks);
        await using RawPeer peer = await OpenResumableAsync(transport, server);
        for (ushort sequence = 1; sequence <= 3; sequence++)
        {
            await peer.SendFrameAsync(FrameType.Message, 0, TakeMethod, TetherCodec.ToArray(new Numbered(sequence - 1)), sequence: sequence);
        }

        await received.Done.Within();
        await peer.SendFrameAsync(FrameType.GoAway, 0, (int)TetherErrorCode.ConnectionClosed, "bye"u8);

        var ack = await peer.ReadFrameAsync().Within();
        Assert.Equal(FrameType.Ack, ack?.Header.Type);
        Assert.Equal(3UL, BinaryPrimitives.ReadUInt64LittleEndian(ack!.Value.Payload));
    }

    [Fact]
    public async Task A_peer_that_never_acknowledges_holds_a_closing_server_only_for_a_bounded_wait()
    {
        var transport = new InMemoryTransport();
        await using TetherServer server = await ResumeTests.StartServerAsync(transport, new InMemoryEndPoint(Guid.NewGuid().ToString("N")), new SequenceRecorder(1), o => o.TimerInterval = NeverTicks); // stopped below; disposing again is a no-op, and covers a failure before it
        await using RawPeer peer = await SentAnAnswerItHoldsAsync(transport, server);

        // The peer reads on and never acknowledges: the server ends the link once its wait is over, and stops.
        Task stopping = server.DisposeAsync().AsTask();
        FrameHeader? lastGoAway = await peer.ReadUntilClosedAsync(); // the drain's goaway, an ack of the request, the close's goaway
        Assert.Equal((int)TetherErrorCode.ConnectionClosed, lastGoAway?.MessageId);
        await stopping.Within();
    }

    [Fact]
    public async Task A_close_without_an_acknowledgement_timeout_does_not_wait_for_the_peer()
    {
        // The server's clock never moves: had the close waited for its bound, the stop would never end.
        var transport = new InMemoryTransport();
        await using TetherServer server = await ResumeTests.StartServerAsync(transport, new InMemoryEndPoint(Guid.NewGuid().ToString("N")), new SequenceRecorder(1),
            o => (o.TimeProvider, o.CloseAcknowledgementTimeout) = (new FakeTimeProvider(), TimeSpan.Zero));
        await using RawPeer peer = await SentAnAnswerItHoldsAsync(transport, server);

        Task stopping = server.StopAsync();
        FrameHeader? lastGoAway = await peer.ReadUntilClosedAsync();
        Assert.Equal((int)TetherErrorCode.ConnectionClosed, lastGoAway?.MessageId);
        await stopping.Within();
    }

    [Fact]
    public async Task A_stop_whose_token_is_cancelled_does_not_wait_for_the_peers_acknowledgement()
    {
        var transport = new InMemoryTransport();
        await using TetherServer server = await ResumeTests.StartServerAsync(transport, new InMemoryEndPoint(Guid.NewGuid().ToString("N")), new SequenceRecorder(1),
            o => o.TimeProvider = new FakeTimeProvider()); // the bound (2 s by default) never passes
        await using RawPeer peer = await SentAnAnswerItHoldsAsync(transport, server);

        Task stopping = server.StopAsync(new CancellationToken(canceled: true));
        FrameHeader? lastGoAway = await peer.ReadUntilClosedAsync();
        Assert.Equal((int)TetherErrorCode.ConnectionClosed, lastGoAway?.MessageId);
        await stopping.Within();
    }

    [Fact]
    public void A_negative_acknowledgement_timeout_is_refused()
    {
        var options = new TetherServerOptions { CloseAcknowledgementTimeout = TimeSpan.FromSeconds(-1) };
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        Assert.False(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true));
        Assert.Contains(results, r => r.MemberNames.Contains(nameof(TetherServerOptions.CloseAcknowledgementTimeout)));
    }

    // A resumable session whose server sent an answer the peer never acknowledges (sequenced, the server keeps it until
    // it is): a close has something to wait for.
    private static async Task<RawPeer> SentAnAnswerItHoldsAsync(InMemoryTransport transport, TetherServer server)
    {
        RawPeer peer = await OpenResumableAsync(transport, server);
        await peer.SendFrameAsync(FrameType.Request, 1, CallMethod, TetherCodec.ToArray(new NumberedCall(4)), sequence: 1);
        var response = await peer.ReadFrameAsync().Within();
        Assert.Equal(FrameType.Response, response?.Header.Type);
        return peer;
    }

    private static async Task<RawPeer> OpenResumableAsync(InMemoryTransport transport, TetherServer server)
    {
        RawPeer peer = await RawPeer.ConnectAsync(transport, server.LocalEndPoint!);
        await peer.NegotiateResumableAsync();
        return peer;
    }
}
