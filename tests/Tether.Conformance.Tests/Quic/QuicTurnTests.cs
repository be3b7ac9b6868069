using Tether.Client;
using Tether.Conformance.Tests.Support;
using Tether.Dispatch;
using Tether.Server;

namespace Tether.Conformance.Tests.Quic;

/// <summary>
/// A QUIC connection runs what a received batch wakes (its call streams' readers, hence its handlers) in one turn on
/// the thread pool. A server's endpoint serves every connection from one receive loop, so a handler that holds its
/// thread must hold up its own connection's turn only, never the endpoint or another connection.
/// </summary>
public sealed class QuicTurnTests
{
    [Fact]
    public async Task A_handler_that_holds_its_thread_holds_up_no_other_connection()
    {
        using var release = new ManualResetEventSlim();
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TransportUnderTest quic = TransportUnderTest.Quic();
        await using var server = new TetherServer(new TetherServerOptions { EndPoint = quic.NewEndPoint(), Transport = quic.Listener });
        server.AddHandler(new ConformanceHandler(new Probe()));
        server.AddHandler(new ThreadHoldingHandler(release, holding));
        await server.StartAsync();
        await using var held = await TetherClient.ConnectAsync(server.LocalEndPoint!, new TetherClientOptions { Transport = quic.Connector }).Within();
        await using var other = await TetherClient.ConnectAsync(server.LocalEndPoint!, new TetherClientOptions { Transport = quic.Connector }).Within();

        Task<HoldReply> blocked = held.RequestAsync<HoldRequest, HoldReply>(new HoldRequest(7)).AsTask();
        await holding.Task.Within();
        for (int i = 0; i < 50; i++)
        {
            EchoReply reply = await other.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(i, "past the held thread")).AsTask().Within();
            Assert.Equal(i, reply.Id);
        }

        Assert.False(blocked.IsCompleted);
        release.Set();
        Assert.Equal(7, (await blocked.Within()).Id);
    }
}

[Message(60)]
public sealed partial record HoldRequest(int Id);

[Message(61)]
public sealed partial record HoldReply(int Id);

/// <summary>Blocks the thread it runs on (synchronously, as CPU-bound or blocking user code would) until released.</summary>
[Handler(ServiceName = "ThreadHolding")]
public sealed partial class ThreadHoldingHandler(ManualResetEventSlim release, TaskCompletionSource holding)
{
    public HoldReply Hold(HoldRequest request)
    {
        holding.TrySetResult();
        // Bounded, so a broken runtime fails the test rather than hanging the run.
        return release.Wait(Harness.Patience) ? new HoldReply(request.Id) : throw new TimeoutException("never released");
    }
}
