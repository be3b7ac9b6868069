using System.Net;
using Tether.Conformance.Tests.Support;
using Tether.Quic.Connections;
using Tether.Transport;

namespace Tether.Conformance.Tests.Quic;

/// <summary>
/// A QUIC connection runs what a received batch wakes (its call streams' readers, hence its handlers) in one turn on
/// the thread pool. A server's endpoint serves every connection from one receive loop, so a handler that holds its
/// thread must hold up its own connection's turn only, never the endpoint or another connection. A caller resumes in
/// the turn that read its answer, so its next request leaves in that turn's send pass.
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

    [Fact]
    public async Task A_caller_resumes_in_the_turn_that_read_its_answer()
    {
        // Then the caller's next request is flushed in that turn and leaves in its send pass, not after two more hops.
        TransportUnderTest quic = TransportUnderTest.Quic();
        var connector = new RecordingConnector(quic.Connector);
        await using var server = new TetherServer(new TetherServerOptions { EndPoint = quic.NewEndPoint(), Transport = quic.Listener });
        server.AddHandler(new ConformanceHandler(new Probe()));
        await server.StartAsync();
        await using var client = await TetherClient.ConnectAsync(server.LocalEndPoint!, new TetherClientOptions { Transport = connector }).Within();
        var link = Assert.IsType<QuicConnection>(connector.Connected);
        Assert.Same(link.Turn, link.CompletionScheduler);

        bool[] resumedInTurn = await CallInSequenceAsync(client, link, 20);

        // A call issued from outside the turn (the first, from the test's thread) may be answered before its caller
        // awaits it, and then resumes on the caller's own thread. Once a call resumed in the turn, every later one
        // is issued from the turn and must resume in it too.
        int first = Array.IndexOf(resumedInTurn, true);
        Assert.InRange(first, 0, 9);
        Assert.All(resumedInTurn[first..], inTurn => Assert.True(inTurn, "a call issued in the turn resumed outside it"));
    }

    /// <returns>For each of <paramref name="calls"/> calls in sequence, whether its caller resumed in <paramref name="link"/>'s turn.</returns>
    private static async Task<bool[]> CallInSequenceAsync(TetherClient client, QuicConnection link, int calls)
    {
        var resumedInTurn = new bool[calls];
        for (int i = 0; i < calls; i++)
        {
            // Not through Within(): its wait would move the continuation. The call's own timeout catches a hang.
            EchoReply reply = await client.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(i, "turn"), Harness.Patience).ConfigureAwait(false);
            Assert.Equal(i, reply.Id);
            resumedInTurn[i] = link.Turn.IsRunningHere;
        }

        return resumedInTurn;
    }

    private sealed class RecordingConnector(ITransportConnector inner) : ITransportConnector
    {
        public TransportConnection? Connected { get; private set; }

        public async ValueTask<TransportConnection> ConnectAsync(EndPoint endPoint, TransportConnectionOptions options, CancellationToken cancellationToken = default) =>
            Connected = await inner.ConnectAsync(endPoint, options, cancellationToken);
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
