using Tether.Conformance.Tests.Support;

namespace Tether.Conformance.Tests.Suite;

public abstract partial class ConformanceSuite
{
    [Fact]
    public async Task Client_that_stops_reading_cannot_grow_the_servers_send_queue_and_others_keep_receiving()
    {
        const long limit = 64 * 1024;
        await using Harness harness = await StartAsync(o => o.SendQueueLimit = limit);
        var good = new Probe();
        (Guid goodSession, TetherSession stuckSession, RawPeer stuck) = await ConnectReaderAndStuckPeerAsync(harness, good);
        await using RawPeer _ = stuck;

        var notice = new Notice(0, new string('x', 1000));
        long maxQueued = 0;
        int sent = 0;
        for (; sent < 50_000 && stuckSession.GetInfo().PushesDropped < 100; sent++)
        {
            BroadcastResult result = harness.Server.Broadcast(notice with { Sequence = sent });
            Assert.True(result.Delivered >= 1, "the reading client must always get the broadcast");
            maxQueued = Math.Max(maxQueued, stuckSession.GetInfo().QueuedBytes);
            if (sent % 32 == 31)
            {
                await good.Notices.TakeAsync(32); // the reading client keeps up
            }
        }

        Assert.True(stuckSession.GetInfo().PushesDropped >= 100, $"after {sent} broadcasts the stuck session dropped {stuckSession.GetInfo().PushesDropped}");
        Assert.True(maxQueued <= limit + 2048, $"queued {maxQueued} bytes for a stuck client; the bound is {limit}; {stuckSession.GetInfo()}");
        await good.Notices.TakeAsync(sent % 32);
        Assert.Equal(0, harness.Server.GetSessionInfo(goodSession)!.PushesDropped);
    }

    /// <summary>A client that reads (its pushes go to <paramref name="good"/>) and a raw peer that said hello, then stopped reading.</summary>
    private static async Task<(Guid GoodSession, TetherSession StuckSession, RawPeer Stuck)> ConnectReaderAndStuckPeerAsync(Harness harness, Probe good)
    {
        Guid goodSession = (await harness.ConnectAsync(pushes: good)).Contract!.SessionId;
        RawPeer stuck = await RawPeer.ConnectAsync(harness);
        await stuck.SendHelloAsync();
        await stuck.ReadFrameAsync(); // then never reads again
        await harness.WaitForSessionsAsync(2);
        return (goodSession, harness.Server.Sessions.Single(s => s.Id != goodSession), stuck);
    }
}
