using System.Buffers;
using Tether.Runtime.Tests.Messages;

namespace Tether.Runtime.Tests.Dispatch;

/// <summary>Generated dispatch tables call the right method with the decoded message and report results.</summary>
public sealed class DispatchTests
{
    private static readonly int s_ping = Id("Ping");
    private readonly ProbeHandler _handler = new();
    private readonly RecordingCallContext _context = new();

    [Fact]
    public async Task Unary_reply_is_encoded_with_its_message_id()
    {
        ValueTask completion = Dispatch(Id("Ping"), new Ping(7));
        await completion;

        Assert.Equal(1, _context.Replies);
        Assert.Equal(201, _context.ReplyMessageId);
        Assert.Equal(new Pong(7, 70), TetherCodec.Decode<Pong>(_context.Buffer.WrittenSpan));
        Assert.Equal(_context.CancellationToken, _handler.LastToken);
    }

    [Fact]
    public async Task One_way_runs_the_method_and_sends_nothing()
    {
        await Dispatch(Id("Note"), new Note("hello"));
        Assert.Equal(["note:hello"], _handler.Calls);
        Assert.Equal(0, _context.Replies);
        Assert.Equal(0, _context.EmptyCompletions);
        Assert.Equal(_context.CancellationToken, _handler.LastToken);
    }

    [Fact]
    public async Task Unary_without_result_completes_empty_after_the_method_finishes()
    {
        await Dispatch(Id("Forget"), new Forget("why"));
        Assert.Equal(["forget:why"], _handler.Calls);
        Assert.Equal(1, _context.EmptyCompletions);
    }

    [Fact]
    public async Task Asynchronous_task_reply_is_sent_when_it_completes()
    {
        _handler.SlowReply = new TaskCompletionSource<Pong>(TaskCreationOptions.RunContinuationsAsynchronously);
        ValueTask completion = Dispatch(Id("Slow"), new Slow(1));
        Assert.False(completion.IsCompleted);
        Assert.Equal(0, _context.Replies);

        _handler.SlowReply.SetResult(new Pong(1, 2));
        await completion;
        Assert.Equal(new Pong(1, 2), TetherCodec.Decode<Pong>(_context.Buffer.WrittenSpan));
    }

    [Fact]
    public async Task Handler_failure_surfaces_through_the_completion()
    {
        _handler.SlowReply = new TaskCompletionSource<Pong>();
        ValueTask completion = Dispatch(Id("Slow"), new Slow(1));
        _handler.SlowReply.SetException(new InvalidOperationException("boom"));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await completion);
        Assert.Equal(0, _context.Replies);
    }

    [Fact]
    public async Task Server_stream_items_are_written_in_order_then_completed()
    {
        await Dispatch(Id("Query"), new Query(3, new Ping(100)));

        Assert.True(_context.StreamCompleted);
        Assert.Equal(3, _context.StreamItems.Count);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(201, _context.StreamItems[i].MessageId);
            Assert.Equal(new Pong(100 + i, i), TetherCodec.Decode<Pong>(_context.StreamItems[i].Body.AsSpan()));
        }
    }

    [Fact]
    public async Task The_payload_buffer_can_be_reused_as_soon_as_dispatch_returns()
    {
        // The handler completes later; meanwhile the caller overwrites the payload buffer, as a pipe
        // reader would after AdvanceTo. The handler must still see the original message.
        byte[] buffer = TetherCodec.ToArray(new Slow(41));
        _handler.SlowReply = new TaskCompletionSource<Pong>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(HandlerDispatch.TryDispatch(_handler, Id("Slow"), new ReadOnlySequence<byte>(buffer), _context, out ValueTask completion));
        Array.Fill(buffer, (byte)0xFF);

        _handler.SlowReply.SetResult(new Pong(_handler.LastSlow!.Sequence, 0));
        await completion;
        Assert.Equal(new Pong(41, 0), TetherCodec.Decode<Pong>(_context.Buffer.WrittenSpan));
    }

    [Fact]
    public void Unknown_method_id_is_reported_without_calling_anything()
    {
        var payload = new ReadOnlySequence<byte>(TetherCodec.ToArray(new Ping(1)));
        Assert.False(HandlerDispatch.TryDispatch(_handler, 999, payload, _context, out _));
        Assert.False(HandlerDispatch.CanDispatch<ProbeHandler>(999));
        Assert.True(HandlerDispatch.CanDispatch<ProbeHandler>(Id("Ping")));
        Assert.False(HandlerDispatch.CanDispatch<ProbeHandler>(200)); // a message id is not a method id
        Assert.Empty(_handler.Calls);
    }

    [Fact]
    public void A_context_outside_the_network_runtime_says_it_has_no_peer()
    {
        var error = Assert.Throws<InvalidOperationException>(() => _context.Peer);
        Assert.Contains("no peer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_payload_raises_a_decode_error_before_the_handler_runs()
    {
        var payload = new ReadOnlySequence<byte>([1, 0x80]);
        var error = Assert.Throws<TetherDecodeException>(() => HandlerDispatch.TryDispatch(_handler, Id("Note"), payload, _context, out _));
        Assert.Equal(TetherErrorCode.DecodeTruncated, error.Code);
        Assert.Empty(_handler.Calls);
    }

    [Fact]
    public void Capability_declaration_lists_service_methods_and_message_shapes()
    {
        ServiceDescriptor service = HandlerDispatch.Describe<ProbeHandler>();

        Assert.Equal("Probe", service.Name);
        Assert.Equal(3, service.Version);
        Assert.Equal(
            new ServiceDescriptor("Probe", 1, new[]
            {
                new MethodDescriptor(Id("Forget"), "Forget", MethodKind.Unary, 205, 0),
                new MethodDescriptor(Id("Lookup"), "Lookup", MethodKind.Unary, 100, 1),
                new MethodDescriptor(Id("Note"), "Note", MethodKind.OneWay, 202, 0),
                new MethodDescriptor(Id("Ping"), "Ping", MethodKind.Unary, 200, 201),
                new MethodDescriptor(Id("Query"), "Query", MethodKind.ServerStreaming, 203, 201),
                new MethodDescriptor(Id("Slow"), "Slow", MethodKind.Unary, 204, 201),
            }, []).Methods, // the same methods, attached to the service
            service.Methods.OrderBy(m => m.Name));
        Assert.All(service.Methods, m => Assert.Equal($"Probe/{m.Name}", m.FullName));
        Assert.Equal(service.Methods.Select(m => m.Id).Order(), service.Methods.Select(m => m.Id)); // ordered by method id
        Assert.Equal([1, 100, 200, 201, 202, 203, 204, 205], service.Messages.Select(m => m.Id));

        MessageShape query = service.Messages.Single(m => m.Id == 203);
        Assert.Equal("Tether.Runtime.Tests.Dispatch.Query", query.TypeName);
        Assert.Equal([new MemberShape("Count", "int32"), new MemberShape("Template", "message:200")], query.Members);
        MessageShape order = service.Messages.Single(m => m.Id == 1);
        Assert.Equal(["int64", "int32", "float64", "string", "bool", "int64"], order.Members.Select(m => m.WireType));
    }

    [Fact]
    public void Steady_state_unary_dispatch_allocates_nothing()
    {
        var payload = new ReadOnlySequence<byte>(TetherCodec.ToArray(new Ping(5)));
        for (int i = 0; i < 100; i++)
        {
            DispatchSync(payload);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            DispatchSync(payload);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(new Pong(5, 50), TetherCodec.Decode<Pong>(_context.Buffer.WrittenSpan));
    }

    private void DispatchSync(ReadOnlySequence<byte> payload)
    {
        _context.Reset();
        HandlerDispatch.TryDispatch(_handler, s_ping, payload, _context, out ValueTask completion);
        completion.GetAwaiter().GetResult();
    }

    private ValueTask Dispatch<T>(int methodId, T message)
        where T : IMessage<T>
    {
        var payload = new ReadOnlySequence<byte>(TetherCodec.ToArray(message));
        Assert.True(HandlerDispatch.TryDispatch(_handler, methodId, payload, _context, out ValueTask completion));
        return completion;
    }

    // The generator derives ids at compile time; MethodIds.Derive at run time must give the same numbers.
    private static int Id(string method) => MethodIds.Derive("Probe", method);
}
