using Tether.Conformance.Tests.Support;
using Tether.Transport.InMemory;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>
/// A bidirectional stream across links cut at random points: its items, input items and credit grants are sequenced
/// and replayed like any frame, so every item is echoed exactly once, in order, and the windows stay consistent.
/// </summary>
public sealed class StreamResumeTests
{
    private const int Items = 5_000;

    [Fact]
    public async Task A_bidirectional_echo_survives_cut_links_with_every_item_once_in_order()
    {
        var memory = new InMemoryTransport();
        var chaos = new ChaosConnector(memory);
        var server = new TetherServer(new TetherServerOptions { Transport = memory, EndPoint = new InMemoryEndPoint(Guid.NewGuid().ToString("N")) });
        server.AddHandler(new StreamsHandler(new Probe()));
        await server.StartAsync();
        await using (server)
        {
            await using var client = new TetherClient(ResumeTests.FastReconnect(new TetherClientOptions { Transport = chaos }));
            await client.StartAsync(server.LocalEndPoint!).Within();
            var streams = new StreamsHandler.Client(client);

            var random = new Random(26);
            chaos.Arm(() => random.Next(4_000, 20_000)); // bytes per link before it is cut
            using DuplexStreamingCall<Tick, Tick> call = streams.OpenEcho();
            Task writer = Task.Run(async () =>
            {
                for (int i = 0; i < Items; i++)
                {
                    await call.RequestStream.WriteAsync(new Tick(i));
                }

                await call.RequestStream.CompleteAsync();
            });

            var echoed = new List<int>(Items);
            using var patience = new CancellationTokenSource(Harness.Patience);
            await foreach (Tick tick in call.ReadResponsesAsync(patience.Token))
            {
                echoed.Add(tick.Sequence);
            }

            await writer.Within();
            chaos.Arm(() => long.MaxValue);

            Assert.Equal(Enumerable.Range(0, Items), echoed);
            Assert.True(chaos.Cuts >= 3, $"only {chaos.Cuts} cuts");
            Assert.Equal(SessionState.Active, client.State);
        }
    }
}
