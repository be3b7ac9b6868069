using System.Reflection;
using Tether.Conformance.Tests.Support;
using Tether.Connections;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>
/// The window rule (decision 0026) on a real connection: a reader that keeps up with a stream makes its window grow past
/// the initial 32 items, up to its <c>StreamBufferItems</c> and never beyond, well before the first heartbeat (15 s):
/// the stream's first grant has the session measure its round trip.
/// </summary>
public sealed class StreamWindowGrowthTests
{
    [Fact]
    public async Task A_reader_that_keeps_up_grows_its_window_without_waiting_for_a_heartbeat()
    {
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp());
        TetherClient client = await harness.ConnectAsync(o => o.StreamBufferItems = 128);
        Assert.Null(client.RoundTripTime); // nothing measured yet: no heartbeat so far
        var connection = (TetherConnection)typeof(TetherPeer).GetProperty("CurrentConnection", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(client)!;

        StreamCall<Tick> call = connection.StartStream<CountRequest, Tick>(MethodIds.Derive("Conformance", "Count"), new CountRequest(5_000, Endless: false), new CallOptions());
        int read = 0;
        using var patience = new CancellationTokenSource(Harness.Patience);
        while (await call.Reader.WaitToReadAsync(patience.Token))
        {
            while (call.TryRead(out Tick tick))
            {
                Assert.Equal(read++, tick.Sequence);
            }
        }

        Assert.Equal(5_000, read);
        Assert.InRange(call.Window.Window, 64, 128);
        Assert.NotNull(client.RoundTripTime); // asked for by the first grant
    }
}
