using System.Buffers.Binary;
using Tether.Conformance.Tests.Support;
using Tether.Framing;
using Tether.Sessions;
using Tether.Transport.InMemory;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>
/// Closing a resumable session reports as undelivered only what the peer may not have (SPEC R4.5, wire format §7.3):
/// the closer acknowledges what it received before its goaway, the peer answers the goaway with an acknowledgement of
/// what it received, and the closer waits for that answer (bounded) before the link ends. Each side here acknowledges
/// nothing on its own: its timer never ticks.
/// </summary>
public sealed class GracefulCloseTests
{
    private static readonly TimeSpan NeverTicks = TimeSpan.FromHours(1);
    private static readonly int CallMethod = MethodIds.Derive("Sequences", "Call");
    private static readonly int TakeMethod = MethodIds.Derive("Sequences", "Take");

    [Fact]
    public async Task A_client_that_closes_after_one_way_sends_its_server_handled_reports_none_undelivered()
    {
        var transport = new InMemoryTransport();
        var received = new SequenceRecorder(10);
        await using TetherServer server = await ResumeTests.StartServerAsync(transport, new InMemoryEndPoint(Guid.NewGuid().ToString("N")), received, o => o.TimerInterval = NeverTicks);
        var client = new TetherClient(new TetherClientOptions { Transport = transport });
        var undelivered = new TaskCompletionSource<IReadOnlyList<UndeliveredMessage>>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Undelivered += messages => undelivered.TrySetResult(messages);
        await client.StartAsync(server.LocalEndPoint!).Within();
        for (int i = 0; i < 10; i++)
        {
            await client.SendAsync(new Numbered(i)).Within();
        }

        await received.Done.Within(); // handled, and not acknowledged: the server sent nothing since

        await client.DisposeAsync().AsTask().Within(); // the session's end (and any report) happens before this completes
        await AssertNoneReportedAsync(undelivered.Task);
    }

    [Fact]
    public async Task A_server_that_stops_after_pushes_its_client_handled_reports_none_undelivered()
    {
        var transport = new InMemoryTransport();
        TetherServer server = await ResumeTests.StartServerAsync(transport, new InMemoryEndPoint(Guid.NewGuid().ToString("N")), new SequenceRecorder(1));
        var undelivered = new TaskCompletionSource<IReadOnlyList<UndeliveredMessage>>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Undelivered += (_, messages) => undelivered.TrySetResult(messages);
        var pushed = new SequenceRecorder(10);
        await using var client = new TetherClient(new TetherClientOptions { Transport = transport, TimerInterval = NeverTicks });
        client.AddHandler(new PushRecorder(pushed));
        await client.StartAsync(server.LocalEndPoint!).Within();
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(new BroadcastResult(1, 0), server.Broadcast(new Numbered(i)));
        }

        await pushed.Done.Within();

        await server.DisposeAsync().AsTask().Within();
        await AssertNoneReportedAsync(undelivered.Task);
    }

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
        TetherServer server = await ResumeTests.StartServerAsync(transport, new InMemoryEndPoint(Guid.NewGuid().ToString("N")), new SequenceRecorder(1), o => o.TimerInterval = NeverTicks);
        await using RawPeer peer = await OpenResumableAsync(transport, server);
        await peer.SendFrameAsync(FrameType.Request, 1, CallMethod, TetherCodec.ToArray(new NumberedCall(4)), sequence: 1);
        var response = await peer.ReadFrameAsync().Within();
        Assert.Equal(FrameType.Response, response?.Header.Type); // sequenced: the server keeps it until acknowledged

        // The peer reads on and never acknowledges: the server ends the link once its wait is over, and stops.
        Task stopping = server.DisposeAsync().AsTask();
        FrameHeader? lastGoAway = await peer.ReadUntilClosedAsync(); // the drain's goaway, an ack of the request, the close's goaway
        Assert.Equal((int)TetherErrorCode.ConnectionClosed, lastGoAway?.MessageId);
        await stopping.Within();
    }

    private static async Task AssertNoneReportedAsync(Task<IReadOnlyList<UndeliveredMessage>> report)
    {
        if (report.IsCompleted)
        {
            IReadOnlyList<UndeliveredMessage> lost = await report;
            Assert.Fail($"{lost.Count} messages were reported undelivered: {string.Join(", ", lost.Select(m => m.Error.Code))}.");
        }
    }

    private static async Task<RawPeer> OpenResumableAsync(InMemoryTransport transport, TetherServer server)
    {
        RawPeer peer = await RawPeer.ConnectAsync(transport, server.LocalEndPoint!);
        var offer = new NegotiationOffer([ProtocolConstants.Version], ["inmemory"], [], [], WantsResume: true);
        await peer.SendFrameAsync(FrameType.Hello, 0, ProtocolConstants.Version, new ClientHello(1 << 20, offer, null).Encode());
        var hello = await peer.ReadFrameAsync().Within();
        Assert.Equal(FrameType.Hello, hello?.Header.Type);
        Assert.True(ServerHello.Decode(hello!.Value.Header.MessageId, hello.Value.Payload, []).Contract.Resumable);
        return peer;
    }
}
