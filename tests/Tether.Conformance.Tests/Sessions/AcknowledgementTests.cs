using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using Tether.Conformance.Tests.Support;
using Tether.Framing;
using Tether.Transport.InMemory;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>
/// When a resumable session acknowledges what it received (wire format §7.3), seen from a peer that speaks frames to a
/// server on a fake clock: frames it sends end with an acknowledgement of what arrived since its last one (an answer
/// acknowledges its request), and only what nothing was sent after is acknowledged alone: at the second tick that finds
/// it, or at the first once 64 frames arrived.
/// </summary>
public sealed class AcknowledgementTests : IAsyncDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);
    private static readonly int CallMethod = MethodIds.Derive("Sequences", "Call");
    private static readonly int TakeMethod = MethodIds.Derive("Sequences", "Take");

    private readonly InMemoryTransport _transport = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UnixEpoch);
    private SequenceRecorder _taken = new(1);
    private TetherServer? _server;

    [Fact]
    public async Task An_answer_carries_the_acknowledgement_of_its_request_in_the_same_send()
    {
        await using RawPeer peer = await OpenResumableAsync();
        _clock.Advance(Tick); // the link is negotiated: from this tick on, flushes acknowledge

        await CallAsync(peer, sequence: 1, value: 21);
        Assert.Equal(1UL, await ReadAckAsync(peer)); // right behind the response, before any tick

        await CallAsync(peer, sequence: 2, value: 4);
        Assert.Equal(2UL, await ReadAckAsync(peer));

        // Nothing arrived since: a pong goes without one.
        await PingAsync(peer);
        await peer.SendFrameAsync(FrameType.Message, 0, TakeMethod, TetherCodec.ToArray(new Numbered(0)), sequence: 3);
        await PingAsync(peer);
        Assert.Equal(3UL, await ReadAckAsync(peer)); // the one-way message, acknowledged with the next pong
    }

    [Fact]
    public async Task What_nothing_was_sent_after_gets_a_tick_to_ride_then_is_acknowledged_alone()
    {
        await using RawPeer peer = await OpenResumableAsync(taken: 4);
        _clock.Advance(Tick);
        await SendOneWayAsync(peer, 1, 2);
        await _taken.WhenReceived(2).Within(); // both handled (one-way: the server sends nothing back)

        _clock.Advance(Tick); // the first tick to see them leaves them to the next frames sent...
        await PingAsync(peer); // ...had it acknowledged them alone, the ack would come before this pong
        Assert.Equal(2UL, await ReadAckAsync(peer));

        await SendOneWayAsync(peer, 3, 4);
        await _taken.WhenReceived(4).Within();
        _clock.Advance(Tick);
        _clock.Advance(Tick); // the second: nothing was sent since, so they are acknowledged alone
        Assert.Equal(4UL, await ReadAckAsync(peer));
    }

    [Fact]
    public async Task Sixty_four_frames_are_acknowledged_alone_at_the_first_tick()
    {
        await using RawPeer peer = await OpenResumableAsync(taken: 64);
        _clock.Advance(Tick);
        await SendOneWayAsync(peer, 1, 64);
        await _taken.WhenReceived(64).Within();

        _clock.Advance(Tick);
        Assert.Equal(64UL, await ReadAckAsync(peer));
    }

    private static async Task SendOneWayAsync(RawPeer peer, int first, int last)
    {
        for (int sequence = first; sequence <= last; sequence++)
        {
            await peer.SendFrameAsync(FrameType.Message, 0, TakeMethod, TetherCodec.ToArray(new Numbered(sequence - 1)), sequence: (ushort)sequence);
        }
    }

    private async Task<RawPeer> OpenResumableAsync(int taken = 1)
    {
        _taken = new SequenceRecorder(taken);
        _server = new TetherServer(new TetherServerOptions
        {
            Transport = _transport,
            EndPoint = new InMemoryEndPoint(Guid.NewGuid().ToString("N")),
            TimeProvider = _clock,
            TimerInterval = Tick,
        });
        _server.AddHandler(new SequenceHandler(_taken));
        await _server.StartAsync();

        RawPeer peer = await RawPeer.ConnectAsync(_transport, _server.LocalEndPoint!);
        await peer.NegotiateResumableAsync();
        return peer;
    }

    private static async Task CallAsync(RawPeer peer, ushort sequence, long value)
    {
        await peer.SendFrameAsync(FrameType.Request, sequence, CallMethod, TetherCodec.ToArray(new NumberedCall(value)), sequence: sequence);
        var response = await peer.ReadFrameAsync().Within();
        Assert.Equal(FrameType.Response, response?.Header.Type);
        Assert.Equal(sequence, response!.Value.Header.CallId);
        Assert.Equal(new NumberedReply(value * 2), TetherCodec.Decode<NumberedReply>(response.Value.Payload));
    }

    private static async Task PingAsync(RawPeer peer)
    {
        await peer.SendFrameAsync(FrameType.Ping, 0, 0, new byte[8]);
        Assert.Equal(FrameType.Pong, (await peer.ReadFrameAsync().Within())?.Header.Type);
    }

    private static async Task<ulong> ReadAckAsync(RawPeer peer)
    {
        var frame = await peer.ReadFrameAsync().Within();
        Assert.Equal(FrameType.Ack, frame?.Header.Type);
        return BinaryPrimitives.ReadUInt64LittleEndian(frame!.Value.Payload);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
