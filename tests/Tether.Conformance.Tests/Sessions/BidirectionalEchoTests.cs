using Tether.Conformance.Tests.Support;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>
/// A million items through a bidirectional echo over TCP with memory bounded on both sides by the streams' windows
/// (decision 0026): a writer that outruns its reader waits for credit instead of buffering.
/// </summary>
public sealed class BidirectionalEchoTests
{
    private const int Items = 1_000_000;
    private const int Window = 256; // both sides' StreamBufferItems (the default)

    [Fact]
    public async Task A_million_items_echo_in_order_with_no_more_in_flight_than_the_two_windows()
    {
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp(), o => o.StreamBufferItems = Window);
        TetherClient client = await harness.ConnectAsync(o => o.StreamBufferItems = Window);
        var streams = new StreamsHandler.Client(client);
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(5)); // catches a hang only

        using DuplexStreamingCall<Tick, Tick> call = streams.OpenEcho(patience.Token);
        long written = 0;
        Task writer = Task.Run(async () =>
        {
            for (int i = 0; i < Items; i++)
            {
                await call.RequestStream.WriteAsync(new Tick(i), patience.Token);
                Volatile.Write(ref written, i + 1);
            }

            await call.RequestStream.CompleteAsync();
        });

        long read = 0, mostInFlight = 0;
        await foreach (Tick tick in call.ReadResponsesAsync(patience.Token))
        {
            Assert.Equal(read, tick.Sequence);
            read++;
            mostInFlight = Math.Max(mostInFlight, Volatile.Read(ref written) - read);
        }

        await writer;
        Assert.Equal(Items, read);

        // Sent but not yet read: at most the handler's input window, the caller's response window and the item the
        // handler holds between reading and echoing it. Counted in items, because every buffer on the way is bounded in
        // items (the process's heap is shared with the tests running beside this one, so it would measure them too).
        Assert.InRange(mostInFlight, 0, (2 * Window) + 1);
    }
}
