using System.Net;
using Tether.Client;
using Tether.Samples.Echo;
using Tether.Server;

// No arguments: the self-contained demo. "--server PORT" runs a server until Ctrl+C;
// "--client HOST:PORT TEXT..." echoes each TEXT through a running server.
if (args.Length == 0)
{
    return await Demo.RunAsync(Console.Out);
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
switch (args[0])
{
    case "--server" when args.Length == 2 && int.TryParse(args[1], out int port):
        await using (var server = new TetherServer(new TetherServerOptions { EndPoint = new IPEndPoint(IPAddress.Any, port) }))
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
    case "--client" when args.Length >= 2 && IPEndPoint.TryParse(args[1], out IPEndPoint? endPoint):
        await using (TetherClient client = await TetherClient.ConnectAsync(endPoint, cancellationToken: stop.Token))
        {
            var echo = new EchoHandler.Client(client);
            foreach (string text in args.Skip(2))
            {
                Console.WriteLine((await echo.Echo(new EchoRequest(text), stop.Token)).Text);
            }
        }

        return 0;
    default:
        Console.Error.WriteLine("usage: Tether.Samples.Echo [--server PORT | --client HOST:PORT TEXT...]");
        return 2;
}
