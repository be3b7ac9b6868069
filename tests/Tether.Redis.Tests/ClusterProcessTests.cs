using Tether.Redis.Tests.Support;
using Tether.Samples.Cluster;

namespace Tether.Redis.Tests;

/// <summary>
/// Issue 26's proof with real processes: three nodes of the cluster sample on one real <c>redis-server</c>, clients on
/// each; group sends from two nodes reach every client exactly once and in order; a node killed with SIGKILL is
/// noticed (its sessions, kept in Redis, stay in their groups to resume elsewhere); Redis killed and started empty while the nodes run loses nothing; a client
/// whose node is killed resumes its session on another node.
/// Everything is asserted on what arrived.
/// </summary>
public sealed class ClusterProcessTests
{
    [Fact]
    public async Task Three_node_processes_deliver_group_sends_exactly_once_survive_a_killed_node_and_a_restarted_Redis()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using NodeProcess n0 = await NodeProcess.StartAsync(redis, "n0");
        await using NodeProcess n1 = await NodeProcess.StartAsync(redis, "n1");
        await using NodeProcess n2 = await NodeProcess.StartAsync(redis, "n2");
        NodeProcess[] nodes = [n0, n1, n2];
        var clients = new List<(ClusterClient Client, NodeProcess Node)>();
        try
        {
            foreach (NodeProcess node in nodes)
            {
                for (int i = 0; i < 2; i++)
                {
                    var view = new RoomView();
                    var client = new TetherClient();
                    client.AddHandler(view);
                    await client.StartAsync(node.EndPoint);
                    var connected = new ClusterClient(client, view, new RoomHandler.Client(client));
                    Joined joined = await connected.Rooms.Join(new JoinRoom("r"));
                    Assert.Equal(node.NodeId, joined.Node);
                    clients.Add((connected, node));
                }
            }

            ClusterClient onN0 = clients[0].Client, onN1 = clients[2].Client, lastOnN2 = clients[5].Client;
            Assert.Equal(6, (await lastOnN2.Rooms.Join(new JoinRoom("r"))).Members); // joined again: counted once

            await Task.WhenAll(SayAsync(onN0, 1, 300), SayAsync(onN1, 1, 300));
            await Wait.UntilAsync(() => clients.All(static c => c.Client.Count("r") == 600), "600 lines on every client");
            foreach ((ClusterClient client, _) in clients)
            {
                Assert.Equal(Numbers(1, 300), client.From("r", n0.NodeId));
                Assert.Equal(Numbers(1, 300), client.From("r", n1.NodeId));
            }

            // Node n2 dies: another node notices. Its two sessions are kept in Redis and may resume on another node, so
            // they stay in the group (their membership moves with them).
            await n2.KillAsync();
            await Wait.UntilAsync(() => n0.Events.Contains("left " + n2.NodeId) || n1.Events.Contains("left " + n2.NodeId), "a node reports n2 gone");
            Assert.Equal(6, (await onN0.Rooms.Join(new JoinRoom("r"))).Members);

            // Redis dies and comes back empty while n0 is sending: nothing is lost, nothing doubled.
            var survivors = clients.Where(c => c.Node != n2).Select(static c => c.Client).ToList();
            await SayAsync(onN0, 301, 400);
            await redis.KillAsync();
            Task sending = SayAsync(onN0, 401, 500);
            await redis.RestartAsync();
            await sending.WaitAsync(Wait.Patience);
            await Wait.UntilAsync(() => survivors.All(static c => c.Count("r") == 800), "800 lines on every surviving client");
            foreach (ClusterClient client in survivors)
            {
                Assert.Equal(Numbers(1, 500), client.From("r", n0.NodeId));
            }

            await Wait.UntilAsync(() => n0.Events.Contains("redis-data-lost") && n1.Events.Contains("redis-data-lost"), "both nodes noticed the data loss");
            Assert.DoesNotContain(n0.Events.Concat(n1.Events), static e => e.StartsWith("gap ", StringComparison.Ordinal));
        }
        finally
        {
            foreach ((ClusterClient client, _) in clients)
            {
                await client.Client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_client_whose_node_is_killed_resumes_its_session_on_another_node_exactly_once_and_in_order()
    {
        const int Lines = 2_000;
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using NodeProcess n0 = await NodeProcess.StartAsync(redis, "n0");
        await using NodeProcess n1 = await NodeProcess.StartAsync(redis, "n1");
        await using var balancer = new TcpForwarder(n0.EndPoint);
        var view = new RoomView();
        await using var tether = new TetherClient();
        tether.AddHandler(view);
        await tether.StartAsync(balancer.EndPoint);
        var client = new ClusterClient(tether, view, new RoomHandler.Client(tether));
        Guid session = tether.Contract!.SessionId;
        int restarted = 0;
        tether.SessionRestarted += _ => Interlocked.Increment(ref restarted);

        // One-way pings pushed back and echoed calls, with node n0 killed for real halfway through.
        Task killing = Task.CompletedTask;
        var answeredBy = new List<string>();
        for (long i = 1; i <= Lines; i++)
        {
            if (i == Lines / 2)
            {
                killing = KillAndMoveAsync(n0, balancer, n1);
            }

            await client.Rooms.Ping(new Say("me", i));
            answeredBy.Add((await client.Rooms.Echo(new Say("me", i))).Node);
        }

        await killing;
        await Wait.UntilAsync(() => client.Count("me") >= Lines, "every ping pushed back");
        Assert.Equal(Numbers(1, Lines), client.View.Lines.Where(static l => l.Room == "me").Select(static l => l.Number));
        Assert.Equal(session, tether.Contract!.SessionId);
        Assert.Equal(0, Volatile.Read(ref restarted));
        Assert.Equal(n0.NodeId, answeredBy[0]);
        Assert.Equal(n1.NodeId, answeredBy[^1]);
    }

    private static async Task KillAndMoveAsync(NodeProcess dead, TcpForwarder balancer, NodeProcess next)
    {
        await dead.KillAsync();
        balancer.MoveTo(next.EndPoint);
    }

    private static long[] Numbers(long from, long to) => [.. Enumerable.Range((int)from, (int)(to - from + 1)).Select(static i => (long)i)];

    private static async Task SayAsync(ClusterClient client, long from, long to)
    {
        for (long i = from; i <= to; i++)
        {
            await client.Rooms.Say(new Say("r", i));
        }
    }
}
