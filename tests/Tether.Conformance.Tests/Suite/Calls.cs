using System.Reflection;
using Tether.Conformance.Tests.Support;

namespace Tether.Conformance.Tests.Suite;

public abstract partial class ConformanceSuite
{
    [Fact]
    public async Task Request_gets_its_typed_reply()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();

        EchoReply reply = await client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(7, "héllo")).Within();

        Assert.Equal(new EchoReply(7, "héllo"), reply);
    }

    [Fact]
    public async Task Generated_proxy_calls_every_method_kind()
    {
        await using Harness harness = await StartAsync();
        var proxy = new ConformanceHandler.Client(await harness.ConnectAsync());
        harness.Probe.Gate.SetResult();

        Assert.Equal(new EchoReply(1, "proxy"), await proxy.Echo(new EchoRequest(1, "proxy")).Within());
        Assert.Equal(11_000, (await proxy.Grow(new Inflate(11_000)).Within()).Data.Length);
        await proxy.Block(new BlockRequest(2)).Within();
        await proxy.Note(new Notice(3, "one-way")).Within();
        Assert.Equal(3, (await harness.Probe.Notices.NextAsync()).Sequence);
        Assert.Equal([0, 1, 2], await proxy.Count(new CountRequest(3, Endless: false)).Select(t => t.Sequence).ToListAsync().Within());
    }

    [Fact]
    public async Task Concurrent_callers_each_get_their_own_reply()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();

        async Task Caller(int caller)
        {
            for (int i = 0; i < 200; i++)
            {
                long id = (caller * 1000) + i;
                EchoReply reply = await client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(id, $"c{caller}"));
                Assert.Equal(id, reply.Id);
                Assert.Equal($"c{caller}", reply.Text);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 32).Select(Caller)).Within();
        Assert.Equal(0, client.PendingCalls);
    }

    [Fact]
    public async Task Method_without_result_completes_the_call()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();
        harness.Probe.Gate.SetResult();

        await client.RequestAsync(new BlockRequest(1)).Within();

        Assert.Equal(1, await harness.Probe.Started.NextAsync());
    }

    [Fact]
    public async Task One_way_message_reaches_its_handler_in_order()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();

        for (int i = 0; i < 100; i++)
        {
            await client.SendAsync(new Notice(i, "note")).Within();
        }

        List<Notice> received = await harness.Probe.Notices.TakeAsync(100);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), received.Select(n => n.Sequence));
    }

    [Fact]
    public async Task Unknown_message_id_is_a_typed_error_and_the_connection_stays()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();

        var error = await Assert.ThrowsAsync<TetherException>(() => client.RequestAsync<Unhandled, EchoReply>(new Unhandled(1)).Within());

        Assert.Equal(TetherErrorCode.UnknownMessage, error.Code);
        Assert.Equal(new EchoReply(2, "still here"), await client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(2, "still here")).Within());
    }

    [Fact]
    public async Task Handler_exception_is_a_typed_error_without_internals_and_the_connection_stays()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();

        var error = await Assert.ThrowsAsync<TetherException>(() => client.RequestAsync<FailRequest, EchoReply>(new FailRequest("secret detail", Typed: false)).Within());

        Assert.Equal(TetherErrorCode.HandlerFailed, error.Code);
        Assert.DoesNotContain("secret detail", error.Message, StringComparison.Ordinal);
        Assert.Equal(new EchoReply(3, "ok"), await client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(3, "ok")).Within());
        Assert.Equal(1, harness.Server.Sessions.Single().GetInfo().CallsFailed);
    }

    [Fact]
    public async Task Handler_exception_details_are_sent_when_enabled_and_typed_errors_keep_their_code()
    {
        await using Harness harness = await StartAsync(o => o.IncludeExceptionDetails = true);
        TetherClient client = await harness.ConnectAsync();

        var untyped = await Assert.ThrowsAsync<TetherException>(() => client.RequestAsync<FailRequest, EchoReply>(new FailRequest("visible", Typed: false)).Within());
        var typed = await Assert.ThrowsAsync<TetherException>(() => client.RequestAsync<FailRequest, EchoReply>(new FailRequest("chosen", Typed: true)).Within());

        Assert.Contains("InvalidOperationException: visible", untyped.Message, StringComparison.Ordinal);
        Assert.Equal(TetherErrorCode.UnexpectedReply, typed.Code);
        Assert.Equal("chosen", typed.Message);
    }

    [Fact]
    public async Task Server_stream_yields_every_item_then_ends()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();

        var items = new List<int>();
        await foreach (Tick tick in client.StreamAsync<CountRequest, Tick>(new CountRequest(1000, Endless: false)))
        {
            items.Add(tick.Sequence);
        }

        Assert.Equal(Enumerable.Range(0, 1000), items);
        Assert.Equal(0, client.PendingCalls);
    }

    [Fact]
    public async Task Stopping_a_stream_early_cancels_the_handler()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();

        await foreach (Tick tick in client.StreamAsync<CountRequest, Tick>(new CountRequest(0, Endless: true)))
        {
            if (tick.Sequence == 10)
            {
                break;
            }
        }

        Assert.Equal(-1, await harness.Probe.Cancellations.NextAsync());
        Assert.Equal(0, client.PendingCalls);
    }

    [Fact]
    public async Task Stopping_a_stream_whose_items_wait_for_the_consumer_keeps_the_connection()
    {
        await using Harness harness = await StartAsync();
        // The smallest window (32 items) and no resume: a link lost to the stop would end the connection, not be repaired unseen.
        TetherClient client = await harness.ConnectAsync(o =>
        {
            o.StreamBufferItems = 32;
            o.Resumable = false;
        });

        for (int round = 0; round < 3; round++)
        {
            long before = FramesReceived(client); // only the stream's items arrive meanwhile (no acknowledgements: not resumable)
            await using (IAsyncEnumerator<Tick> items = client.StreamAsync<CountRequest, Tick>(new CountRequest(0, Endless: true)).GetAsyncEnumerator())
            {
                Assert.True(await items.MoveNextAsync().Within());
                // The window's 32 items arrive; the handler then waits for credit (one item read grants none yet).
                await WaitForFramesAsync(client, before + 32);
            }

            Assert.Equal(-1, await harness.Probe.Cancellations.NextAsync());
            Assert.Equal(new EchoReply(round, "still here"), await client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(round, "still here")).Within());
        }

        Assert.Null(client.CloseReason);
        Assert.Equal(0, client.PendingCalls);
    }

    private static long FramesReceived(TetherClient client) =>
        ((Connections.TetherConnection)typeof(TetherPeer).GetProperty("CurrentConnection", BindingFlags.NonPublic | BindingFlags.Instance)!
            .GetValue(client)!).Counters.FramesReceived;

    /// <summary>Waits (yielding, bounded by the harness's patience) until the client's connection has read <paramref name="count"/> frames.</summary>
    private static async Task WaitForFramesAsync(TetherClient client, long count)
    {
        using var timeout = new CancellationTokenSource(Harness.Patience);
        while (FramesReceived(client) < count)
        {
            timeout.Token.ThrowIfCancellationRequested();
            await Task.Yield();
        }
    }

    [Fact]
    public async Task Calling_a_unary_method_as_a_stream_is_a_typed_error()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();

        var error = await Assert.ThrowsAsync<TetherException>(async () =>
        {
            await foreach (EchoReply _ in client.StreamAsync<EchoRequest, EchoReply>(new EchoRequest(1, "x")))
            {
            }
        }).Within();

        Assert.Equal(TetherErrorCode.UnexpectedReply, error.Code);
    }

    [Fact]
    public async Task Ping_measures_the_round_trip()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();

        TimeSpan rtt = await client.PingAsync().Within();

        Assert.True(rtt > TimeSpan.Zero);
        Assert.Equal(rtt, client.RoundTripTime);
    }

    [Fact]
    public async Task Session_info_reports_address_transport_state_and_counters()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();
        for (int i = 0; i < 5; i++)
        {
            await client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(i, "x")).Within();
        }

        await harness.WaitForSessionsAsync(1);
        SessionInfo info = harness.Server.GetSessionInfo(harness.Server.Sessions.Single().Id)!;

        Assert.Equal(harness.Transport.Name, info.Transport);
        Assert.Equal(SessionState.Active, info.State);
        Assert.Equal(client.LocalEndPoint?.ToString(), info.RemoteEndPoint?.ToString());
        Assert.Equal(5, info.CallsStarted);
        Assert.True(info.FramesReceived >= 6, $"frames received: {info.FramesReceived}");
        Assert.True(info.BytesReceived > 0 && info.BytesSent > 0);
    }
}
