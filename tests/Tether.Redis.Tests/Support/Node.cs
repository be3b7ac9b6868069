using System.Net;
using Tether.Samples.Cluster;

namespace Tether.Redis.Tests.Support;

/// <summary>A node in this process: a server on loopback with the cluster sample's handlers and its own Redis connection.</summary>
internal sealed class Node : IAsyncDisposable
{
    private readonly List<ClusterClient> _clients = [];
    private bool _abandoned;

    private Node(TetherServer server, TetherRedisBackplane backplane)
    {
        Server = server;
        Backplane = backplane;
    }

    public TetherServer Server { get; }

    public TetherRedisBackplane Backplane { get; }

    public List<BackplaneGap> Gaps { get; } = [];

    public int DataLosses;

    public static async Task<Node> StartAsync(RedisProcess redis, string name, Action<TetherRedisOptions>? configure = null)
    {
        var server = new TetherServer(new TetherServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) });
        var options = new TetherRedisOptions
        {
            Configuration = redis.Configuration,
            Redis = redis.Certificate is null ? null : redis.Options(),
            NodeName = name,
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
            NodeTimeout = TimeSpan.FromSeconds(1),
            PollInterval = TimeSpan.FromMilliseconds(50),
        };
        configure?.Invoke(options);
        TetherRedisBackplane backplane = await TetherRedisBackplane.StartAsync(server, options);
        var node = new Node(server, backplane);
        backplane.GapDetected += gap =>
        {
            lock (node.Gaps)
            {
                node.Gaps.Add(gap);
            }
        };
        backplane.RedisDataLost += () => Interlocked.Increment(ref node.DataLosses);
        server.AddHandler(session => new RoomHandler(session, backplane));
        await server.StartAsync();
        return node;
    }

    public async Task<ClusterClient> ConnectAsync()
    {
        var view = new RoomView();
        var client = new TetherClient();
        client.AddHandler(view);
        await client.StartAsync(Server.LocalEndPoint!);
        var connected = new ClusterClient(client, view, new RoomHandler.Client(client));
        _clients.Add(connected);
        return connected;
    }

    /// <summary>Stops as a killed process would: no goodbye to the cluster, its heartbeat just stops.</summary>
    public async Task AbandonAsync()
    {
        _abandoned = true;
        await Backplane.AbandonAsync();
        foreach (ClusterClient client in _clients)
        {
            await client.Client.DisposeAsync();
        }

        await Server.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_abandoned)
        {
            return;
        }

        foreach (ClusterClient client in _clients)
        {
            await client.Client.DisposeAsync();
        }

        await Backplane.DisposeAsync();
        await Server.DisposeAsync();
    }
}

internal sealed record ClusterClient(TetherClient Client, RoomView View, RoomHandler.Client Rooms)
{
    /// <summary>The numbers pushed from <paramref name="node"/> into <paramref name="room"/>, in arrival order.</summary>
    public List<long> From(string room, string node) => [.. View.Lines.Where(l => l.Room == room && l.Node == node).Select(static l => l.Number)];

    public int Count(string room) => View.Lines.Count(l => l.Room == room);
}
