using System.Buffers.Binary;
using Microsoft.Extensions.Logging.Abstractions;
using Tether.Connections;
using Tether.Framing;
using Tether.Runtime.Tests.Messages;
using Tether.Runtime.Tests.Support;
using Tether.Sessions;

namespace Tether.Runtime.Tests.Connections;

/// <summary>
/// The engine on its own, over in-memory pipes: the test plays the server frame by frame against a client-side
/// <see cref="TetherConnection"/>, so each assertion is about the bytes the engine wrote or the result it produced.
/// </summary>
public sealed class TetherConnectionTests : IAsyncDisposable
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30); // only catches a hang

    private readonly PipeLink _link = new();
    private readonly TetherClient _peer = new();
    private readonly TetherConnection _engine;

    public TetherConnectionTests()
    {
        var handlers = new HandlerRegistry();
        handlers.Freeze();
        _engine = new TetherConnection(_link, new TetherClientOptions().CreateSettings(NullLogger.Instance, handlers));
    }

    [Fact]
    public async Task The_client_says_hello_first_and_is_active_once_the_server_answers()
    {
        _engine.Start(_peer);
        var (hello, payload) = Assert.Single(await _link.ReadFramesAsync(1));
        Assert.Equal(FrameType.Hello, hello.Type);
        Assert.Equal(ProtocolConstants.Version, hello.MessageId);
        Assert.Equal(ProtocolConstants.Version, Assert.Single(ClientHello.Decode(hello.MessageId, payload).Offer.Versions));

        await AnswerHelloAsync();

        await _engine.Handshake.WaitAsync(Hang);
        Assert.Equal(SessionState.Active, _engine.State);
        Assert.Equal("Orders", Assert.Single(_engine.Contract!.Services).Name);
    }

    [Fact]
    public async Task A_request_goes_out_with_its_method_id_and_the_reply_completes_it()
    {
        await StartAsync();
        var order = new Order(7, 2, 9.5, "T", true, 1);

        ValueTask<Order> reply = _engine.RequestAsync<Order, Order>(methodId: 1234, order, Timeout.InfiniteTimeSpan, CancellationToken.None);
        var (request, body) = Assert.Single(await _link.ReadFramesAsync(1));

        Assert.Equal(FrameType.Request, request.Type);
        Assert.Equal(1234, request.MessageId);
        Assert.Equal(order, TetherCodec.Decode<Order>(body));
        Assert.Equal(1, _engine.PendingCalls);

        await _link.Incoming.WriteAsync(PipeLink.Frame(FrameType.Response, request.CallId, 1, TetherCodec.ToArray(order with { Quantity = 3 })));
        Assert.Equal(3, (await reply.AsTask().WaitAsync(Hang)).Quantity);
        Assert.Equal(0, _engine.PendingCalls);

        // A link without call streams (TCP, TLS, in-memory) never makes the lane table, so no call takes its lock.
        Assert.False(_engine.Lanes.HasTable);
    }

    [Fact]
    public async Task An_error_frame_fails_the_call_with_the_peers_code_and_text()
    {
        await StartAsync();
        ValueTask<Order> reply = _engine.RequestAsync<Order, Order>(1, new Order(1, 1, 1, "A", true, 1), Timeout.InfiniteTimeSpan, CancellationToken.None);
        var (request, _) = Assert.Single(await _link.ReadFramesAsync(1));

        await _link.Incoming.WriteAsync(PipeLink.Frame(FrameType.Error, request.CallId, (int)TetherErrorCode.UnknownMethod, "no such method"u8));

        var error = await Assert.ThrowsAsync<TetherException>(() => reply.AsTask().WaitAsync(Hang));
        Assert.Equal(TetherErrorCode.UnknownMethod, error.Code);
        Assert.Contains("no such method", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ping_is_answered_with_a_pong_carrying_the_same_bytes()
    {
        await StartAsync();
        byte[] stamp = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(stamp, 0x0102030405060708);

        await _link.Incoming.WriteAsync(PipeLink.Frame(FrameType.Ping, 0, 0, stamp));

        var (pong, echo) = Assert.Single(await _link.ReadFramesAsync(1));
        Assert.Equal(FrameType.Pong, pong.Type);
        Assert.Equal(stamp, echo);
    }

    [Fact]
    public async Task A_malformed_frame_header_ends_the_session_with_a_goaway_that_says_why()
    {
        await StartAsync();
        ValueTask<Order> pending = _engine.RequestAsync<Order, Order>(1, new Order(1, 1, 1, "A", true, 1), Timeout.InfiniteTimeSpan, CancellationToken.None);
        Assert.Single(await _link.ReadFramesAsync(1));

        byte[] tooLarge = PipeLink.Frame(FrameType.Message, 0, 1, []);
        BinaryPrimitives.WriteInt32LittleEndian(tooLarge, int.MaxValue); // the payload length field
        await _link.Incoming.WriteAsync(tooLarge);

        var (goaway, text) = Assert.Single(await _link.ReadFramesAsync(1));
        Assert.Equal(FrameType.GoAway, goaway.Type);
        Assert.Equal((int)TetherErrorCode.FrameTooLarge, goaway.MessageId);
        Assert.Contains("the limit is", System.Text.Encoding.UTF8.GetString(text), StringComparison.Ordinal);
        await _engine.Closed.WaitAsync(Hang);
        Assert.Equal(SessionState.Closed, _engine.State);
        // The pending call fails as closed, saying why the session closed.
        var failed = await Assert.ThrowsAsync<TetherException>(() => pending.AsTask().WaitAsync(Hang));
        Assert.Equal(TetherErrorCode.ConnectionClosed, failed.Code);
        Assert.Equal(TetherErrorCode.FrameTooLarge, Assert.IsType<TetherException>(failed.InnerException).Code);
    }

    [Fact]
    public async Task A_stream_item_answering_a_unary_call_fails_it_once_removes_it_and_cancels_it()
    {
        await StartAsync();
        ValueTask<Order> first = _engine.RequestAsync<Order, Order>(1, new Order(1, 1, 1, "A", true, 1), Timeout.InfiniteTimeSpan, CancellationToken.None);
        var (request, _) = Assert.Single(await _link.ReadFramesAsync(1));

        await _link.Incoming.WriteAsync(PipeLink.Frame(FrameType.StreamItem, request.CallId, 1, TetherCodec.ToArray(new Order(2, 2, 2, "B", true, 2))));

        var refused = await Assert.ThrowsAsync<TetherException>(() => first.AsTask().WaitAsync(Hang));
        Assert.Equal(TetherErrorCode.UnexpectedReply, refused.Code);
        var (cancel, _) = Assert.Single(await _link.ReadFramesAsync(1));
        Assert.Equal((FrameType.Cancel, request.CallId), (cancel.Type, cancel.CallId));

        // Failed in place, the call stayed in the table after its object went back to the pool; the next call took
        // that object, and the close below completed it twice (an InvalidOperationException on a pool thread, which a
        // fuzz run saw end the process).
        Assert.Equal(0, _engine.PendingCalls);
        ValueTask<Order> next = _engine.RequestAsync<Order, Order>(1, new Order(3, 3, 3, "C", true, 3), Timeout.InfiniteTimeSpan, CancellationToken.None);
        Assert.Single(await _link.ReadFramesAsync(1));
        Assert.Equal(1, _engine.PendingCalls);
        _link.Incoming.Complete();
        var closed = await Assert.ThrowsAsync<TetherException>(() => next.AsTask().WaitAsync(Hang));
        Assert.Equal(TetherErrorCode.ConnectionClosed, closed.Code);
        Assert.Equal(0, _engine.PendingCalls);
    }

    [Fact]
    public async Task A_stream_item_of_another_type_fails_the_stream_and_removes_it()
    {
        await StartAsync();
        StreamCall<Order> stream = _engine.StartStream<Order, Order>(1, new Order(1, 1, 1, "A", true, 1), new CallOptions());
        var (request, _) = Assert.Single(await _link.ReadFramesAsync(1));

        await _link.Incoming.WriteAsync(PipeLink.Frame(FrameType.StreamItem, request.CallId, MessageIdOf<Order>() + 1, [1, 2, 3]));

        var refused = await Assert.ThrowsAsync<TetherException>(() => stream.Reader.Completion.WaitAsync(Hang));
        Assert.Equal(TetherErrorCode.UnexpectedReply, refused.Code);
        Assert.Equal(0, _engine.PendingCalls);
        var (cancel, _) = Assert.Single(await _link.ReadFramesAsync(1));
        Assert.Equal((FrameType.Cancel, request.CallId), (cancel.Type, cancel.CallId));
    }

    private static int MessageIdOf<T>()
        where T : IMessage<T> => T.MessageId;

    public async ValueTask DisposeAsync()
    {
        await _engine.CloseAsync();
        await _peer.DisposeAsync();
    }

    private async Task StartAsync()
    {
        _engine.Start(_peer);
        Assert.Single(await _link.ReadFramesAsync(1)); // the client's hello
        await AnswerHelloAsync();
        await _engine.Handshake.WaitAsync(Hang);
    }

    private async Task AnswerHelloAsync()
    {
        var contract = new SessionContract(Guid.NewGuid(), ProtocolConstants.Version, "pipe", [new Capability("Orders", 1)], [], Resumable: false);
        byte[] hello = new ServerHello(1 << 20, contract, Token: null, LastReceived: 0, Resumed: false, TimeSpan.Zero).Encode();
        await _link.Incoming.WriteAsync(PipeLink.Frame(FrameType.Hello, 0, ProtocolConstants.Version, hello));
    }
}
