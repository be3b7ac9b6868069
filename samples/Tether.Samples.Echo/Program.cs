using System.Net;
using Tether;
using Tether.Samples.Echo;

// No arguments: the self-contained demo. "--server PORT [ADDRESS]" runs a server until Ctrl+C (on every address
// unless one is given); the client is its own program, Tether.Samples.Echo.Client, which knows only the contracts.
if (args.Length == 0)
{
    return await Demo.RunAsync(Console.Out);
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
switch (args[0])
{
    case "--server" when args.Length is 2 or 3 && int.TryParse(args[1], out int port):
        IPAddress address = args.Length == 3 ? IPAddress.Parse(args[2]) : IPAddress.Any;
        await using (var server = new TetherServer(new TetherServerOptions { EndPoint = new IPEndPoint(address, port) }))
        {
            server.AddHandler(new EchoHandler());
            await server.StartAsync();
            Console.WriteLine($"listening on {server.LocalEndPoint}; Ctrl+C stops");
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (stop.Token.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), stopped))
            {
                await stopped.Task; // until Ctrl+C
            }
        }

        return 0;
    default:
        Console.Error.WriteLine("usage: Tether.Samples.Echo [--server PORT [ADDRESS]]");
        return 2;
}
