using System.Net;
using Tether.Conformance.Tests.Support;
using Tether.Quic;
using Tether.Transport;
using Tether.Transport.InMemory;
using Tether.Transport.Tcp;

namespace Tether.Conformance.Tests.Sessions;

/// <summary>Resume: links cut at random points while both sides send; every message arrives once, in order; every call completes.</summary>
public sealed class ResumeTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Messages = 100_000;
    private const int Calls = 2_000;
    private const int MinCuts = 20;

    [Fact]
    public async Task A_cut_link_resumes_the_same_session_and_loses_nothing()
    {
        var transport = new InMemoryTransport();
        var chaos = new ChaosConnector(transport);
        var received = new SequenceRecorder(3);
        await using var server = await StartServerAsync(transport, new InMemoryEndPoint(Guid.NewGuid().ToString("N")), received);
        await using var client = new TetherClient(FastReconnect(new TetherClientOptions { Transport = chaos }));
        var resumed = new TaskCompletionSource<ReconnectAttempt>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reconnected += attempt => resumed.TrySetResult(attempt);
        await client.StartAsync(server.LocalEndPoint!).Within();
        Guid sessionId = client.Contract!.SessionId;
        Assert.True(client.Contract.Resumable);

        await client.SendAsync(new Numbered(0)).Within();
        Assert.Equal(new NumberedReply(2), await client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(1)).Within());
        chaos.Cut();
        await client.SendAsync(new Numbered(1)).Within(); // kept while the link is down, sent on resume
        Task<NumberedReply> during = client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(5)).AsTask();

        ReconnectAttempt attempt = await resumed.Task.Within();
        Assert.True(attempt.Resumed);
        await client.SendAsync(new Numbered(2)).Within();
        await received.Done.Within();
        Assert.Equal(new NumberedReply(10), await during.Within());
        Assert.Equal(sessionId, client.Contract!.SessionId);
        Assert.Equal(SessionState.Active, client.State);
        Assert.Single(server.Sessions);
    }

    /// <summary>
    /// A resumable session keeps what is pushed to it while its client is away, as <c>SendAsync</c> and <c>TrySendTo</c>
    /// do: broadcasts count it delivered and it receives them once, in order, after the resume.
    /// </summary>
    [Fact]
    public async Task Broadcasts_while_a_session_resumes_are_kept_and_arrive_once_after_the_resume()
    {
        var transport = new InMemoryTransport();
        var chaos = new ChaosConnector(transport);
        var pushed = new SequenceRecorder(4);
        await using var server = await StartServerAsync(transport, new InMemoryEndPoint(Guid.NewGuid().ToString("N")), new SequenceRecorder(1));
        await using var client = new TetherClient(FastReconnect(new TetherClientOptions { Transport = chaos }));
        client.AddHandler(new PushRecorder(pushed));
        var resumed = new TaskCompletionSource<ReconnectAttempt>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reconnected += attempt => resumed.TrySetResult(attempt);
        await client.StartAsync(server.LocalEndPoint!).Within();
        TetherSession session = Assert.Single(server.Sessions);
        var resuming = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        session.StateChanged += change =>
        {
            if (change.To == SessionState.Resuming)
            {
                resuming.TrySetResult();
            }
        };

        Assert.Equal(new BroadcastResult(1, 0), server.Broadcast(new Numbered(0)));
        chaos.Hold(); // the client cannot come back until the broadcasts below are made
        chaos.Cut();
        await resuming.Task.Within();

        Assert.Equal(new BroadcastResult(1, 0), server.Broadcast(new Numbered(1)));
        Assert.Equal(new BroadcastResult(1, 0), server.BroadcastBatch<Numbered>([new Numbered(2), new Numbered(3)]));
        chaos.Release();

        Assert.True((await resumed.Task.Within()).Resumed);
        await pushed.Done.Within();
        Assert.Null(pushed.Error); // each once, in order
        Assert.Equal(4, pushed.Received);
    }

    [Fact]
    public Task Tcp_proxy_cutting_mid_frame_loses_and_repeats_nothing() => RunUnderFaultsAsync("tcp");

    [Fact]
    public Task In_memory_links_cut_mid_frame_lose_and_repeat_nothing() => RunUnderFaultsAsync("inmemory");

    /// <summary>
    /// Over QUIC the calls travel on streams of their own, kept from one call to the next; each cut (of the link's stream
    /// 0, mid-frame, aborting the QUIC connection) leaves calls and kept answers on streams that the resume moves.
    /// </summary>
    [Fact]
    public Task Quic_links_cut_mid_frame_lose_and_repeat_nothing_with_calls_on_their_own_streams() => RunUnderFaultsAsync("quic");

    /// <param name="route">"tcp": a cutting TCP proxy; "inmemory" or "quic": a <see cref="ChaosConnector"/> over that transport.</param>
    private async Task RunUnderFaultsAsync(string route)
    {
        bool useTcp = route == "tcp";
        var serverReceived = new SequenceRecorder(Messages);
        var clientReceived = new SequenceRecorder(Messages);
        var memory = new InMemoryTransport();
        (ITransportListenerFactory listener, ITransportConnector connector, EndPoint bind) = route switch
        {
            "tcp" => (TcpTransport.Default, TcpTransport.Default, new IPEndPoint(IPAddress.Loopback, 0)),
            "quic" => ((ITransportListenerFactory)new QuicTransport(TransportUnderTest.ServerTls()), (ITransportConnector)new QuicTransport(TransportUnderTest.ClientTls()), (EndPoint)new IPEndPoint(IPAddress.Loopback, 0)),
            _ => (memory, memory, new InMemoryEndPoint(Guid.NewGuid().ToString("N"))),
        };
        await using TetherServer server = await StartServerAsync(listener, bind, serverReceived);
        // The server's pushes start when its session does; the task is handed over through a completion source
        // because SessionStarted runs on the server's thread, possibly after the client has connected.
        var pushingStarted = new TaskCompletionSource<Task>(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        server.SessionStarted += session => session.StateChanged += c => log.Enqueue($"{clock.ElapsedMilliseconds} server {session.Id} {c.From}->{c.To} {c.Reason}");
        server.SessionStarted += session => pushingStarted.TrySetResult(Task.Run(async () =>
        {
            for (int i = 0; i < Messages; i++)
            {
                await session.SendAsync(new Numbered(i));
            }
        }));

        var random = new Random(route == "quic" ? 2442 : useTcp ? 4242 : 2424);
        await using var proxy = useTcp ? new CuttingTcpProxy(server.LocalEndPoint!, seed: 17, minBudget: 16 * 1024, maxBudget: 160 * 1024, maxCuts: MinCuts + 10) : null;
        var chaos = new ChaosConnector(connector);
        var options = FastReconnect(new TetherClientOptions { Transport = useTcp ? TcpTransport.Default : chaos });
        await using var client = new TetherClient(options);
        client.AddHandler(new PushRecorder(clientReceived));
        client.StateChanged += c => log.Enqueue($"{clock.ElapsedMilliseconds} client {c.From}->{c.To} {c.Reason} server got {serverReceived.Received}");
        TetherException? restarted = null;
        client.SessionRestarted += reason => restarted = reason;
        await client.StartAsync(useTcp ? proxy!.EndPoint : server.LocalEndPoint!).Within();
        Guid sessionId = client.Contract!.SessionId;
        if (useTcp)
        {
            proxy!.Arm();
        }
        else
        {
            chaos.Arm(() => chaos.Cuts >= MinCuts + 10 ? long.MaxValue : random.NextInt64(16 * 1024, 160 * 1024));
        }

        Task sending = Task.Run(async () =>
        {
            for (int i = 0; i < Messages; i++)
            {
                await client.SendAsync(new Numbered(i));
            }
        });
        Task calling = Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (int i = worker; i < Calls; i += 8)
            {
                NumberedReply reply = await client.RequestAsync<NumberedCall, NumberedReply>(new NumberedCall(i));
                Assert.Equal(2L * i, reply.Value);
            }
        })));

        TimeSpan limit = TimeSpan.FromMinutes(2); // a hang guard only; a run takes seconds
        try
        {
            await Task.WhenAll(sending, calling, serverReceived.Done, clientReceived.Done).WaitAsync(limit);
            await (await pushingStarted.Task.WaitAsync(limit)).WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            foreach (string line in log.Take(200))
            {
                output.WriteLine(line);
            }

            string sessions = string.Join("; ", server.Sessions.Select(s => $"{s.Id} {s.State}"));
            Assert.Fail($"Stuck: server got {serverReceived.Received}, client got {clientReceived.Received}, sending {sending.Exception?.InnerException?.ToString() ?? sending.Status.ToString()}, calling {calling.Exception?.InnerException?.Message ?? calling.Status.ToString()}, " +
                $"pushing {(pushingStarted.Task.IsCompleted ? pushingStarted.Task.Result.Status.ToString() : "not started")}, client {client.State}, pending {client.PendingCalls}, cuts {(useTcp ? proxy!.Cuts : chaos.Cuts)}, server sessions: {sessions}");
        }

        int cuts = useTcp ? proxy!.Cuts : chaos.Cuts;
        Assert.True(cuts >= MinCuts, $"only {cuts} cuts happened");
        Assert.Equal(route == "quic", chaos.StreamsOpened > 0);
        Assert.Null(restarted);
        Assert.Null(serverReceived.Error);
        Assert.Null(clientReceived.Error);
        Assert.Equal(Messages, serverReceived.Received);
        Assert.Equal(Messages, clientReceived.Received);
        Assert.Equal(sessionId, client.Contract!.SessionId);
        Assert.Equal(sessionId, Assert.Single(server.Sessions).Id);
    }

    internal static TetherClientOptions FastReconnect(TetherClientOptions options)
    {
        options.Reconnect.InitialDelay = TimeSpan.FromMilliseconds(2);
        options.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(50);
        return options;
    }

    internal static async Task<TetherServer> StartServerAsync(ITransportListenerFactory transport, EndPoint endPoint, SequenceRecorder received, Action<TetherServerOptions>? configure = null)
    {
        var options = new TetherServerOptions { Transport = transport, EndPoint = endPoint };
        configure?.Invoke(options);
        var server = new TetherServer(options);
        server.AddHandler(new SequenceHandler(received));
        await server.StartAsync();
        return server;
    }
}
