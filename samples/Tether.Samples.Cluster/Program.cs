using System.Net;
using Tether;
using Tether.Redis;
using Tether.Samples.Cluster;

// A node of a chat cluster: a Tether server whose rooms, announcements and whispers reach the clients of every node
// through Redis, and whose sessions are kept in Redis, so they resume on another node. Start several on one Redis:
//   Tether.Samples.Cluster <port> <redis-configuration> <node-name>
// e.g. `Tether.Samples.Cluster 7001 127.0.0.1:6379 a` and `Tether.Samples.Cluster 7002 127.0.0.1:6379 b`.
// It prints one "listening" line, then an event line per node joined or left, Redis data loss and gap; it stops when
// its standard input closes.
if (args.Length != 3 || !int.TryParse(args[0], out int port))
{
    Console.Error.WriteLine("usage: Tether.Samples.Cluster <port> <redis-configuration> <node-name>");
    return 2;
}

var redis = new TetherRedisOptions
{
    Configuration = args[1],
    NodeName = args[2],
    HeartbeatInterval = TimeSpan.FromMilliseconds(200),
    NodeTimeout = TimeSpan.FromSeconds(2),
};

// Sessions live in Redis: a client whose node dies (or that a load balancer moves) resumes its session on another node.
await using var server = new TetherServer(new TetherServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, port) }.UseRedisSessions(redis));
await using TetherRedisBackplane backplane = await TetherRedisBackplane.StartAsync(server, redis);
backplane.NodeJoined += node => Console.WriteLine($"joined {node}");
backplane.NodeLeft += node => Console.WriteLine($"left {node}");
backplane.RedisDataLost += () => Console.WriteLine("redis-data-lost");
backplane.GapDetected += gap => Console.WriteLine($"gap {gap.Origin} {gap.FirstMissing} {gap.Count}");
server.AddHandler(session => new RoomHandler(session, backplane));
await server.StartAsync();
Console.WriteLine($"listening {((IPEndPoint)server.LocalEndPoint!).Port} {backplane.NodeId}");

await Console.In.ReadToEndAsync(); // the parent closes our input to stop us
return 0;
