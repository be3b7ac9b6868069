using Tether.Client;
using Tether.Conformance.Tests.Support;

namespace Tether.Conformance.Tests.Suite;

public abstract partial class ConformanceSuite
{
    [Fact]
    public async Task Graceful_stop_lets_in_flight_calls_finish_and_refuses_new_ones()
    {
        await using Harness harness = await StartAsync(o => o.DrainTimeout = TimeSpan.FromSeconds(30));
        TetherClient client = await harness.ConnectAsync();
        Task inFlight = client.RequestAsync(new BlockRequest(1)).AsTask();
        await harness.Probe.Started.NextAsync();

        Task stopping = harness.Server.StopAsync();
        var refused = await Assert.ThrowsAsync<TetherException>(async () =>
        {
            // The goaway may still be on its way: until it arrives the call goes out and the server refuses it.
            using var timeout = new CancellationTokenSource(Harness.Patience);
            while (true)
            {
                await client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(1, "late"));
                await Task.Delay(1, timeout.Token);
            }
        });

        Assert.Equal(TetherErrorCode.GoingAway, refused.Code);
        Assert.False(stopping.IsCompleted);
        harness.Probe.Gate.SetResult();
        await inFlight.Within();
        await stopping.Within();
        await client.Closed.Within();
    }

    [Fact]
    public async Task Drain_timeout_cancels_calls_that_do_not_finish()
    {
        await using Harness harness = await StartAsync(o => o.DrainTimeout = TimeSpan.FromMilliseconds(200));
        TetherClient client = await harness.ConnectAsync();
        Task<EchoReply> stuck = client.RequestAsync<SlowRequest, EchoReply>(new SlowRequest(3), Timeout.InfiniteTimeSpan).AsTask();
        await harness.Probe.Started.NextAsync();

        await harness.Server.StopAsync().Within();

        Assert.Equal(3, await harness.Probe.Cancellations.NextAsync());
        var error = await Assert.ThrowsAsync<TetherException>(() => stuck.Within());
        Assert.True(error.Code is TetherErrorCode.CallCanceled or TetherErrorCode.ConnectionClosed, error.Code.ToString());
    }
}
