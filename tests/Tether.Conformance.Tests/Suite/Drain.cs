using Tether.Conformance.Tests.Support;
using Tether.Framing;

namespace Tether.Conformance.Tests.Suite;

public abstract partial class ConformanceSuite
{
    [Fact]
    public async Task Graceful_stop_lets_in_flight_calls_finish_and_refuses_new_ones()
    {
        await using Harness harness = await StartAsync(o => o.DrainTimeout = TimeSpan.FromSeconds(30));
        TetherClient client = await harness.ConnectAsync();
        await using RawPeer late = await RawPeer.ConnectAsync(harness);
        await late.SendHelloAsync();
        await late.ReadFrameAsync();
        Task inFlight = client.RequestAsync(new BlockRequest(1)).AsTask();
        await harness.Probe.Started.NextAsync();

        Task stopping = harness.Server.StopAsync();

        // The client learns from the goaway and refuses new calls itself...
        await client.GoingAway.Within();
        var refused = await Assert.ThrowsAsync<TetherException>(() => client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(1, "late")).Within());
        Assert.Equal(TetherErrorCode.GoingAway, refused.Code);

        // ...and a request that reaches the server after its goaway is answered with the same typed error.
        var goAway = await late.ReadFrameAsync();
        Assert.Equal(FrameType.GoAway, goAway?.Header.Type);
        await late.SendFrameAsync(FrameType.Request, 7, 1, TetherCodec.ToArray(new EchoRequest(7, "late")));
        var error = await late.ReadFrameAsync();
        Assert.Equal(FrameType.Error, error?.Header.Type);
        Assert.Equal(7u, error?.Header.CallId);
        Assert.Equal((int)TetherErrorCode.GoingAway, error?.Header.MessageId);

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
        // The session ended before the server acknowledged the request (NotDelivered: it did arrive, the client cannot know).
        Assert.True(error.Code is TetherErrorCode.CallCanceled or TetherErrorCode.ConnectionClosed or TetherErrorCode.NotDelivered, error.Code.ToString());
    }
}
