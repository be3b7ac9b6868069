using System.Runtime.CompilerServices;
using Tether.Conformance.Tests.Support;
using Tether.Framing;

namespace Tether.Conformance.Tests.Suite;

/// <summary>Client-streaming and bidirectional calls, and per-stream flow control (decision 0026), on every transport.</summary>
public abstract partial class ConformanceSuite
{
    [Fact]
    public async Task A_client_stream_from_an_async_enumerable_reaches_its_handler_whole()
    {
        await using Harness harness = await StartAsync();
        var streams = new StreamsHandler.Client(await harness.ConnectAsync());

        StreamTotal total = await streams.Sum(Ticks(1000)).AsTask().Within();

        Assert.Equal(new StreamTotal(1000, 999 * 1000 / 2), total);
    }

    [Fact]
    public async Task A_request_stream_written_from_several_threads_arrives_item_for_item()
    {
        await using Harness harness = await StartAsync();
        var streams = new StreamsHandler.Client(await harness.ConnectAsync());

        using ClientStreamingCall<Tick, StreamTotal> call = streams.OpenSum();
        Task[] writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < 500; i++)
            {
                await call.RequestStream.WriteAsync(new Tick(w * 500 + i));
            }
        })).ToArray();
        await Task.WhenAll(writers).Within();
        await call.RequestStream.CompleteAsync();

        Assert.Equal(new StreamTotal(2000, 1999 * 2000 / 2), await call.ResponseAsync.Within());
    }

    [Fact]
    public async Task A_bidirectional_echo_returns_every_item_in_order()
    {
        await using Harness harness = await StartAsync();
        var streams = new StreamsHandler.Client(await harness.ConnectAsync());

        var echoed = new List<int>();
        await foreach (Tick tick in streams.Echo(Ticks(2000)).WithCancellation(new CancellationTokenSource(Harness.Patience).Token))
        {
            echoed.Add(tick.Sequence);
        }

        Assert.Equal(Enumerable.Range(0, 2000), echoed);
    }

    [Fact]
    public async Task A_bidirectional_call_written_and_read_at_once_through_its_call_object()
    {
        await using Harness harness = await StartAsync();
        var streams = new StreamsHandler.Client(await harness.ConnectAsync());

        using DuplexStreamingCall<Tick, Tick> call = streams.OpenEcho();
        await using IAsyncEnumerator<Tick> responses = call.ReadResponsesAsync().GetAsyncEnumerator();
        for (int i = 0; i < 100; i++)
        {
            await call.RequestStream.WriteAsync(new Tick(i));
            Assert.True(await responses.MoveNextAsync().AsTask().Within()); // one in, one out: a true conversation
            Assert.Equal(i, responses.Current.Sequence);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await responses.MoveNextAsync().AsTask().Within());
    }

    [Fact]
    public async Task A_handler_that_stops_reading_holds_up_its_writer_only()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();
        var streams = new StreamsHandler.Client(client);

        ClientStreamingCall<Tick, StreamTotal> call = streams.OpenStall();
        Assert.Equal(1, await harness.Probe.Started.Reader.ReadAsync().AsTask().Within());
        for (int i = 0; i < 32; i++)
        {
            Task write = call.RequestStream.WriteAsync(new Tick(i)).AsTask();
            Assert.True(write.IsCompletedSuccessfully); // the initial window
        }

        Task blocked = call.RequestStream.WriteAsync(new Tick(32)).AsTask();
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(new EchoReply(i, "beside"), await client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(i, "beside")).Within());
        }

        Assert.False(blocked.IsCompleted); // no credit: the handler has not read

        call.Dispose(); // cancels: the handler's token fires and the waiting write fails
        Assert.Equal(-2, await harness.Probe.Cancellations.Reader.ReadAsync().AsTask().Within());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.Within());
        Assert.Null(client.CloseReason);
    }

    [Fact]
    public async Task A_server_stream_nobody_reads_does_not_hold_up_other_calls()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync(o => o.StreamBufferItems = 32);

        await using IAsyncEnumerator<Tick> stalled = client.StreamAsync<CountRequest, Tick>(new CountRequest(0, Endless: true)).GetAsyncEnumerator();
        Assert.True(await stalled.MoveNextAsync().AsTask().Within()); // then never read again

        // The stream's sender is out of credit; everything else on the connection goes on.
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(new EchoReply(i, "past"), await client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(i, "past")).Within());
        }

        Assert.Equal(new StreamTotal(300, 299 * 300 / 2), await new StreamsHandler.Client(client).Sum(Ticks(300)).AsTask().Within());
        Assert.Null(client.CloseReason);
    }

    [Fact]
    public async Task A_handler_that_answers_before_reading_everything_closes_the_request_stream()
    {
        await using Harness harness = await StartAsync();
        var streams = new StreamsHandler.Client(await harness.ConnectAsync());

        using ClientStreamingCall<Tick, StreamTotal> call = streams.OpenFirst();
        await call.RequestStream.WriteAsync(new Tick(7));
        Assert.Equal(new StreamTotal(1, 7), await call.ResponseAsync.Within());

        var closed = await Assert.ThrowsAsync<TetherException>(() => call.RequestStream.WriteAsync(new Tick(8)).AsTask().Within());
        Assert.Equal(TetherErrorCode.InputStreamClosed, closed.Code);

        // From an enumerable, the early answer is the call's result.
        Assert.Equal(new StreamTotal(1, 0), await streams.First(Ticks(10_000)).AsTask().Within());
    }

    [Fact]
    public async Task A_bidirectional_handler_error_reaches_the_caller_after_the_items_before_it()
    {
        await using Harness harness = await StartAsync();
        var streams = new StreamsHandler.Client(await harness.ConnectAsync());

        var seen = new List<int>();
        var error = await Assert.ThrowsAsync<TetherException>(async () =>
        {
            await foreach (Tick tick in streams.EchoThenFail(Ticks(10)))
            {
                seen.Add(tick.Sequence);
            }
        }).Within();

        Assert.Equal([0, 1, 2], seen);
        Assert.Equal(TetherErrorCode.InvalidArgument, error.Code);
    }

    [Fact]
    public async Task Cancelling_a_bidirectional_call_reaches_its_handler()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();
        var streams = new StreamsHandler.Client(client);

        using var cancel = new CancellationTokenSource();
        DuplexStreamingCall<Tick, Tick> call = streams.OpenEcho(cancel.Token);
        await call.RequestStream.WriteAsync(new Tick(1));
        await using (IAsyncEnumerator<Tick> responses = call.ReadResponsesAsync().GetAsyncEnumerator())
        {
            Assert.True(await responses.MoveNextAsync().AsTask().Within());
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => responses.MoveNextAsync().AsTask().Within());
        }

        Assert.Equal(-3, await harness.Probe.Cancellations.Reader.ReadAsync().AsTask().Within());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.RequestStream.WriteAsync(new Tick(2)).AsTask().Within());
        call.Dispose();
        Assert.Equal(new StreamTotal(3, 3), await streams.Sum(Ticks(3)).AsTask().Within()); // the connection goes on
    }

    [Fact]
    public async Task A_source_that_fails_cancels_the_call_and_the_caller_gets_its_error()
    {
        await using Harness harness = await StartAsync();
        var streams = new StreamsHandler.Client(await harness.ConnectAsync());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => streams.Sum(Failing()).AsTask().Within());
        Assert.Equal("source broke", error.Message);

        static async IAsyncEnumerable<Tick> Failing()
        {
            yield return new Tick(1);
            await Task.Yield();
            throw new InvalidOperationException("source broke");
        }
    }

    [Fact]
    public async Task A_bidirectional_source_that_fails_with_a_typed_error_gives_the_caller_that_error_not_a_cancel()
    {
        // The failing source cancels the call; the reads it stops must report the source's error, typed or not (a
        // TetherException used to surface as "The call was cancelled.", which the caller never asked for).
        await using Harness harness = await StartAsync();
        var streams = new StreamsHandler.Client(await harness.ConnectAsync());

        var seen = new List<int>();
        var error = await Assert.ThrowsAsync<TetherException>(async () =>
        {
            await foreach (Tick tick in streams.Echo(Failing()))
            {
                seen.Add(tick.Sequence);
            }
        }).Within();

        Assert.Equal(TetherErrorCode.InvalidArgument, error.Code);
        Assert.Equal("the source gave up", error.Message);
        Assert.Equal(new StreamTotal(3, 3), await streams.Sum(Ticks(3)).AsTask().Within()); // the connection goes on

        static async IAsyncEnumerable<Tick> Failing()
        {
            yield return new Tick(1);
            await Task.Yield();
            throw new TetherException(TetherErrorCode.InvalidArgument, "the source gave up");
        }
    }

    [Fact]
    public async Task A_caller_that_writes_past_its_credit_is_disconnected_and_others_go_on()
    {
        await using Harness harness = await StartAsync();
        TetherClient bystander = await harness.ConnectAsync();
        await using RawPeer attacker = await RawPeer.ConnectAsync(harness);
        await attacker.SendHelloAsync();
        Assert.Equal(FrameType.Hello, (await attacker.ReadFrameAsync())?.Header.Type);

        // A method that never reads its input, so no credit beyond the initial window is ever granted.
        await attacker.SendFrameAsync(FrameType.Request, 1, MethodIds.Derive("ConformanceStreams", "Stall"), [], FrameFlags.InputStream);
        Assert.Equal(1, await harness.Probe.Started.Reader.ReadAsync().AsTask().Within());
        byte[] tick = TetherCodec.ToArray(new Tick(1));
        for (int i = 0; i <= ProtocolConstants.InitialStreamWindow; i++)
        {
            await attacker.SendFrameAsync(FrameType.InputItem, 1, MessageIdOf<Tick>(), tick);
        }

        FrameHeader? goAway = await attacker.ReadUntilClosedAsync();
        Assert.Equal((int)TetherErrorCode.StreamWindowExceeded, goAway?.MessageId);
        Assert.Equal(new EchoReply(5, "fine"), await bystander.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(5, "fine")).Within());
    }

    [Fact]
    public async Task A_request_stream_refused_by_its_method_kind_is_a_typed_error_for_that_call()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();
        var echo = new MethodDescriptor(MethodIds.Derive("Conformance", "Echo"), "Echo", MethodKind.ClientStreaming, MessageIdOf<EchoRequest>(), MessageIdOf<EchoReply>());

        using ClientStreamingCall<EchoRequest, EchoReply> call = client.OpenClientStream<EchoRequest, EchoReply>(echo, default);

        var error = await Assert.ThrowsAsync<TetherException>(() => call.ResponseAsync.Within());
        Assert.Equal(TetherErrorCode.UnexpectedReply, error.Code);
        Assert.Equal(new EchoReply(6, "still"), await client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(6, "still")).Within());
    }

    [Fact]
    public async Task Items_that_arrive_while_a_filter_holds_the_call_reach_the_handler()
    {
        var filter = new HoldingFilter("Sum");
        await using Harness harness = await StartAsync(setup: s => s.AddFilter(filter));
        TetherClient client = await harness.ConnectAsync();
        var streams = new StreamsHandler.Client(client);

        using ClientStreamingCall<Tick, StreamTotal> call = streams.OpenSum();
        for (int i = 0; i < 10; i++)
        {
            await call.RequestStream.WriteAsync(new Tick(i));
        }

        await call.RequestStream.CompleteAsync();
        // Over one link the frames are read in order, so the items and their end have arrived before this reply.
        Assert.Equal(new EchoReply(1, "after"), await client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(1, "after")).Within());
        filter.Gate.SetResult();

        Assert.Equal(new StreamTotal(10, 45), await call.ResponseAsync.Within());
    }

    [Fact]
    public async Task An_idempotency_key_on_a_request_stream_does_not_replay_another_streams_answer()
    {
        await using Harness harness = await StartAsync();
        var streams = new StreamsHandler.Client(await harness.ConnectAsync());
        var keyed = new CallOptions { IdempotencyKey = "upload-1" };

        // The key cannot stand for a stream's items (they are not kept), so each call runs and answers for its own.
        Assert.Equal(new StreamTotal(3, 3), await streams.Sum(Ticks(3), keyed).AsTask().Within());
        Assert.Equal(new StreamTotal(5, 10), await streams.Sum(Ticks(5), keyed).AsTask().Within());
    }

    private static int MessageIdOf<T>()
        where T : IMessage<T> => T.MessageId;

    private static async IAsyncEnumerable<Tick> Ticks(int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (int i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new Tick(i);
            if (i % 64 == 63)
            {
                await Task.Yield();
            }
        }
    }
}
