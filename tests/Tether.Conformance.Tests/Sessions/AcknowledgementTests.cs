using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using Tether.Conformance.Tests.Support;
using Tether.Framing;
using Tether.Sessions;
using Tether.Transport.InMemory;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>
/// When a resumable session acknowledges what it received (wire format §7.3), seen from a peer that speaks frames to a
/// server on a fake clock: a few frames are acknowledged with the next frames the server sends, in the same send; alone
/// only when nothing left for a second; many at once, at the tick.
/// </summary>
public sealed class AcknowledgementTests : IAsyncDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);
    private static readonly int CallMethod = MethodIds.Derive("Sequences", "Call");
    private static readonly int TakeMethod = MethodIds.Derive("Sequences", "Take");

    private readonly InMemoryTransport _transport = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UnixEpoch);
    private TetherServer? _server;

    [Fact]
    public async Task A_few_frames_are_acknowledged_with_the_next_frame_sent_not_alone_at_the_tick()
    {
        await using RawPeer peer = await OpenResumableAsync();
        await CallAsync(peer, sequence: 1, value: 21); // request 1 in, response 1 out

        _clock.Advance(Tick); // the tick finds one frame to acknowledge and leaves it to the next send

        // Had the tick sent it alone, the ack would come before the pong it preceded on the wire.
        await PingAsync(peer);
        Assert.Equal(1UL, await ReadAckAsync(peer));

        // The next call's frame is acknowledged with the next call's answer.
        await CallAsync(peer, sequence: 2, value: 4);
        _clock.Advance(Tick);
        await CallAsync(peer, sequence: 3, value: 5);
        Assert.Equal(3UL, await ReadAckAsync(peer)); // cumulative: everything received when the answer left
    }

    [Fact]
    public async Task With_nothing_to_ride_with_the_acknowledgement_goes_alone_after_a_second()
    {
        await using RawPeer peer = await OpenResumableAsync();
        await peer.SendFrameAsync(FrameType.Message, 0, TakeMethod, TetherCodec.ToArray(new Numbered(0)), sequence: 1); // one-way: no answer
        await PingAsync(peer); // answered once the message before it was read (no tick yet: nothing is due to ride along)

        _clock.Advance(Tick); // due from here
        for (int i = 0; i < 20; i++)
        {
            _clock.Advance(Tick); // the 20th tick after is a second later
        }

        Assert.Equal(1UL, await ReadAckAsync(peer));
    }

    [Fact]
    public async Task Many_frames_are_acknowledged_at_the_tick()
    {
        await using RawPeer peer = await OpenResumableAsync();
        for (ushort sequence = 1; sequence <= 64; sequence++)
        {
            await peer.SendFrameAsync(FrameType.Message, 0, TakeMethod, TetherCodec.ToArray(new Numbered(sequence - 1)), sequence: sequence);
        }

        await PingAsync(peer); // answered only after all 64 were read (frames are handled in order)

        _clock.Advance(Tick);
        Assert.Equal(64UL, await ReadAckAsync(peer));
    }

    private async Task<RawPeer> OpenResumableAsync()
    {
        _server = new TetherServer(new TetherServerOptions
        {
            Transport = _transport,
            EndPoint = new InMemoryEndPoint(Guid.NewGuid().ToString("N")),
            TimeProvider = _clock,
            TimerInterval = Tick,
        });
        _server.AddHandler(new SequenceHandler(new SequenceRecorder(1_000)));
        await _server.StartAsync();

        RawPeer peer = await RawPeer.ConnectAsync(_transport, _server.LocalEndPoint!);
        var offer = new NegotiationOffer([ProtocolConstants.Version], ["inmemory"], [], [], WantsResume: true);
        await peer.SendFrameAsync(FrameType.Hello, 0, ProtocolConstants.Version, new ClientHello(1 << 20, offer, null).Encode());
        var hello = await peer.ReadFrameAsync().Within();
        Assert.Equal(FrameType.Hello, hello?.Header.Type);
        Assert.True(ServerHello.Decode(hello!.Value.Header.MessageId, hello.Value.Payload, []).Contract.Resumable);
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
