using System.Diagnostics;
using System.Globalization;
using System.Net;
using Grpc.Net.Client;
using Tether.Benchmarks.Network.Grpc;

namespace Tether.Benchmarks.Network;

/// <summary>
/// <c>--bidi [messages] [rounds]</c>: one bidirectional stream echoing every Order written into it, writer and reader
/// running at once, against a server in its own process: Tether's generated client (flow-controlled per stream, decision
/// 0026) and gRPC-dotnet's duplex call over h2c. Reports echoed messages/s per round (issue 27).
/// </summary>
public static class BidiRunner
{
    public static async Task<int> RunAsync(int messages, int rounds)
    {
        var culture = CultureInfo.InvariantCulture;
        Console.WriteLine($"| framework | round | echoed messages/s ({messages:N0} through one stream) |");
        Console.WriteLine("|---|---:|---:|");
        foreach (string framework in new[] { "tether", "grpc" })
        {
            using ServerProcess server = ServerProcess.Start(framework);
            Func<int, Task<long>> echo = framework == "tether" ? await TetherAsync(server.Port) : Grpc(server.Port);
            await echo(Math.Min(messages, 50_000)); // warm-up
            for (int round = 1; round <= rounds; round++)
            {
                long start = Stopwatch.GetTimestamp();
                long echoed = await echo(messages);
                TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
                if (echoed != messages)
                {
                    throw new InvalidOperationException($"{framework} echoed {echoed:N0} of {messages:N0} messages.");
                }

                Console.WriteLine(string.Format(culture, "| {0} | {1} | {2:N0} |", framework, round, messages / elapsed.TotalSeconds));
            }
        }

        return 0;
    }

    private static async Task<Func<int, Task<long>>> TetherAsync(int port)
    {
        TetherClient client = await TetherClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), new TetherClientOptions { Resumable = true });
        var echo = new EchoHandler.Client(client);
        return async messages =>
        {
            using DuplexStreamingCall<Order, Order> call = echo.OpenChat();
            Task writer = Task.Run(async () =>
            {
                Order order = Order.Sample;
                for (int i = 0; i < messages; i++)
                {
                    await call.RequestStream.WriteAsync(order).ConfigureAwait(false);
                }

                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            });
            long echoed = 0;
            await foreach (Order _ in call.ReadResponsesAsync().ConfigureAwait(false))
            {
                echoed++;
            }

            await writer.ConfigureAwait(false);
            return echoed;
        };
    }

    private static Func<int, Task<long>> Grpc(int port)
    {
        GrpcChannel channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false },
        });
        var client = new EchoService.EchoServiceClient(channel);
        Grpc.Order order = Targets.GrpcTarget.SampleOrder;
        return async messages =>
        {
            using global::Grpc.Core.AsyncDuplexStreamingCall<Grpc.Order, Grpc.Order> call = client.Chat();
            Task writer = Task.Run(async () =>
            {
                for (int i = 0; i < messages; i++)
                {
                    await call.RequestStream.WriteAsync(order).ConfigureAwait(false);
                }

                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            });
            long echoed = 0;
            while (await call.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false))
            {
                echoed++;
            }

            await writer.ConfigureAwait(false);
            return echoed;
        };
    }
}
