using System.Net;
using Tether;
using Tether.Samples.Durable;
using Tether.Storage;

// Usage:
//   Tether.Samples.Durable --server PORT DIR   a server on 127.0.0.1:PORT keeping its sessions in DIR/sessions and
//                                              its handler's effects in DIR/effects (kill it with -9, start it again)
//   Tether.Samples.Durable [TICKS [KILLS]]     the demo: runs such a server as a child process, streams TICKS numbered
//                                              ticks (default 3,000) while killing it KILLS times (default 3), and
//                                              exits 0 only if the same session saw every tick applied and echoed once
if (args is ["--server", string portText, string directory])
{
    return await RunServerAsync(int.Parse(portText, System.Globalization.CultureInfo.InvariantCulture), directory);
}

long ticks = args.Length > 0 && long.TryParse(args[0], out long t) && t > 0 ? t : 3_000;
int kills = args.Length > 1 && int.TryParse(args[1], out int k) && k >= 0 ? k : 3;
return await Demo.RunAsync(Console.Out, ticks, kills);

static async Task<int> RunServerAsync(int port, string directory)
{
    Directory.CreateDirectory(Path.Combine(directory, "effects"));
    await using var server = new TetherServer(new TetherServerOptions
    {
        EndPoint = new IPEndPoint(IPAddress.Loopback, port),
        DurableSessions = new DurableStoreOptions { Directory = Path.Combine(directory, "sessions"), Durability = DurabilityMode.Always },
    });
    server.AddHandler(new LedgerHandler(new Inbox(Path.Combine(directory, "effects")), new Reservations(directory)));
    await server.StartAsync();
    Console.WriteLine($"listening {((IPEndPoint)server.LocalEndPoint!).Port} with {server.Sessions.Count} sessions restored");
    var stop = new TaskCompletionSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.TrySetResult();
    };
    await stop.Task;
    return 0;
}
