using System.Collections.Concurrent;
using Tether.Conformance.Tests.Support;

namespace Tether.Conformance.Tests.Suite;

/// <summary>Server call filters and client interceptors on every transport: order, rewriting, short-circuits, errors, streams.</summary>
public abstract partial class ConformanceSuite
{
    [Fact]
    public async Task Server_filters_run_in_order_around_the_handler_and_see_the_method()
    {
        var log = new ConcurrentQueue<string>();
        var outer = new RecordingFilter("a", log);
        await using Harness harness = await StartAsync(setup: s => s.AddFilter(outer).AddFilter(new RecordingFilter("b", log)));
        var client = new CallHeadersHandler.Client(await harness.ConnectAsync());

        HeaderEcho echo = await client.Inspect(new HeaderProbe(1)).Within();

        Assert.Equal(new HeaderEcho(1, "", -1), echo);
        Assert.True(await outer.Finished.WaitAsync(Harness.Patience));
        Assert.Equal(["a>CallHeaders/Inspect", "b>CallHeaders/Inspect", "<b", "<a"], log);
        Assert.True(outer.LastDuration > TimeSpan.Zero);
        Assert.Null(outer.LastError);
    }

    [Fact]
    public async Task A_filter_rewrites_the_request_metadata_after_awaiting_and_adds_trailing_metadata()
    {
        await using Harness harness = await StartAsync(setup: s => s.AddFilter(new RewritingFilter()));
        var client = new CallHeadersHandler.Client(await harness.ConnectAsync());
        var trailers = new CallMetadata();
        var metadata = new CallMetadata { { "tenant", "acme" }, { "secret", "x" } };

        HeaderEcho echo = await client.Inspect(new HeaderProbe(2), new CallOptions { Metadata = metadata, ResponseTrailers = trailers }).Within();

        Assert.Equal("tenant=acme;added-by=filter", echo.Seen);
        Assert.Equal("Inspect", trailers.GetString("handled-by"));
        Assert.Equal("yes", trailers.GetString("filtered"));
    }

    [Fact]
    public async Task A_filter_short_circuits_with_a_typed_error_and_the_connection_stays()
    {
        var gate = new GateFilter();
        await using Harness harness = await StartAsync(setup: s => s.AddFilter(gate));
        var client = new CallHeadersHandler.Client(await harness.ConnectAsync());

        var refused = await Assert.ThrowsAsync<TetherException>(() => client.Expire(new DeadlineProbe(3)).AsTask()).Within();
        HeaderEcho allowed = await client.Inspect(new HeaderProbe(4), new CallOptions { Metadata = new CallMetadata { { "token", "let-me-in" } } }).Within();

        Assert.Equal(TetherErrorCode.RefusedByPolicy, refused.Code);
        Assert.Equal("CallHeaders/Expire needs a token.", refused.Message);
        Assert.Equal(1, gate.Refused);
        Assert.Empty(harness.Probe.Log); // the refused handler never ran
        Assert.Equal(4, allowed.Id);
    }

    [Fact]
    public async Task A_filter_observes_the_handlers_exception_and_the_caller_still_gets_it()
    {
        var log = new ConcurrentQueue<string>();
        var filter = new RecordingFilter("a", log);
        await using Harness harness = await StartAsync(setup: s => s.AddFilter(filter));
        var client = new CallHeadersHandler.Client(await harness.ConnectAsync());

        var error = await Assert.ThrowsAsync<TetherException>(() => client.Refuse(new RelayRequest(5)).AsTask()).Within();

        Assert.Equal("refused 5", error.Message);
        Assert.True(await filter.Finished.WaitAsync(Harness.Patience));
        Assert.Equal("refused 5", Assert.IsType<TetherException>(filter.LastError).Message);
        Assert.Equal(["a>CallHeaders/Refuse", "<a"], log);
    }

    [Fact]
    public async Task A_filter_around_a_stream_completes_after_its_last_item()
    {
        var log = new ConcurrentQueue<string>();
        var filter = new RecordingFilter("a", log);
        await using Harness harness = await StartAsync(setup: s => s.AddFilter(filter));
        var client = new CallHeadersHandler.Client(await harness.ConnectAsync());

        List<Tick> ticks = await client.Ticks(new HeaderProbe(3)).ToListAsync().AsTask().Within();

        Assert.Equal(3, ticks.Count);
        Assert.True(await filter.Finished.WaitAsync(Harness.Patience));
        Assert.Equal(["a>CallHeaders/Ticks", "<a"], log);
    }

    [Fact]
    public async Task Filters_cannot_be_added_once_the_server_runs()
    {
        await using Harness harness = await StartAsync();

        Assert.Throws<InvalidOperationException>(() => harness.Server.AddFilter(new GateFilter()));
    }

    [Fact]
    public async Task Client_interceptors_run_in_order_add_metadata_and_read_the_trailers()
    {
        var log = new ConcurrentQueue<string>();
        await using Harness harness = await StartAsync();
        var client = new CallHeadersHandler.Client(await harness.ConnectAsync(
            setup: c => c.AddInterceptor(new RecordingInterceptor("a", log)).AddInterceptor(new RecordingInterceptor("b", log))));

        HeaderEcho echo = await client.Inspect(new HeaderProbe(6), new CallOptions { Metadata = new CallMetadata { { "tenant", "acme" } } }).Within();

        Assert.Equal("tenant=acme;via-a=a;via-b=b", echo.Seen);
        Assert.Equal(["a>CallHeaders/Inspect:Unary:HeaderProbe", "b>CallHeaders/Inspect:Unary:HeaderProbe", "<b:handled-by,raw", "<a:handled-by,raw"], log);
    }

    [Fact]
    public async Task A_client_interceptor_answers_or_refuses_a_call_without_sending_it()
    {
        var serverLog = new ConcurrentQueue<string>();
        var serverFilter = new RecordingFilter("server", serverLog);
        await using Harness harness = await StartAsync(setup: s => s.AddFilter(serverFilter));
        var client = new CallHeadersHandler.Client(await harness.ConnectAsync(setup: c => c.AddInterceptor(new ShortCircuitInterceptor())));

        HeaderEcho cached = await client.Inspect(new HeaderProbe(7), new CallOptions { Metadata = new CallMetadata { { "mode", "cached" } } }).Within();
        var refused = await Assert.ThrowsAsync<TetherException>(() =>
            client.Inspect(new HeaderProbe(8), new CallOptions { Metadata = new CallMetadata { { "mode", "refuse" } } }).AsTask()).Within();
        HeaderEcho sent = await client.Inspect(new HeaderProbe(9)).Within();

        Assert.Equal(new HeaderEcho(7, "from cache", -1), cached);
        Assert.Equal(TetherErrorCode.RefusedByPolicy, refused.Code);
        Assert.Equal(9, sent.Id);
        Assert.True(await serverFilter.Finished.WaitAsync(Harness.Patience));
        Assert.Equal(["server>CallHeaders/Inspect", "<server"], serverLog); // only the last call reached the server
    }

    [Fact]
    public async Task A_client_interceptor_sees_a_streams_end_its_errors_and_one_way_sends()
    {
        var log = new ConcurrentQueue<string>();
        var interceptor = new RecordingInterceptor("a", log);
        await using Harness harness = await StartAsync();
        TetherClient peer = await harness.ConnectAsync(setup: c => c.AddInterceptor(interceptor));
        var client = new CallHeadersHandler.Client(peer);

        List<Tick> ticks = await client.Ticks(new HeaderProbe(4)).ToListAsync().AsTask().Within();
        Assert.Equal(4, ticks.Count);
        Assert.Equal(["a>CallHeaders/Ticks:ServerStreaming:HeaderProbe", "<a:count"], log);

        log.Clear();
        var error = await Assert.ThrowsAsync<TetherException>(() => client.Refuse(new RelayRequest(10)).AsTask()).Within();
        Assert.Same(error, interceptor.LastError);
        Assert.Equal(["a>CallHeaders/Refuse:Unary:RelayRequest", "<a:reason"], log);

        log.Clear();
        await peer.SendAsync(new Notice(11, "by type")).Within();
        Assert.Equal(["a>Notice:OneWay:Notice", "<a:"], log);
    }

    [Fact]
    public async Task A_client_interceptor_sees_client_streaming_and_bidirectional_calls_whole()
    {
        var log = new ConcurrentQueue<string>();
        await using Harness harness = await StartAsync();
        TetherClient peer = await harness.ConnectAsync(setup: c => c.AddInterceptor(new RecordingInterceptor("a", log)));
        var streams = new StreamsHandler.Client(peer);

        Assert.Equal(new StreamTotal(3, 3), await streams.Sum(new[] { new Tick(0), new Tick(1), new Tick(2) }.ToAsyncEnumerable()).AsTask().Within());
        Assert.Equal(["a>ConformanceStreams/Sum:ClientStreaming:RequestStreamWriter`1", "<a:"], log);

        log.Clear();
        using (DuplexStreamingCall<Tick, Tick> call = streams.OpenEcho())
        {
            await call.RequestStream.WriteAsync(new Tick(7)); // waits for the interceptor to open the call, then goes
            await call.RequestStream.CompleteAsync();
            Assert.Equal([7], await call.ReadResponsesAsync().Select(static t => t.Sequence).ToListAsync().AsTask().Within());
        }

        Assert.Equal(["a>ConformanceStreams/Echo:BidirectionalStreaming:RequestStreamWriter`1", "<a:"], log);
    }

    [Fact]
    public async Task A_client_interceptor_that_answers_a_client_stream_closes_its_request_stream()
    {
        await using Harness harness = await StartAsync();
        TetherClient peer = await harness.ConnectAsync(setup: c => c.AddInterceptor(new AnsweringInterceptor()));
        var streams = new StreamsHandler.Client(peer);

        using ClientStreamingCall<Tick, StreamTotal> call = streams.OpenSum();

        Assert.Equal(new StreamTotal(-1, -1), await call.ResponseAsync.Within());
        var closed = await Assert.ThrowsAsync<TetherException>(() => call.RequestStream.WriteAsync(new Tick(1)).AsTask().Within());
        Assert.Equal(TetherErrorCode.InputStreamClosed, closed.Code);
    }

    /// <summary>Answers every client-streaming call itself, without sending it.</summary>
    private sealed class AnsweringInterceptor : ICallInterceptor
    {
        public ValueTask InvokeAsync(OutgoingCall outgoing, OutgoingCallNext continuation)
        {
            if (outgoing.Kind == MethodKind.ClientStreaming)
            {
                outgoing.Response = new StreamTotal(-1, -1);
                return default;
            }

            return continuation(outgoing);
        }
    }

    [Fact]
    public async Task A_client_filter_runs_around_the_servers_pushes()
    {
        var log = new ConcurrentQueue<string>();
        await using Harness harness = await StartAsync();
        var pushes = new Probe();
        var filter = new RecordingFilter("push", log);
        TetherClient client = await harness.ConnectAsync(pushes: pushes, setup: c => c.AddFilter(filter));
        await harness.WaitForSessionsAsync(1);
        Assert.True(harness.Server.TryGetSession(client.Contract!.SessionId, out TetherSession? session));

        await harness.Server.SendToAsync(session.Id, new Notice(12, "filtered")).Within();

        Assert.Equal(12, (await pushes.Notices.NextAsync()).Sequence);
        Assert.True(await filter.Finished.WaitAsync(Harness.Patience));
        Assert.Equal("<push", log.Last());
        Assert.EndsWith("/OnNotice", log.First(), StringComparison.Ordinal);
    }
}
