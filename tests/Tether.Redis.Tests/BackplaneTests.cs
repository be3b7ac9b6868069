using Tether.Redis.Tests.Support;
using Tether.Samples.Cluster;

namespace Tether.Redis.Tests;

/// <summary>
/// Nodes in this process, each with its own server and Redis connection, against a real <c>redis-server</c> started
/// by the test (issue 26, item 2): what reaches which client, exactly once and in order, and what a Redis restart or a
/// lagging node does.
/// </summary>
public sealed class BackplaneTests
{
    private static readonly long[] s_oneToTwoHundred = [.. Enumerable.Range(1, 200).Select(static i => (long)i)];

    [Fact]
    public async Task Group_sends_broadcasts_and_whispers_reach_clients_on_every_node_exactly_once_in_order()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using Node a = await Node.StartAsync(redis, "a");
        await using Node b = await Node.StartAsync(redis, "b");
        ClusterClient[] clients = [await a.ConnectAsync(), await a.ConnectAsync(), await b.ConnectAsync(), await b.ConnectAsync()];
        var sessions = new List<string>();
        long members = 0;
        foreach (ClusterClient client in clients)
        {
            Joined joined = await client.Rooms.Join(new JoinRoom("r"));
            sessions.Add(joined.Session);
            members = joined.Members;
        }

        Assert.Equal(4, members); // counted in Redis, from the node the last one joined
        Assert.Equal(4, await a.Backplane.CountGroupMembersAsync("r"));
        Assert.Equal(4, await b.Backplane.CountGroupMembersAsync("r"));
        Assert.Equal(sessions.Order(), (await b.Backplane.GetGroupMembersAsync("r")).Select(static g => g.ToString("N")).Order());

        // Two senders on two nodes at once: every client sees each sender's lines once, in its order.
        await Task.WhenAll(SayAsync(clients[0], 200), SayAsync(clients[2], 200));
        await Wait.UntilAsync(() => clients.All(static c => c.Count("r") == 400), "every client has 400 lines");
        foreach (ClusterClient client in clients)
        {
            Assert.Equal(s_oneToTwoHundred, client.From("r", a.Backplane.NodeId));
            Assert.Equal(s_oneToTwoHundred, client.From("r", b.Backplane.NodeId));
        }

        // An announcement reaches every session; a whisper from node a reaches only its session, on node b.
        await clients[3].Rooms.Announce(new Announce(7));
        await clients[1].Rooms.Whisper(new Whisper(sessions[3], 9));
        await Wait.UntilAsync(() => clients.All(static c => c.Count("*") == 1) && clients[3].Count("whisper") == 1, "the announcement and the whisper");
        Assert.All(clients, static c => Assert.Equal([7L], c.View.Lines.Where(static l => l.Room == "*").Select(static l => l.Number)));
        Assert.Equal(0, clients[0].Count("whisper") + clients[1].Count("whisper") + clients[2].Count("whisper"));
        Assert.Equal(b.Backplane.NodeId, await a.Backplane.FindSessionNodeAsync(Guid.ParseExact(sessions[3], "N")));

        // A whisper to a session no node holds is a typed error, not a silent drop.
        TetherException unknown = await Assert.ThrowsAsync<TetherException>(() => a.Backplane.SendToSessionAsync(Guid.NewGuid(), new Line("x", "y", 1)).AsTask());
        Assert.Equal(TetherErrorCode.ConnectionClosed, unknown.Code);

        // A client that leaves leaves its groups, as every node sees.
        await clients[2].Client.DisposeAsync();
        await Wait.UntilAsync(async () => await a.Backplane.CountGroupMembersAsync("r") == 3, "the group shrinks to 3");
        Assert.Empty(a.Gaps);
        Assert.Empty(b.Gaps);
    }

    [Fact]
    public async Task A_session_of_another_node_joins_and_leaves_a_group_through_the_node_that_holds_it()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using Node a = await Node.StartAsync(redis, "a");
        await using Node b = await Node.StartAsync(redis, "b");
        ClusterClient onB = await b.ConnectAsync();
        Joined joined = await onB.Rooms.Join(new JoinRoom("lobby"));
        Guid session = Guid.ParseExact(joined.Session, "N");

        await a.Backplane.AddToGroupAsync(session, "vip"); // node a adds node b's session
        Assert.Equal([session], await a.Backplane.GetGroupMembersAsync("vip"));
        await Wait.UntilAsync(() => b.Server.GetGroupMembers("vip").Count == 1, "node b applied the join");
        await a.Backplane.BroadcastToGroupAsync("vip", new Line("vip", "test", 1));
        await Wait.UntilAsync(() => onB.Count("vip") == 1, "the vip line");

        await a.Backplane.RemoveFromGroupAsync(session, "vip");
        await Wait.UntilAsync(() => b.Server.GetGroupMembers("vip").Count == 0, "node b applied the leave");
        Assert.Equal(0, await a.Backplane.CountGroupMembersAsync("vip"));
    }

    [Fact]
    public async Task Redis_restarted_while_nodes_run_loses_nothing_publishes_wait_and_membership_is_restored()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using Node a = await Node.StartAsync(redis, "a");
        await using Node b = await Node.StartAsync(redis, "b");
        ClusterClient[] clients = [await a.ConnectAsync(), await b.ConnectAsync(), await b.ConnectAsync()];
        foreach (ClusterClient client in clients)
        {
            await client.Rooms.Join(new JoinRoom("r"));
        }

        await SayAsync(clients[0], 50);
        await Wait.UntilAsync(() => clients.All(static c => c.Count("r") == 50), "the first 50 lines");

        await redis.KillAsync();
        Task saying = SayAsync(clients[0], 100, from: 51); // waits in node a's publisher while Redis is down
        await redis.RestartAsync(); // empty: a restart without persistence
        await saying.WaitAsync(Wait.Patience);

        await Wait.UntilAsync(() => clients.All(static c => c.Count("r") == 100), "all 100 lines everywhere");
        long[] expected = [.. Enumerable.Range(1, 100).Select(static i => (long)i)];
        Assert.All(clients, c => Assert.Equal(expected, c.From("r", a.Backplane.NodeId)));
        await Wait.UntilAsync(() => Volatile.Read(ref a.DataLosses) >= 1 && Volatile.Read(ref b.DataLosses) >= 1, "both nodes noticed the data loss");
        await Wait.UntilAsync(async () => await a.Backplane.CountGroupMembersAsync("r") == 3, "membership written back");
        Assert.Empty(a.Gaps);
        Assert.Empty(b.Gaps);
    }

    [Fact]
    public async Task Messages_lost_with_Redis_that_their_node_no_longer_holds_are_reported_as_a_gap()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using Node a = await Node.StartAsync(redis, "a", static o => o.RetainedMessages = 0); // nothing to publish again
        await using Node b = await Node.StartAsync(redis, "b");
        ClusterClient onA = await a.ConnectAsync();
        ClusterClient onB = await b.ConnectAsync();
        await onA.Rooms.Join(new JoinRoom("r"));
        await onB.Rooms.Join(new JoinRoom("r"));
        await SayAsync(onA, 1);
        await Wait.UntilAsync(() => onB.Count("r") == 1, "line 1 on node b");

        b.Backplane.PauseReading(true); // node b lags: 2..10 stay unread in the stream
        await SayAsync(onA, 10, from: 2);
        await redis.RestartAsync(); // and the stream is lost with Redis
        b.Backplane.PauseReading(false);
        await Wait.UntilAsync(() => Volatile.Read(ref a.DataLosses) >= 1, "node a noticed the data loss");
        await SayAsync(onA, 11, from: 11);

        await Wait.UntilAsync(() => onB.Count("r") == 2, "line 11 on node b");
        Assert.Equal([1L, 11L], onB.From("r", a.Backplane.NodeId));
        Assert.Equal(Enumerable.Range(1, 11).Select(static i => (long)i), onA.From("r", a.Backplane.NodeId));
        BackplaneGap gap = Assert.Single(b.Gaps);
        Assert.Equal(new BackplaneGap(a.Backplane.NodeId, 2, 9), gap);
    }

    [Fact]
    public async Task Messages_lost_with_Redis_are_published_again_by_their_node_and_arrive_once_in_order()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using Node a = await Node.StartAsync(redis, "a");
        await using Node b = await Node.StartAsync(redis, "b");
        ClusterClient onA = await a.ConnectAsync();
        ClusterClient onB = await b.ConnectAsync();
        await onA.Rooms.Join(new JoinRoom("r"));
        await onB.Rooms.Join(new JoinRoom("r"));
        await SayAsync(onA, 1);
        await Wait.UntilAsync(() => onB.Count("r") == 1, "line 1 on node b");
        await Wait.UntilAsync(() => a.Backplane.ConfirmedByAll == 1, "node a learned that node b applied line 1");

        b.Backplane.PauseReading(true);
        await SayAsync(onA, 10, from: 2); // in the stream, unread by node b, and then lost with Redis
        await redis.RestartAsync();
        b.Backplane.PauseReading(false);
        await SayAsync(onA, 11, from: 11);

        await Wait.UntilAsync(() => onB.Count("r") == 11, "all 11 lines on node b");
        Assert.Equal(Enumerable.Range(1, 11).Select(static i => (long)i), onB.From("r", a.Backplane.NodeId));
        Assert.Empty(b.Gaps);
    }

    [Fact]
    public async Task A_publish_Redis_does_not_take_in_time_fails_typed_and_the_other_nodes_report_it_missing()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using Node a = await Node.StartAsync(redis, "a", static o => o.PublishTimeout = TimeSpan.FromMilliseconds(300));
        await using Node b = await Node.StartAsync(redis, "b");
        ClusterClient onB = await b.ConnectAsync();
        await onB.Rooms.Join(new JoinRoom("r"));
        await a.Backplane.BroadcastToGroupAsync("r", new Line("r", "a", 1));
        await Wait.UntilAsync(() => onB.Count("r") == 1, "line 1");

        await redis.KillAsync();
        TetherException failed = await Assert.ThrowsAsync<TetherException>(() => a.Backplane.BroadcastToGroupAsync("r", new Line("r", "a", 2)).AsTask());
        Assert.Equal(TetherErrorCode.StoreUnavailable, failed.Code); // the publisher is told
        await redis.RestartAsync();
        await Wait.UntilAsync(() => a.Backplane.IsRedisConnected, "node a reconnected");
        await a.Backplane.BroadcastToGroupAsync("r", new Line("r", "a", 3));

        await Wait.UntilAsync(() => onB.Count("r") == 2, "line 3");
        Assert.Equal([1L, 3L], onB.View.Lines.Where(static l => l.Room == "r").Select(static l => l.Number));
        await Wait.UntilAsync(() => b.Gaps.Count == 1, "node b reports the missing number");
        Assert.Equal(new BackplaneGap(a.Backplane.NodeId, 2, 1), b.Gaps[0]); // the failed publish's number, spent
    }

    [Fact]
    public async Task A_node_that_stops_beating_is_noticed_and_its_sessions_leave_their_groups()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using Node a = await Node.StartAsync(redis, "a");
        Node c = await Node.StartAsync(redis, "c");
        var left = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        a.Backplane.NodeLeft += node => left.TrySetResult(node);
        await (await a.ConnectAsync()).Rooms.Join(new JoinRoom("r"));
        await (await c.ConnectAsync()).Rooms.Join(new JoinRoom("r"));
        await Wait.UntilAsync(() => a.Backplane.Nodes.Count == 2, "node a sees node c");
        Assert.Equal(2, await a.Backplane.CountGroupMembersAsync("r"));

        string gone = c.Backplane.NodeId;
        await c.AbandonAsync();
        Assert.Equal(gone, await left.Task.WaitAsync(Wait.Patience));
        Assert.Equal(1, await a.Backplane.CountGroupMembersAsync("r"));
        Assert.Equal([a.Backplane.NodeId], a.Backplane.Nodes);
    }

    [Fact]
    public async Task A_password_protected_Redis_is_reached_with_the_password_in_the_configuration()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync(password: "s3cret-pass");
        await using Node a = await Node.StartAsync(redis, "a");
        await using Node b = await Node.StartAsync(redis, "b");
        ClusterClient onB = await b.ConnectAsync();
        await onB.Rooms.Join(new JoinRoom("r"));
        await a.Backplane.BroadcastToGroupAsync("r", new Line("r", "test", 1));
        await Wait.UntilAsync(() => onB.Count("r") == 1, "the line through the protected Redis");
        Assert.True(a.Backplane.IsRedisConnected);
    }

    [Fact]
    public async Task A_Redis_that_speaks_only_TLS_is_reached_with_TLS_options_by_the_backplane_and_the_session_store()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync(password: "tls-and-password", tls: true);
        await using Node a = await Node.StartAsync(redis, "a");
        await using Node b = await Node.StartAsync(redis, "b");
        ClusterClient onB = await b.ConnectAsync();
        await onB.Rooms.Join(new JoinRoom("r"));
        await a.Backplane.BroadcastToGroupAsync("r", new Line("r", "test", 1));
        await Wait.UntilAsync(() => onB.Count("r") == 1, "the line through TLS");

        // The session store over the same TLS: a session's ticket is written there.
        var options = new TetherServerOptions { EndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0) };
        options.UseRedisSessions(new TetherRedisOptions { Configuration = redis.Configuration, Redis = redis.Options(), NodeName = "s" });
        await using var server = new TetherServer(options);
        server.AddHandler(session => new Ticker(session, "s"));
        await server.StartAsync();
        await using var client = new TetherClient();
        await client.StartAsync(server.LocalEndPoint!);
        using StackExchange.Redis.ConnectionMultiplexer inspector = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Options());
        StackExchange.Redis.RedisKey ticket = "tether:sj:" + client.Contract!.SessionId.ToString("N") + ":ticket";
        await Wait.UntilAsync(async () => await inspector.GetDatabase().KeyExistsAsync(ticket), "the session's ticket in Redis");
    }

    private static async Task SayAsync(ClusterClient client, long to, long from = 1)
    {
        for (long i = from; i <= to; i++)
        {
            await client.Rooms.Say(new Say("r", i));
        }
    }
}
