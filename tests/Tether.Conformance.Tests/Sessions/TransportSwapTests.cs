using System.Net;
using Tether.Conformance.Tests.Support;
using Tether.Quic;
using Tether.Transport;
using Tether.Transport.InMemory;
using Tether.Transport.Tcp;
using Tether.Transport.Tls;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>
/// A session resumes on another transport than the one it started on (the server's negotiated transport is tried
/// first), plain TCP to TLS or QUIC and back included, and stays resumable when the new link fails part-way through the swap.
/// </summary>
public sealed class TransportSwapTests
{
    private const int Messages = 2_000;

    [Theory]
    [InlineData("tcp", "inmemory")]
    [InlineData("inmemory", "tcp")]
    [InlineData("tcp", "tls")]
    [InlineData("tls", "tcp")]
    [InlineData("tcp", "quic")]
    [InlineData("quic", "tcp")]
    [InlineData("tls", "quic")]
    public async Task A_session_started_on_one_transport_resumes_on_the_other(string startOn, string swapTo)
    {
        await using var setup = await SwapSetup.StartAsync(startOn, swapTo);
        TetherClient client = setup.Client;
        Assert.Equal(startOn, client.TransportName);
        Assert.Equal(swapTo, client.Contract!.Transport); // the server prefers the other transport
        Guid sessionId = client.Contract.SessionId;

        ReconnectAttempt attempt = await setup.CutAndResumeAsync();

        Assert.True(attempt.Resumed);
        Assert.Equal(1, attempt.Attempt);
        Assert.Equal(swapTo, client.TransportName);
        Assert.Equal(swapTo, Assert.Single(setup.Server.Sessions, static s => s.State == SessionState.Active).GetInfo().Transport);
        Assert.Equal(sessionId, client.Contract!.SessionId);
        Assert.Equal(1, setup.PrimaryChaos.Cuts);
        Assert.Null(setup.Restarted);
        Assert.Equal(startOn == "quic", setup.PrimaryChaos.StreamsOpened > 0); // calls on QUIC streams before the cut...
        Assert.Equal(swapTo == "quic", setup.AlternateChaos.StreamsOpened > 0); // ...and after the resume
    }

    /// <summary>
    /// The first link on the new transport is cut after <paramref name="budget"/> bytes (both directions counted):
    /// in the client's resume hello, in the server's answer (after the server already rotated the token), or in the
    /// replay that follows. The old route is down too, so the session waits in Resuming and the next attempt resumes
    /// it on the new transport; nothing is lost or repeated.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(24)]
    [InlineData(64)]
    [InlineData(96)]
    [InlineData(128)]
    [InlineData(160)]
    [InlineData(256)]
    [InlineData(1024)]
    public async Task A_swap_whose_new_link_fails_part_way_stays_resumable(long budget)
    {
        int links = 0;
        await using var setup = await SwapSetup.StartAsync("tcp", "inmemory",
            alternateBudget: () => Interlocked.Increment(ref links) == 1 ? budget : long.MaxValue);
        Guid sessionId = setup.Client.Contract!.SessionId;
        setup.PrimaryChaos.RefuseConnects = true;

        ReconnectAttempt attempt = await setup.CutAndResumeAsync();

        Assert.True(attempt.Resumed);
        Assert.Equal(1, setup.AlternateChaos.Cuts); // the swap's first link really was cut
        Assert.Equal(2, Volatile.Read(ref links));
        Assert.Equal("inmemory", setup.Client.TransportName);
        Assert.Equal(sessionId, setup.Client.Contract!.SessionId);
        Assert.Equal(SessionState.Active, setup.Client.State);
        Assert.Null(setup.Restarted);
    }

    /// <summary>When the new transport fails during the swap, the same attempt goes on to the old route and resumes there.</summary>
    [Fact]
    public async Task A_failed_swap_falls_back_to_the_original_transport()
    {
        int links = 0;
        await using var setup = await SwapSetup.StartAsync("tcp", "inmemory",
            alternateBudget: () => Interlocked.Increment(ref links) == 1 ? 24 : long.MaxValue);
        Guid sessionId = setup.Client.Contract!.SessionId;

        ReconnectAttempt attempt = await setup.CutAndResumeAsync();

        Assert.True(attempt.Resumed);
        Assert.Equal(1, attempt.Attempt);
        Assert.Equal(1, setup.AlternateChaos.Cuts);
        Assert.Equal(1, Volatile.Read(ref links));
        Assert.Equal("tcp", setup.Client.TransportName);
        Assert.Equal(sessionId, setup.Client.Contract!.SessionId);
        Assert.Null(setup.Restarted);
    }

    /// <summary>A server and a client that starts on one transport while the server prefers another.</summary>
    private sealed class SwapSetup : IAsyncDisposable
    {
        private readonly SequenceRecorder _serverReceived = new(Messages);
        private readonly SequenceRecorder _clientReceived = new(Messages);
        private TetherSession? _session;

        private SwapSetup(ChaosConnector primary, ChaosConnector alternate)
        {
            PrimaryChaos = primary;
            AlternateChaos = alternate;
        }

        public TetherServer Server { get; private set; } = null!;

        public TetherClient Client { get; private set; } = null!;

        public ChaosConnector PrimaryChaos { get; }

        public ChaosConnector AlternateChaos { get; }

        public TetherException? Restarted { get; private set; }

        public static async Task<SwapSetup> StartAsync(string startOn, string swapTo, Func<long>? alternateBudget = null)
        {
            var memory = new InMemoryTransport();
            var (listener, bind, connector) = Route(startOn, memory);
            var (otherListener, otherBind, otherConnector) = Route(swapTo, memory);

            var setup = new SwapSetup(new ChaosConnector(connector), new ChaosConnector(otherConnector) { Budget = alternateBudget });
            setup.Server = await ResumeTests.StartServerAsync(listener, bind, setup._serverReceived, options =>
            {
                options.AdditionalListeners.Add(new ListenerOptions(otherListener, otherBind));
                options.Negotiation.TransportPriority.Add(swapTo);
            });
            var sessionStarted = new TaskCompletionSource<TetherSession>(TaskCreationOptions.RunContinuationsAsynchronously);
            setup.Server.SessionStarted += session => sessionStarted.TrySetResult(session);

            var options = ResumeTests.FastReconnect(new TetherClientOptions { Transport = setup.PrimaryChaos });
            options.AlternateRoutes.Add(new TransportRoute(swapTo, setup.AlternateChaos, setup.Server.LocalEndPoints[1]));
            setup.Client = new TetherClient(options);
            setup.Client.AddHandler(new PushRecorder(setup._clientReceived));
            setup.Client.SessionRestarted += reason => setup.Restarted = reason;
            await setup.Client.StartAsync(setup.Server.LocalEndPoint!).Within();
            setup._session = await sessionStarted.Task.Within();
            return setup;
        }

        /// <summary>
        /// Sends half the messages each way and makes a call, cuts the primary link, sends the rest and calls again
        /// while it resumes, then checks every message arrived once, in order, and every call was answered.
        /// </summary>
        public async Task<ReconnectAttempt> CutAndResumeAsync()
        {
            var resumed = new TaskCompletionSource<ReconnectAttempt>(TaskCreationOptions.RunContinuationsAsynchronously);
            Client.Reconnected += attempt => resumed.TrySetResult(attempt);
            await SendAsync(0, Messages / 2);
            Assert.Equal(new NumberedReply(2), await Client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(1)).Within());

            // In flight as the link is cut (over QUIC on a call stream of its own, which the resume moves to the new link).
            Task<NumberedReply> cut = Client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(11)).AsTask();
            PrimaryChaos.Cut();
            Task<NumberedReply> during = Client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(21)).AsTask();
            await SendAsync(Messages / 2, Messages);

            ReconnectAttempt attempt = await resumed.Task.Within();
            await Task.WhenAll(_serverReceived.Done, _clientReceived.Done).Within();
            Assert.Equal(new NumberedReply(22), await cut.Within());
            Assert.Equal(new NumberedReply(42), await during.Within());
            Assert.Equal(new NumberedReply(6), await Client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(3)).Within());
            Assert.Null(_serverReceived.Error);
            Assert.Null(_clientReceived.Error);
            return attempt;
        }

        private async Task SendAsync(int from, int to)
        {
            for (int i = from; i < to; i++)
            {
                await Client.SendAsync(new Numbered(i)).Within();
                await _session!.SendAsync(new Numbered(i)).Within();
            }
        }

        private static (ITransportListenerFactory Listener, EndPoint Bind, ITransportConnector Connector) Route(string name, InMemoryTransport memory) => name switch
        {
            "tcp" => (TcpTransport.Default, new IPEndPoint(IPAddress.Loopback, 0), TcpTransport.Default),
            "tls" => (new TlsTransport(TransportUnderTest.ServerTls()), new IPEndPoint(IPAddress.Loopback, 0), new TlsTransport(TransportUnderTest.ClientTls())),
            "quic" => (new QuicTransport(TransportUnderTest.ServerTls()), new IPEndPoint(IPAddress.Loopback, 0), new QuicTransport(TransportUnderTest.ClientTls())),
            _ => (memory, new InMemoryEndPoint(Guid.NewGuid().ToString("N")), memory),
        };

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Server.DisposeAsync();
        }
    }
}
