using System.Diagnostics;
using System.Net;

namespace Tether.Samples.Echo;

/// <summary>The self-contained demo: a server and a client on loopback TCP, in one process.</summary>
public static class Demo
{
    public static async Task<int> RunAsync(TextWriter output, CancellationToken cancellationToken = default)
    {
        var handler = new EchoHandler();
        await using var server = new TetherServer(new TetherServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) });
        server.AddHandler(handler);
        await server.StartAsync(cancellationToken);
        output.WriteLine($"[server] listening on {server.LocalEndPoint}");

        await using TetherClient client = await TetherClient.ConnectAsync(server.LocalEndPoint!, cancellationToken: cancellationToken);
        output.WriteLine($"[client] connected from {client.LocalEndPoint} over {client.TransportName}");

        var echo = new IEcho.Client(client);
        foreach (string text in new[] { "hello", "héllo wörld", "ping" })
        {
            EchoReply reply = await echo.Echo(new EchoRequest(text), cancellationToken);
            output.WriteLine($"[client] echo \"{text}\" -> \"{reply.Text}\" (session {reply.ServedBySession})");
        }

        for (int i = 0; i < 3; i++)
        {
            await echo.Shout(new Shout($"shout {i}"), cancellationToken);
        }

        TimeSpan rtt = await client.PingAsync(cancellationToken);
        output.WriteLine($"[client] ping round trip {rtt.TotalMicroseconds:F0} µs");

        const int callers = 16, perCaller = 2_000;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async c =>
        {
            for (int i = 0; i < perCaller; i++)
            {
                await echo.Echo(new EchoRequest("x"), cancellationToken);
            }
        }));
        clock.Stop();
        output.WriteLine($"[client] {callers * perCaller:N0} echoes from {callers} concurrent callers in {clock.ElapsedMilliseconds} ms (informal; see benchmarks/ for measurements)");

        // One-way messages are not acknowledged: a round trip behind them shows they have been handled.
        await echo.Echo(new EchoRequest("barrier"), cancellationToken);
        output.WriteLine($"[server] one-way shouts received: {handler.Shouts}");
        SessionInfo info = server.Sessions.Single().GetInfo();
        output.WriteLine($"[server] session {info.Id}: {info.Transport} from {info.RemoteEndPoint}, {info.State}, calls {info.CallsStarted:N0}, frames in {info.FramesReceived:N0}, bytes in {info.BytesReceived:N0} / out {info.BytesSent:N0}");

        await server.StopAsync(cancellationToken);
        await client.Closed;
        output.WriteLine("[server] stopped gracefully; client closed");
        output.WriteLine("done");
        return handler.Shouts == 3 ? 0 : 1;
    }
}
