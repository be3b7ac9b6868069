using Tether.Conformance.Tests.Support;
using Tether.Storage;
using Tether.Transport.InMemory;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>
/// Sessions kept in the durable journal, with the server "killed" in-process (<see cref="TetherServer.AbandonAsync"/>:
/// links cut without a goaway, the journal closed as it stood) and a new server started on the same directory. The
/// crash tests with real processes killed by SIGKILL are in Tether.Samples.Tests.
/// </summary>
public sealed class DurableSessionTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tether-durable-" + Guid.NewGuid().ToString("N"));
    private readonly InMemoryTransport _transport = new();
    private readonly InMemoryEndPoint _endPoint = new(Guid.NewGuid().ToString("N"));
    private readonly DurableEffects _effects = new();

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<TetherServer> StartServerAsync(DurabilityMode mode = DurabilityMode.Always, bool keepSessionsOnStop = false)
    {
        var server = new TetherServer(new TetherServerOptions
        {
            Transport = _transport,
            EndPoint = _endPoint,
            DurableSessions = new DurableStoreOptions { Directory = _directory, Durability = mode },
            KeepSessionsOnStop = keepSessionsOnStop,
        });
        server.AddHandler(new DurableEchoHandler(_effects));
        await server.StartAsync();
        return server;
    }

    /// <summary>A client recording the echoes it is pushed; the task completes if its session is ever restarted (it must not be).</summary>
    private async Task<(TetherClient Client, Task<TetherException> Restarted)> StartClientAsync(SequenceRecorder echoes)
    {
        var restarted = new TaskCompletionSource<TetherException>(TaskCreationOptions.RunContinuationsAsynchronously);
        var client = new TetherClient(ResumeTests.FastReconnect(new TetherClientOptions { Transport = _transport }));
        client.AddHandler(new EchoRecorder(echoes));
        client.SessionRestarted += e => restarted.TrySetResult(e);
        await client.StartAsync(_endPoint).Within();
        return (client, restarted.Task);
    }

    [Theory]
    [InlineData(DurabilityMode.Always)]
    [InlineData(DurabilityMode.Batched)]
    [InlineData(DurabilityMode.None)]
    public async Task A_client_resumes_the_same_session_on_a_restarted_server_and_nothing_is_lost_or_doubled(DurabilityMode mode)
    {
        const int Messages = 2_000;
        TetherServer server = await StartServerAsync(mode);
        var echoes = new SequenceRecorder(Messages);
        (TetherClient client, Task<TetherException> restarted) = await StartClientAsync(echoes);
        await using TetherClient disposing = client;
        Guid session = client.Contract!.SessionId;
        Assert.True(client.Contract.Durable);

        var calls = new List<Task<NumberedReply>>();
        int restorations = 0;
        for (int i = 0; i < Messages; i++)
        {
            await client.SendAsync(new Numbered(i)).Within();
            if (i % 100 == 0)
            {
                calls.Add(client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(i), Timeout.InfiniteTimeSpan).AsTask());
            }

            if (i is 500 or 1_200)
            {
                await server.AbandonAsync(); // as if killed: no goaway, the journal as it stood
                server = await StartServerAsync(mode);
                restorations++;
                Assert.Contains(server.Sessions, s => s.Id == session); // rebuilt from the journal, waiting for its client
            }
        }

        await echoes.Done.Within();
        Assert.Null(echoes.Error);
        for (int c = 0; c < calls.Count; c++)
        {
            Assert.Equal(new NumberedReply(c * 200), await calls[c].Within());
        }

        Assert.Equal(Enumerable.Range(0, Messages).Select(i => (long)i), _effects.Applied);
        Assert.Equal(session, client.Contract!.SessionId); // the same session throughout
        Assert.False(restarted.IsCompleted);
        Assert.Equal(2, restorations);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Batches_on_a_durable_session_go_through_the_journal_whole_and_in_order_with_nothing_counted_dropped()
    {
        const int Messages = 300;
        TetherServer server = await StartServerAsync();
        await using TetherServer disposingServer = server;
        var echoes = new SequenceRecorder(2 * Messages);
        (TetherClient client, _) = await StartClientAsync(echoes);
        await using TetherClient disposing = client;

        // The session's own batch of pushes first: every one fits, so all are sent and none is counted as dropped.
        TetherSession session = Assert.Single(server.Sessions);
        Echoed[] pushes = [.. Enumerable.Range(0, Messages).Select(static i => new Echoed(i))];
        Assert.Equal(Messages, session.TrySendBatch<Echoed>(pushes));

        // Then a client's batch: each message journaled and handled once, in order; its handler echoes it after the pushes.
        Numbered[] batch = [.. Enumerable.Range(Messages, Messages).Select(static i => new Numbered(i))];
        await client.SendBatchAsync<Numbered>(batch).AsTask().Within();

        await echoes.Done.Within();
        Assert.Null(echoes.Error);
        Assert.Equal(Enumerable.Range(Messages, Messages).Select(static i => (long)i), _effects.Applied);
        Assert.Equal(0, session.GetInfo().PushesDropped);
    }

    [Fact]
    public async Task A_stop_that_keeps_sessions_hands_them_to_the_next_server_and_reports_nothing_lost()
    {
        const int Messages = 1_000;
        TetherServer server = await StartServerAsync(keepSessionsOnStop: true);
        var reportedLost = new List<UndeliveredMessage>();
        server.Undelivered += (_, lost) => reportedLost.AddRange(lost);
        var echoes = new SequenceRecorder(Messages);
        (TetherClient client, Task<TetherException> restarted) = await StartClientAsync(echoes);
        await using TetherClient disposing = client;
        Guid session = client.Contract!.SessionId;

        for (int i = 0; i < Messages; i++)
        {
            await client.SendAsync(new Numbered(i)).Within();
            if (i == 400)
            {
                await server.StopAsync().Within(); // a rolling restart: no goaway, the journal kept
                Assert.Equal(TetherServerStatus.Stopped, server.Status);
                server = await StartServerAsync(keepSessionsOnStop: true);
            }
        }

        await echoes.Done.Within();
        Assert.Null(echoes.Error);
        Assert.Equal(Enumerable.Range(0, Messages).Select(i => (long)i), _effects.Applied);
        Assert.Equal(session, client.Contract!.SessionId);
        Assert.False(restarted.IsCompleted);
        Assert.Empty(reportedLost); // the first server's unacknowledged pushes were not lost: the next one had them
        await server.DisposeAsync();
    }

    [Fact]
    public async Task A_stream_a_restart_interrupts_ends_with_NotDelivered_after_the_items_it_sent_and_is_not_run_again()
    {
        TetherServer server = await StartServerAsync();
        await using var client = new TetherClient(ResumeTests.FastReconnect(new TetherClientOptions { Transport = _transport }));
        await client.StartAsync(_endPoint).Within();

        var items = new List<long>();
        await using IAsyncEnumerator<Echoed> stream = client.StreamAsync<NumberedCall, Echoed>(new NumberedCall(10)).GetAsyncEnumerator();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(await stream.MoveNextAsync().AsTask().Within());
            items.Add(stream.Current.Value);
        }

        await server.AbandonAsync(); // the handler waits at its gate: the stream is running when the process "dies"
        server = await StartServerAsync();
        TetherException ended = await Assert.ThrowsAsync<TetherException>(async () => await stream.MoveNextAsync().AsTask().Within());
        Assert.Equal(TetherErrorCode.NotDelivered, ended.Code);
        Assert.Equal([0L, 1L, 2L], items);

        // The session goes on; the stream was not started again (a new one runs from its start).
        _effects.StreamGate.TrySetResult();
        var again = new List<long>();
        await foreach (Echoed item in client.StreamAsync<NumberedCall, Echoed>(new NumberedCall(5)))
        {
            again.Add(item.Value);
        }

        Assert.Equal([0L, 1L, 2L, 3L, 4L], again);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task A_client_stream_a_restart_interrupts_ends_with_NotDelivered_instead_of_waiting_forever()
    {
        TetherServer server = await StartServerAsync();
        await using var client = new TetherClient(ResumeTests.FastReconnect(new TetherClientOptions { Transport = _transport }));
        await client.StartAsync(_endPoint).Within();
        var durable = new DurableEchoHandler.Client(client);

        // No deadline: before request streams' starts were logged, the restarted server ran the call again from the
        // frames the client sent again (not the items it had acknowledged), and this call waited for items that never came.
        using ClientStreamingCall<Echoed, NumberedReply> call = durable.OpenTotal();
        for (int i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new Echoed(i)).AsTask().Within();
        }

        await _effects.ThirdInputRead.Task.Within();
        await server.AbandonAsync(); // the handler is waiting for more items when the process "dies"
        server = await StartServerAsync();

        TetherException ended = await Assert.ThrowsAsync<TetherException>(() => call.ResponseAsync.Within());
        Assert.Equal(TetherErrorCode.NotDelivered, ended.Code);

        // The session goes on, with request streams too.
        Assert.Equal(new NumberedReply(6), await durable.Total(Items(4)).AsTask().Within());
        await server.DisposeAsync();
    }

    [Fact]
    public async Task A_bidirectional_stream_a_restart_interrupts_ends_with_NotDelivered_after_the_echoes_it_had()
    {
        TetherServer server = await StartServerAsync();
        await using var client = new TetherClient(ResumeTests.FastReconnect(new TetherClientOptions { Transport = _transport }));
        await client.StartAsync(_endPoint).Within();
        var durable = new DurableEchoHandler.Client(client);

        using DuplexStreamingCall<Echoed, Echoed> call = durable.OpenEcho();
        await using IAsyncEnumerator<Echoed> echoes = call.ReadResponsesAsync().GetAsyncEnumerator();
        var received = new List<long>();
        for (int i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new Echoed(i)).AsTask().Within();
            Assert.True(await echoes.MoveNextAsync().AsTask().Within());
            received.Add(echoes.Current.Value);
        }

        await server.AbandonAsync();
        server = await StartServerAsync();

        // Before request streams' starts were logged, the restarted server ran the call again from the frames the client
        // sent again, and this read gave echo 0 a second time.
        TetherException ended = await Assert.ThrowsAsync<TetherException>(async () => await echoes.MoveNextAsync().AsTask().Within());
        Assert.Equal(TetherErrorCode.NotDelivered, ended.Code);
        Assert.Equal([0L, 1L, 2L], received);
        await server.DisposeAsync();
    }

    private static async IAsyncEnumerable<Echoed> Items(int count)
    {
        for (int i = 0; i < count; i++)
        {
            await Task.Yield();
            yield return new Echoed(i);
        }
    }
}
