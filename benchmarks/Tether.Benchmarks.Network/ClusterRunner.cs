using System.Diagnostics;
using System.Net;
using Tether.Redis;
using Tether.Redis.Tests.Support;
using Tether.Samples.Cluster;

namespace Tether.Benchmarks.Network;

/// <summary>
/// <c>--cluster [sends] [messages]</c>: issue 26's figures, with a redis-server of its own on loopback and the nodes in
/// this process (each its own server, Redis connections and clients): send-to-session latency across nodes and on one
/// node, broadcast fan-out with three nodes and with one, and how long a moved client takes to resume on another node
/// and on the same one. Beside each, the single-node figure without Redis.
/// </summary>
public static class ClusterRunner
{
    public static async Task<int> RunAsync(int sends, int messages)
    {
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await LatencyAsync(redis, sends);
        await FanOutAsync(redis, messages, nodes: 3);
        await FanOutAsync(redis, messages, nodes: 1);
        await ResumeAsync(redis, rounds: 30);
        return 0;
    }

    private static async Task LatencyAsync(RedisProcess redis, int sends)
    {
        await using Node a = await Node.StartAsync(redis, "a");
        await using Node b = await Node.StartAsync(redis, "b");
        (TetherClient client, Probe probe, Guid session) = await b.ConnectAsync();
        await using (client)
        {
            Console.WriteLine($"send-to-session, {sends:N0} sequential sends, time until the client has the push:");
            Report("  across nodes (a → Redis → b)", await MeasureAsync(sends, probe, i => a.Backplane.SendToSessionAsync(session, new Line("x", "a", i))));
            Report("  one node, through Redis (b → b)", await MeasureAsync(sends, probe, i => b.Backplane.SendToSessionAsync(session, new Line("x", "b", i))));
            Report("  one node, no backplane (SendToAsync)", await MeasureAsync(sends, probe, i => b.Server.SendToAsync(session, new Line("x", "b", i))));
        }
    }

    private static async Task<List<double>> MeasureAsync(int sends, Probe probe, Func<long, ValueTask> send)
    {
        for (long i = 0; i < 200; i++)
        {
            probe.Expect(1);
            await send(i);
            await probe.Arrived; // warm-up
        }

        var micros = new List<double>(sends);
        for (long i = 0; i < sends; i++)
        {
            probe.Expect(1);
            long started = Stopwatch.GetTimestamp();
            await send(i);
            await probe.Arrived.WaitAsync(Wait.Patience);
            micros.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }

        return micros;
    }

    private static async Task FanOutAsync(RedisProcess redis, int messages, int nodes)
    {
        const int ClientsPerNode = 30;
        var started = new List<Node>();
        var clients = new List<(TetherClient Client, Probe Probe)>();
        try
        {
            for (int n = 0; n < nodes; n++)
            {
                started.Add(await Node.StartAsync(redis, "n" + n));
            }

            int perNode = ClientsPerNode / nodes;
            foreach (Node node in started)
            {
                for (int c = 0; c < perNode; c++)
                {
                    (TetherClient client, Probe probe, _) = await node.ConnectAsync();
                    clients.Add((client, probe));
                }
            }

            foreach ((_, Probe probe) in clients)
            {
                probe.Expect(messages);
            }

            long begun = Stopwatch.GetTimestamp();
            var publishing = new List<Task>(256);
            for (long i = 0; i < messages; i++)
            {
                publishing.Add(started[0].Backplane.BroadcastAsync(new Line("*", "n0", i)).AsTask());
                if (publishing.Count == 256)
                {
                    await Task.WhenAll(publishing);
                    publishing.Clear();
                }
            }

            await Task.WhenAll(publishing);
            Task all = Task.WhenAll(clients.Select(static c => c.Probe.Arrived));
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(60)));
            double seconds = Stopwatch.GetElapsedTime(begun).TotalSeconds;
            long delivered = clients.Sum(static c => c.Probe.Received);
            Console.WriteLine($"broadcast from one node to {clients.Count} clients on {nodes} node(s): {messages:N0} messages in {seconds:F2} s = {messages / seconds:N0} messages/s published, {delivered / seconds:N0} deliveries/s ({delivered:N0} of {(long)messages * clients.Count:N0} delivered)");
            if (nodes == 1)
            {
                // The same without Redis: the server's own broadcast, encoded once, copied to each send queue.
                foreach ((_, Probe probe) in clients)
                {
                    probe.Expect(messages);
                }

                begun = Stopwatch.GetTimestamp();
                long dropped = 0;
                for (long i = 0; i < messages; i++)
                {
                    dropped += started[0].Server.Broadcast(new Line("*", "n0", i)).Dropped;
                }

                await Task.WhenAny(Task.WhenAll(clients.Select(static c => c.Probe.Arrived)), Task.Delay(TimeSpan.FromSeconds(60)));
                seconds = Stopwatch.GetElapsedTime(begun).TotalSeconds;
                delivered = clients.Sum(static c => c.Probe.Received);
                Console.WriteLine($"  the same with TetherServer.Broadcast (no backplane): {messages / seconds:N0} messages/s, {delivered / seconds:N0} deliveries/s ({dropped:N0} dropped at full send queues)");
            }
        }
        finally
        {
            foreach ((TetherClient client, _) in clients)
            {
                await client.DisposeAsync();
            }

            foreach (Node node in started)
            {
                await node.DisposeAsync();
            }
        }
    }

    private static async Task ResumeAsync(RedisProcess redis, int rounds)
    {
        await using Node a = await Node.StartAsync(redis, "a");
        await using Node b = await Node.StartAsync(redis, "b");
        await using var balancer = new TcpForwarder((IPEndPoint)a.Server.LocalEndPoint!);
        // The first reconnect attempt right away (the default waits 1 s first): what is measured is the resume itself.
        await using var client = new TetherClient(new TetherClientOptions { Reconnect = { InitialDelay = TimeSpan.FromMilliseconds(1), Jitter = 0 } });
        client.AddHandler(new Probe());
        await client.StartAsync(balancer.EndPoint);
        var rooms = new RoomHandler.Client(client);
        await rooms.Echo(new Say("r", 0));
        var moved = new List<double>();
        var stayed = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            Node target = round % 2 == 0 ? b : a;
            long started = Stopwatch.GetTimestamp();
            balancer.MoveTo((IPEndPoint)target.Server.LocalEndPoint!);
            Line answer = await rooms.Echo(new Say("r", round)); // waits for the resume
            moved.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (answer.Node != target.Backplane.NodeId)
            {
                throw new InvalidOperationException($"answered by {answer.Node}, not {target.Backplane.NodeId}");
            }

            started = Stopwatch.GetTimestamp();
            balancer.MoveTo((IPEndPoint)target.Server.LocalEndPoint!); // cut, and back to the same node
            await rooms.Echo(new Say("r", round));
            stayed.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        Console.WriteLine($"resume after the link is cut ({rounds} each; first reconnect attempt after 1 ms), from the cut to the first answer: on another node median {Rates.Median(moved):F1} ms (p90 {Percentile(moved, 0.9):F1}), on the same node median {Rates.Median(stayed):F1} ms (p90 {Percentile(stayed, 0.9):F1})");
    }

    private static void Report(string what, List<double> micros) =>
        Console.WriteLine($"{what,-40} p50 {Percentile(micros, 0.5),8:F0} µs   p99 {Percentile(micros, 0.99),8:F0} µs");

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
    }

    /// <summary>A node in this process: a server with the cluster sample's handlers, sessions in Redis, and a backplane.</summary>
    private sealed class Node : IAsyncDisposable
    {
        private Node(TetherServer server, TetherRedisBackplane backplane)
        {
            Server = server;
            Backplane = backplane;
        }

        public TetherServer Server { get; }

        public TetherRedisBackplane Backplane { get; }

        public static async Task<Node> StartAsync(RedisProcess redis, string name)
        {
            var options = new TetherRedisOptions { Configuration = redis.Configuration, NodeName = name, PollInterval = TimeSpan.FromMilliseconds(50) };
            var server = new TetherServer(new TetherServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) }.UseRedisSessions(options));
            TetherRedisBackplane backplane = await TetherRedisBackplane.StartAsync(server, options);
            server.AddHandler(session => new RoomHandler(session, backplane));
            await server.StartAsync();
            return new Node(server, backplane);
        }

        public async Task<(TetherClient Client, Probe Probe, Guid Session)> ConnectAsync()
        {
            var probe = new Probe();
            var client = new TetherClient();
            client.AddHandler(probe);
            await client.StartAsync(Server.LocalEndPoint!);
            Joined joined = await new RoomHandler.Client(client).Join(new JoinRoom("r"));
            return (client, probe, Guid.ParseExact(joined.Session, "N"));
        }

        public async ValueTask DisposeAsync()
        {
            await Backplane.DisposeAsync();
            await Server.DisposeAsync();
        }
    }
}

/// <summary>Client side of --cluster: counts the lines pushed and signals when the expected number arrived.</summary>
[Handler(ServiceName = "RoomView")]
public sealed partial class Probe
{
    private long _received;
    private long _expected;
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Received => Interlocked.Read(ref _received);

    public Task Arrived => _arrived.Task;

    public void Expect(long count)
    {
        Interlocked.Exchange(ref _received, 0);
        Interlocked.Exchange(ref _expected, count);
        _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void Show(Line line)
    {
        if (Interlocked.Increment(ref _received) == Interlocked.Read(ref _expected))
        {
            _arrived.TrySetResult();
        }
    }
}
