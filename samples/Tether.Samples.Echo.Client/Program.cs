using System.Net;
using Tether;
using Tether.Samples.Echo;

// "HOST:PORT TEXT...": echoes each TEXT through a running Echo server (Tether.Samples.Echo --server PORT), then shouts
// once one-way. This program references only the contracts assembly.
if (args.Length < 1 || !IPEndPoint.TryParse(args[0], out IPEndPoint? endPoint))
{
    Console.Error.WriteLine("usage: Tether.Samples.Echo.Client HOST:PORT TEXT...");
    return 2;
}

using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
await using TetherClient client = await TetherClient.ConnectAsync(endPoint, cancellationToken: stop.Token);
var echo = new IEcho.Client(client);
foreach (string text in args.Skip(1))
{
    EchoReply reply = await echo.Echo(new EchoRequest(text), stop.Token);
    Console.WriteLine($"{reply.Text} (session {reply.ServedBySession})");
}

await echo.Shout(new Shout("bye"), stop.Token);
return 0;
