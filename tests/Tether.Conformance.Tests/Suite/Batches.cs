using System.Collections.Concurrent;
using Tether.Conformance.Tests.Support;

namespace Tether.Conformance.Tests.Suite;

public abstract partial class ConformanceSuite
{
    [Fact]
    public async Task A_batch_of_one_way_messages_reaches_its_handler_whole_and_in_order()
    {
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync();
        // Small and large messages, ~300 KB in all: more than one send's worth and past the send queue's pause.
        Notice[] batch = [.. Enumerable.Range(0, 600).Select(i => new Notice(i, new string('n', i % 3 == 0 ? 1500 : 10)))];

        await client.SendBatchAsync<Notice>(batch).AsTask().Within();

        List<Notice> received = await harness.Probe.Notices.TakeAsync(600);
        Assert.Equal(batch, received);
    }

    [Fact]
    public async Task A_session_pushes_a_batch_and_a_peer_that_stops_reading_gets_what_fits_with_the_rest_counted_as_dropped()
    {
        const long limit = 64 * 1024;
        await using Harness harness = await StartAsync(o => o.SendQueueLimit = limit);
        var good = new Probe();
        (Guid goodSession, TetherSession stuckSession, RawPeer stuck) = await ConnectReaderAndStuckPeerAsync(harness, good);
        await using RawPeer _ = stuck;
        Assert.True(harness.Server.TryGetSession(goodSession, out TetherSession? reading));

        // ~40 KB: within the send queue's bound, so a peer that reads takes the whole batch at once.
        Notice[] batch = [.. Enumerable.Range(0, 40).Select(i => new Notice(i, new string('x', 1000)))];
        Assert.Equal(40, reading.TrySendBatch<Notice>(batch));
        Assert.Equal(batch, await good.Notices.TakeAsync(40));

        int taken = 0;
        for (int round = 0; round < 1_000 && stuckSession.GetInfo().PushesDropped == 0; round++)
        {
            taken += stuckSession.TrySendBatch<Notice>(batch);
        }

        SessionInfo info = stuckSession.GetInfo();
        Assert.True(info.PushesDropped > 0, $"a peer that never reads took {taken} pushes without one dropped");
        Assert.Equal(0, (taken + info.PushesDropped) % 40); // each batch: the first that fitted were sent, the rest counted
        Assert.True(info.QueuedBytes <= limit + 40 * 1024, $"queued {info.QueuedBytes} bytes for a stuck peer; the bound is {limit}");
        Assert.Equal(0, harness.Server.GetSessionInfo(goodSession)!.PushesDropped);
    }

    [Fact]
    public async Task A_batched_broadcast_reaches_every_client_in_order_and_a_group_batch_only_its_members()
    {
        await using Harness harness = await StartAsync();
        var probes = Enumerable.Range(0, 20).Select(_ => new Probe()).ToArray();
        TetherClient[] clients = await Task.WhenAll(probes.Select(p => harness.ConnectAsync(pushes: p))).Within();
        await harness.WaitForSessionsAsync(20);
        Notice[] batch = [.. Enumerable.Range(0, 50).Select(i => new Notice(i, "to everyone " + i))];

        Assert.Equal(new BroadcastResult(20, 0), harness.Server.BroadcastBatch<Notice>(batch));
        foreach (Probe probe in probes)
        {
            Assert.Equal(batch, await probe.Notices.TakeAsync(50));
        }

        TetherSession[] sessions = [.. clients.Select(c => harness.Server.TryGetSession(c.Contract!.SessionId, out TetherSession? s) ? s : throw new InvalidOperationException("no session"))];
        harness.Server.AddToGroup(sessions[0], "room");
        harness.Server.AddToGroup(sessions[1], "room");
        Notice[] roomOnly = [new Notice(100, "room a"), new Notice(101, "room b")];
        Assert.Equal(new BroadcastResult(1, 0), harness.Server.BroadcastBatchToGroup<Notice>("room", roomOnly, exceptSessionId: sessions[0].Id));
        Assert.Equal(new BroadcastResult(20, 0), harness.Server.BroadcastBatch<Notice>([new Notice(102, "after")]));

        Assert.Equal([100L, 101L, 102L], (await probes[1].Notices.TakeAsync(3)).Select(n => n.Sequence));
        Assert.Equal([102L], (await probes[0].Notices.TakeAsync(1)).Select(n => n.Sequence));
        Assert.Equal([102L], (await probes[2].Notices.TakeAsync(1)).Select(n => n.Sequence));
    }

    [Fact]
    public async Task A_batch_sent_through_interceptors_is_intercepted_message_by_message()
    {
        var log = new ConcurrentQueue<string>();
        await using Harness harness = await StartAsync();
        TetherClient client = await harness.ConnectAsync(setup: c => c.AddInterceptor(new RecordingInterceptor("a", log)));

        await client.SendBatchAsync<Notice>(new[] { new Notice(1, "one"), new Notice(2, "two") }).AsTask().Within();

        Assert.Equal([1L, 2L], (await harness.Probe.Notices.TakeAsync(2)).Select(n => n.Sequence));
        Assert.Equal(["a>Notice:OneWay:Notice", "<a:", "a>Notice:OneWay:Notice", "<a:"], log);
    }
}
