using System.Text;
using Tether.Conformance.Tests.Support;
using Tether.Framing;

namespace Tether.Conformance.Tests.Suite;

public abstract partial class ConformanceSuite
{
    [Fact]
    public async Task Garbage_bytes_get_a_protocol_goaway_and_close_while_others_are_served()
    {
        await using Harness harness = await StartAsync();
        TetherClient bystander = await harness.ConnectAsync();
        await using RawPeer attacker = await RawPeer.ConnectAsync(harness);

        await attacker.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: tether\r\n\r\n"));

        FrameHeader? goAway = await attacker.ReadUntilClosedAsync();
        Assert.Equal((int)TetherErrorCode.ProtocolViolation, goAway?.MessageId);
        Assert.Equal(new EchoReply(1, "fine"), await bystander.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(1, "fine")).Within());
    }

    [Theory]
    [InlineData(0)]       // no code at all
    [InlineData(12345)]   // a code this version's table does not have (a newer peer's)
    public async Task Goaway_with_a_code_outside_the_table_ends_that_session_and_the_server_still_stops(int code)
    {
        // Found by the server fuzz target: the close path looked the code up in the table, threw, and never finished
        // closing, so StopAsync waited for ever.
        Harness harness = await StartAsync();
        await using (harness)
        {
            TetherClient bystander = await harness.ConnectAsync();
            RawPeer peer = await RawPeer.ConnectAsync(harness);
            await peer.SendHelloAsync();
            Assert.Equal(FrameType.Hello, (await peer.ReadFrameAsync())?.Header.Type);
            await harness.WaitForSessionsAsync(2);

            await peer.SendFrameAsync(FrameType.GoAway, 0, code, "bye"u8);
            await peer.DisposeAsync();

            await harness.WaitForSessionsAsync(1);
            Assert.Equal(new EchoReply(9, "fine"), await bystander.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(9, "fine")).Within());
            await harness.Server.StopAsync().WaitAsync(Harness.Patience);
        }
    }

    [Fact]
    public async Task An_error_code_the_caller_does_not_know_arrives_as_unknown_remote_error_with_its_number()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();

        var error = await Assert.ThrowsAsync<TetherException>(() => client.RequestAsync<FailRequest, EchoReply>(new FailRequest("code 9999", Typed: true)).Within());

        Assert.Equal(TetherErrorCode.UnknownRemoteError, error.Code);
        Assert.StartsWith("code 9999: ", error.Message, StringComparison.Ordinal);
        Assert.Equal("protocol.unknown_remote_error", error.Descriptor.Name);
    }

    [Fact]
    public async Task Header_claiming_2_GiB_is_refused_before_anything_is_buffered()
    {
        await using Harness harness = await StartAsync();
        TetherClient bystander = await harness.ConnectAsync();
        await using RawPeer attacker = await RawPeer.ConnectAsync(harness);
        await attacker.SendHelloAsync();
        Assert.Equal(FrameType.Hello, (await attacker.ReadFrameAsync())?.Header.Type);

        await attacker.SendFrameAsync(FrameType.Request, 1, 1, [], claimedLength: int.MinValue); // 0x8000_0000 on the wire

        FrameHeader? goAway = await attacker.ReadUntilClosedAsync();
        Assert.Equal((int)TetherErrorCode.FrameTooLarge, goAway?.MessageId);
        Assert.Equal(new EchoReply(2, "fine"), await bystander.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(2, "fine")).Within());
    }

    [Fact]
    public async Task Frame_cut_midway_then_closed_ends_only_that_session()
    {
        await using Harness harness = await StartAsync();
        TetherClient bystander = await harness.ConnectAsync();
        RawPeer attacker = await RawPeer.ConnectAsync(harness);
        await attacker.SendHelloAsync();
        await attacker.ReadFrameAsync();
        await harness.WaitForSessionsAsync(2);

        byte[] frame = new byte[FrameHeader.Size + 10];
        new FrameHeader(100, FrameType.Request, FrameFlags.None, 1, 1).Write(frame);
        await attacker.SendAsync(frame);
        await attacker.DisposeAsync();

        await harness.WaitForSessionsAsync(1);
        Assert.Equal(new EchoReply(3, "fine"), await bystander.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(3, "fine")).Within());
    }

    [Fact]
    public async Task Undecodable_request_is_answered_with_a_decode_error_and_the_connection_stays()
    {
        await using Harness harness = await StartAsync();
        await using RawPeer peer = await RawPeer.ConnectAsync(harness);
        await peer.SendHelloAsync();
        await peer.ReadFrameAsync();

        // EchoRequest's id is a fixed 8 bytes and its text is length-prefixed: claim a 200-byte string in 3 bytes.
        int echo = HandlerDispatch.Describe<ConformanceHandler>().Methods.Single(m => m.Name == "Echo").Id;
        await peer.SendFrameAsync(FrameType.Request, 5, echo, [1, 0, 0, 0, 0, 0, 0, 0, 200, 1, 65, 66, 67]);
        var error = await peer.ReadFrameAsync();
        Assert.Equal(FrameType.Error, error?.Header.Type);
        Assert.Equal(5u, error?.Header.CallId);
        Assert.True(TetherErrors.Get((TetherErrorCode)error!.Value.Header.MessageId).Category == TetherErrorCategory.Serialization);

        await peer.SendFrameAsync(FrameType.Request, 6, echo, TetherCodec.ToArray(new EchoRequest(6, "ok")));
        var reply = await peer.ReadFrameAsync();
        Assert.Equal(FrameType.Response, reply?.Header.Type);
        Assert.Equal(new EchoReply(6, "ok"), TetherCodec.Decode<EchoReply>(reply!.Value.Payload));
    }

    [Fact]
    public async Task Slow_sender_dribbling_one_byte_at_a_time_hits_the_frame_timeout()
    {
        // The server's real clock: the test waits for the close the timeout causes, never for time itself;
        // a loaded machine only makes the close come later.
        await using Harness harness = await StartAsync(o =>
        {
            o.FrameTimeout = TimeSpan.FromMilliseconds(300);
            o.TimerInterval = TimeSpan.FromMilliseconds(50);
        });
        TetherClient bystander = await harness.ConnectAsync();
        await using RawPeer attacker = await RawPeer.ConnectAsync(harness);
        await attacker.SendHelloAsync();
        await attacker.ReadFrameAsync();
        Task<FrameHeader?> closed = attacker.ReadUntilClosedAsync();

        byte[] frame = new byte[FrameHeader.Size + 1000];
        new FrameHeader(1000, FrameType.Message, FrameFlags.None, 0, 6).Write(frame);
        for (int i = 0; i < 40 && !closed.IsCompleted; i++)
        {
            await attacker.SendAsync(frame.AsMemory(i, 1)); // one byte per write, and the frame never completes
        }

        Assert.Equal((int)TetherErrorCode.FrameTimeout, (await closed.Within())?.MessageId);
        Assert.Equal(new EchoReply(4, "fine"), await bystander.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(4, "fine")).Within());
    }

    [Fact]
    public async Task Connection_that_never_says_hello_is_closed_after_the_handshake_timeout()
    {
        await using Harness harness = await StartAsync(o =>
        {
            o.HandshakeTimeout = TimeSpan.FromMilliseconds(300);
            o.TimerInterval = TimeSpan.FromMilliseconds(50);
        });
        await using RawPeer silent = await RawPeer.ConnectAsync(harness);

        Assert.Equal((int)TetherErrorCode.FrameTimeout, (await silent.ReadUntilClosedAsync())?.MessageId);
    }

    [Fact]
    public async Task Frames_before_the_hello_are_a_protocol_violation()
    {
        await using Harness harness = await StartAsync();
        await using RawPeer peer = await RawPeer.ConnectAsync(harness);

        await peer.SendFrameAsync(FrameType.Request, 1, 1, TetherCodec.ToArray(new EchoRequest(1, "too early")));

        Assert.Equal((int)TetherErrorCode.ProtocolViolation, (await peer.ReadUntilClosedAsync())?.MessageId);
    }

    [Fact]
    public async Task Hello_with_another_protocol_version_is_refused_with_a_typed_reason()
    {
        await using Harness harness = await StartAsync();
        await using RawPeer peer = await RawPeer.ConnectAsync(harness);
        byte[] hello = new byte[HelloPayload.Size];
        new HelloPayload(64 * 1024).Write(hello);

        await peer.SendFrameAsync(FrameType.Hello, 0, ProtocolConstants.Version + 1, hello);

        Assert.Equal((int)TetherErrorCode.UnsupportedVersion, (await peer.ReadUntilClosedAsync())?.MessageId);
    }
}
