using System.Collections.Concurrent;
using System.Net;
using Tether.Redis.Tests.Support;

namespace Tether.Redis.Tests;

[Message(21)]
public sealed partial record Tick(long Number);

[Message(22)]
public sealed partial record Ticked(long Number, string Node);

/// <summary>Server side of the session-move tests: answers a tick with the node's name, and pushes one back for each one-way tick.</summary>
[Handler(ServiceName = "Ticker")]
public sealed partial class Ticker(TetherSession session, string node)
{
    public Ticked Echo(Tick tick) => new(tick.Number, node);

    public ValueTask Push(Tick tick) => session.SendAsync(new Ticked(tick.Number, node));
}

/// <summary>Client side: the pushes, in arrival order.</summary>
[Handler(ServiceName = "TickerView")]
public sealed partial class TickerView
{
    public ConcurrentQueue<Ticked> Pushed { get; } = new();

    public void Show(Ticked ticked) => Pushed.Enqueue(ticked);
}

/// <summary>
/// Issue 26, item 1: sessions kept in Redis (<c>UseRedisSessions</c>) resume on another node. A load balancer (a TCP
/// forwarder on loopback) moves the client from node a to node b mid-stream; the client resumes on b, which claims the
/// session from Redis, and every answer and every push arrives exactly once, in order; moved back to a, whose copy is
/// stale by then, it resumes from Redis again.
/// </summary>
public sealed class SessionMoveTests
{
    [Fact]
    public async Task A_client_moved_to_another_node_resumes_its_session_there_exactly_once_and_in_order()
    {
        const int Ticks = 3_000; // past the compaction threshold several times
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using TetherServer a = await StartNodeAsync(redis, "a");
        await using TetherServer b = await StartNodeAsync(redis, "b");
        await using var balancer = new TcpForwarder((IPEndPoint)a.LocalEndPoint!);
        (TetherClient client, TickerView view, Ticker.Client ticker) = await ConnectAsync(balancer);
        await using TetherClient disposing = client;
        Guid session = client.Contract!.SessionId;
        int restarted = 0;
        client.SessionRestarted += _ => Interlocked.Increment(ref restarted);

        List<string> answeredBy = await TickAsync(ticker, view, Ticks, i =>
        {
            if (i == Ticks / 3)
            {
                balancer.MoveTo((IPEndPoint)b.LocalEndPoint!); // node a is taken out: the client's link is reset
            }
            else if (i == 2 * Ticks / 3)
            {
                balancer.MoveTo((IPEndPoint)a.LocalEndPoint!); // and back: node a's copy is stale and must not be used
            }

            return Task.CompletedTask;
        });

        Assert.Equal(session, client.Contract!.SessionId); // the same session, not a fresh one
        Assert.Equal(0, Volatile.Read(ref restarted));
        Assert.Equal("a", answeredBy[0]);
        Assert.Equal("b", answeredBy[Ticks / 2]);
        Assert.Equal("a", answeredBy[^1]);
        Assert.True(a.TryGetSession(session, out TetherSession? back));
        Assert.Equal(SessionState.Active, back.State);
    }

    [Fact]
    public async Task After_Redis_restarts_empty_a_session_is_written_again_and_can_still_move()
    {
        const int Ticks = 600;
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using TetherServer a = await StartNodeAsync(redis, "a");
        await using TetherServer b = await StartNodeAsync(redis, "b");
        await using var balancer = new TcpForwarder((IPEndPoint)a.LocalEndPoint!);
        (TetherClient client, TickerView view, Ticker.Client ticker) = await ConnectAsync(balancer);
        await using TetherClient disposing = client;
        Guid session = client.Contract!.SessionId;
        using StackExchange.Redis.ConnectionMultiplexer inspector = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        StackExchange.Redis.RedisKey holder = "tether:sj:" + session.ToString("N") + ":holder";

        await TickAsync(ticker, view, Ticks, async i =>
        {
            if (i == Ticks / 3)
            {
                await redis.RestartAsync(); // empty: the session's copy in Redis is gone; node a runs it on regardless
            }
            else if (i == 2 * Ticks / 3)
            {
                await Wait.UntilAsync(async () => await HolderWrittenAsync(inspector, holder), "node a wrote the session again");
                balancer.MoveTo((IPEndPoint)b.LocalEndPoint!);
            }
        });

        Assert.Equal(session, client.Contract!.SessionId);
        Assert.True(b.TryGetSession(session, out TetherSession? moved));
        Assert.Equal(SessionState.Active, moved.State);
    }

    [Fact]
    public async Task While_Redis_is_down_a_cut_link_resumes_on_the_same_node_and_nothing_is_lost()
    {
        const int Ticks = 300;
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using TetherServer a = await StartNodeAsync(redis, "a");
        await using var balancer = new TcpForwarder((IPEndPoint)a.LocalEndPoint!);
        (TetherClient client, TickerView view, Ticker.Client ticker) = await ConnectAsync(balancer);
        await using TetherClient disposing = client;
        Guid session = client.Contract!.SessionId;

        await TickAsync(ticker, view, Ticks, async i =>
        {
            if (i == Ticks / 3)
            {
                await redis.KillAsync();
                balancer.MoveTo((IPEndPoint)a.LocalEndPoint!); // the link is cut; the session can only resume where it is
            }
            else if (i == 2 * Ticks / 3)
            {
                await redis.RestartAsync();
            }
        });

        Assert.Equal(session, client.Contract!.SessionId);
    }

    // The test's own connection was cut by the restart too: until it has reconnected, a look fails rather than answers
    // (seen in CI: EXISTS timed out in the backlog 2 s after the restart), and counts as "not yet".
    private static async Task<bool> HolderWrittenAsync(StackExchange.Redis.ConnectionMultiplexer inspector, StackExchange.Redis.RedisKey holder)
    {
        try
        {
            return await inspector.GetDatabase().KeyExistsAsync(holder);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisConnectionException or StackExchange.Redis.RedisTimeoutException)
        {
            return false;
        }
    }

    /// <summary>Ticks 1 to <paramref name="ticks"/> (a one-way push and an echoed call each, <paramref name="before"/> first); asserts every answer and every push arrived once, in order.</summary>
    /// <returns>The node that answered each tick.</returns>
    private static async Task<List<string>> TickAsync(Ticker.Client ticker, TickerView view, int ticks, Func<long, Task> before)
    {
        var answeredBy = new List<string>(ticks);
        for (long i = 1; i <= ticks; i++)
        {
            await before(i);
            await ticker.Push(new Tick(i));
            Ticked answer = await ticker.Echo(new Tick(i));
            Assert.Equal(i, answer.Number);
            answeredBy.Add(answer.Node);
        }

        await Wait.UntilAsync(() => view.Pushed.Count >= ticks, "every push");
        Assert.Equal(Enumerable.Range(1, ticks).Select(static i => (long)i), view.Pushed.Select(static p => p.Number));
        return answeredBy;
    }

    private static async Task<(TetherClient Client, TickerView View, Ticker.Client Ticker)> ConnectAsync(TcpForwarder balancer)
    {
        var view = new TickerView();
        var client = new TetherClient();
        client.AddHandler(view);
        await client.StartAsync(balancer.EndPoint);
        return (client, view, new Ticker.Client(client));
    }

    private static async Task<TetherServer> StartNodeAsync(RedisProcess redis, string name)
    {
        var options = new TetherServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) };
        options.UseRedisSessions(new TetherRedisOptions { Configuration = redis.Configuration, NodeName = name });
        var server = new TetherServer(options);
        server.AddHandler(session => new Ticker(session, name));
        await server.StartAsync();
        return server;
    }
}
