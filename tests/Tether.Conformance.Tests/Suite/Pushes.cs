using Tether.Conformance.Tests.Support;

namespace Tether.Conformance.Tests.Suite;

public abstract partial class ConformanceSuite
{
    [Fact]
    public async Task Server_pushes_to_one_session_and_the_client_runs_its_generated_dispatch()
    {
        await using Harness harness = await StartAsync();
        var pushes = new Probe();
        TetherClient addressee = await harness.ConnectAsync(pushes: pushes);
        await harness.ConnectAsync(pushes: new Probe());
        await harness.WaitForSessionsAsync(2);
        Assert.True(harness.Server.TryGetSession(addressee.Contract!.SessionId, out TetherSession? target));

        await harness.Server.SendToAsync(target.Id, new Notice(1, "just you")).Within();
        Assert.True(harness.Server.TrySendTo(target.Id, new Notice(2, "again")));

        Assert.Equal([1L, 2L], (await pushes.Notices.TakeAsync(2)).Select(n => n.Sequence));
    }

    [Fact]
    public async Task Broadcast_reaches_100_clients()
    {
        await using Harness harness = await StartAsync();
        var probes = Enumerable.Range(0, 100).Select(_ => new Probe()).ToArray();
        await Task.WhenAll(probes.Select(p => harness.ConnectAsync(pushes: p))).Within();
        await harness.WaitForSessionsAsync(100);

        BroadcastResult result = harness.Server.Broadcast(new Notice(42, "to everyone"));

        Assert.Equal(new BroadcastResult(100, 0), result);
        foreach (Probe probe in probes)
        {
            Assert.Equal(new Notice(42, "to everyone"), await probe.Notices.NextAsync());
        }
    }

    [Fact]
    public async Task Group_broadcast_reaches_members_only_and_closed_sessions_leave_their_groups()
    {
        await using Harness harness = await StartAsync();
        var probes = Enumerable.Range(0, 5).Select(_ => new Probe()).ToArray();
        var clients = new List<TetherClient>();
        foreach (Probe probe in probes)
        {
            clients.Add(await harness.ConnectAsync(pushes: probe));
        }

        await harness.WaitForSessionsAsync(5);
        // Each client's session, found by the id both sides share.
        TetherSession[] sessions = [.. clients.Select(c => harness.Server.TryGetSession(c.Contract!.SessionId, out TetherSession? s) ? s : throw new InvalidOperationException("no session"))];
        foreach (TetherSession member in sessions.Take(3))
        {
            Assert.True(harness.Server.AddToGroup(member, "room"));
        }

        Assert.Equal(3, harness.Server.BroadcastToGroup("room", new Notice(1, "members")).Delivered);
        Assert.Equal(2, harness.Server.BroadcastToGroup("room", new Notice(2, "not the first"), exceptSessionId: sessions[0].Id).Delivered);
        Assert.Equal(["room"], sessions[1].Groups);

        for (int i = 0; i < 5; i++)
        {
            // Everyone gets a final global notice; only members have the group notices before it.
            harness.Server.Broadcast(new Notice(3, "all"));
        }

        Assert.Equal([1L, 3L], (await probes[0].Notices.TakeAsync(2)).Select(n => n.Sequence));
        Assert.Equal([1L, 2L, 3L], (await probes[1].Notices.TakeAsync(3)).Select(n => n.Sequence));
        Assert.Equal([3L], (await probes[4].Notices.TakeAsync(1)).Select(n => n.Sequence));

        await clients[1].DisposeAsync();
        await harness.WaitForSessionChangeAsync(() => harness.Server.GetGroupMembers("room").Count == 2);

        Assert.Equal(2, harness.Server.BroadcastToGroup("room", new Notice(4, "after leave")).Delivered);
    }

    [Fact]
    public async Task Server_calls_the_client_when_the_client_has_handlers()
    {
        await using Harness harness = await StartAsync();
        var pushes = new Probe();
        await harness.ConnectAsync(pushes: pushes);
        await harness.WaitForSessionsAsync(1);
        TetherSession session = harness.Server.Sessions.Single();

        await session.RequestAsync(new Notice(9, "ack me")).Within();

        Assert.Equal(9, (await pushes.Notices.NextAsync()).Sequence);
    }
}
