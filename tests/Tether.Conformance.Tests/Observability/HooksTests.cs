using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Tether.Conformance.Tests.Sessions;
using Tether.Conformance.Tests.Support;
using Tether.Framing;
using Tether.Transport.InMemory;

namespace Tether.Conformance.Tests.Observability;

/// <summary>The six lifecycle hooks: what each side reports, for real links, resumes and a silent peer.</summary>
public sealed class HooksTests
{
    [Fact]
    public async Task Both_sides_report_connect_every_application_frame_each_way_and_disconnect()
    {
        var server = new HookLog("server");
        var client = new HookLog("client");
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp(), o => o.Hooks = server.Hooks);
        TetherClient peer = await harness.ConnectAsync(o => o.Hooks = client.Hooks);
        var calls = new CallHeadersHandler.Client(peer);

        await calls.Inspect(new HeaderProbe(1)).Within();
        await Assert.ThrowsAsync<TetherException>(() => calls.Refuse(new RelayRequest(2)).AsTask()).Within();
        Assert.Equal(2, (await calls.Ticks(new HeaderProbe(2)).ToListAsync().AsTask().Within()).Count);
        await peer.SendAsync(new Notice(3, "one way")).Within();
        await harness.Probe.Notices.NextAsync();

        // Sent by one side is received by the other, frame for frame (the server's answers may still be in its hook when the client has them).
        string[] requests = ["Request", "Request", "Request", "OneWay"];
        string[] answers = ["Reply", "Error", "StreamItem", "StreamItem", "StreamEnd"];
        Assert.Equal(requests, await client.WaitForAsync("sent", requests.Length));
        Assert.Equal(requests, await server.WaitForAsync("received", requests.Length));
        Assert.Equal(answers, await server.WaitForAsync("sent", answers.Length));
        Assert.Equal(answers, await client.WaitForAsync("received", answers.Length));
        Assert.Equal(["connected"], await client.WaitForAsync("life", 1));
        Assert.Equal(["connected"], await server.WaitForAsync("life", 1));
        Assert.Contains(client.Messages, m => m.Kind == MessageEventKind.Error && m.Target == (int)TetherErrorCode.UnexpectedReply);

        await peer.DisposeAsync();
        Assert.Equal(["connected", "disconnected: none"], await client.WaitForAsync("life", 2));
        await harness.Server.StopAsync().Within();
        Assert.Equal("connected", (await server.WaitForAsync("life", 2))[0]);
    }

    [Fact]
    public async Task A_resume_is_reported_as_a_reconnect_on_both_sides_and_not_as_a_disconnect()
    {
        var server = new HookLog("server");
        var client = new HookLog("client");
        var transport = new InMemoryTransport();
        var chaos = new ChaosConnector(transport);
        await using TetherServer tether = await ResumeTests.StartServerAsync(transport, new InMemoryEndPoint(Guid.NewGuid().ToString("N")), new SequenceRecorder(1), o => o.Hooks = server.Hooks);
        await using var peer = new TetherClient(ResumeTests.FastReconnect(new TetherClientOptions { Transport = chaos, Hooks = client.Hooks }));
        await peer.StartAsync(tether.LocalEndPoint!).Within();

        chaos.Cut();

        Assert.Equal(["connected", "reconnected: resumed"], await client.WaitForAsync("life", 2));
        Assert.Equal(["connected", "reconnected: resumed"], await server.WaitForAsync("life", 2));
    }

    [Fact]
    public async Task A_silent_peer_is_reported_as_a_heartbeat_timeout()
    {
        var server = new HookLog("server");
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var transport = new InMemoryTransport();
        await using TetherServer tether = await ResumeTests.StartServerAsync(transport, new InMemoryEndPoint(Guid.NewGuid().ToString("N")), new SequenceRecorder(1), o =>
        {
            o.TimeProvider = clock;
            o.TimerInterval = TimeSpan.FromSeconds(1);
            o.Hooks = server.Hooks;
        });
        await using RawPeer peer = await RawPeer.ConnectAsync(transport, tether.LocalEndPoint!);
        await peer.SendHelloAsync();
        Assert.Equal(FrameType.Hello, (await peer.ReadFrameAsync().Within())?.Header.Type);
        await server.WaitForAsync("life", 1);

        clock.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal(FrameType.Ping, (await peer.ReadFrameAsync().Within())?.Header.Type);
        clock.Advance(TimeSpan.FromSeconds(15));
        clock.Advance(TimeSpan.FromSeconds(15));
        clock.Advance(TimeSpan.FromSeconds(1));

        string[] life = await server.WaitForAsync("life", 2);
        Assert.Equal(["connected", "heartbeat timeout: session.peer_unresponsive"], life.Take(2));
    }

    [Fact]
    public async Task A_hook_that_throws_breaks_nothing()
    {
        var hooks = new TetherHooks
        {
            Connected = _ => throw new InvalidOperationException("hook"),
            MessageSent = (TetherPeer _, in MessageEvent _) => throw new InvalidOperationException("hook"),
            MessageReceived = (TetherPeer _, in MessageEvent _) => throw new InvalidOperationException("hook"),
        };
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.InMemory(), o => o.Hooks = hooks);
        var client = new CallHeadersHandler.Client(await harness.ConnectAsync(o => o.Hooks = hooks));

        Assert.Equal(1, (await client.Inspect(new HeaderProbe(1)).Within()).Id);
        Assert.Equal(3, (await client.Ticks(new HeaderProbe(3)).ToListAsync().AsTask().Within()).Count);
    }

    [Fact]
    public async Task What_is_logged_during_a_call_carries_the_session_and_method_in_its_scope()
    {
        var capture = new ScopeCapturingLogger();
        using ILoggerFactory logging = LoggerFactory.Create(b => b.AddProvider(capture).SetMinimumLevel(LogLevel.Debug));
        var transport = new InMemoryTransport();
        var options = new TetherServerOptions { Transport = transport, EndPoint = new InMemoryEndPoint(Guid.NewGuid().ToString("N")) };
        await using var server = new TetherServer(options, logging);
        server.AddHandler(new ConformanceHandler(new Probe()));
        await server.StartAsync();
        await using var client = new TetherClient(new TetherClientOptions { Transport = transport });
        await client.StartAsync(options.EndPoint).Within();

        await Assert.ThrowsAsync<TetherException>(() => client.RequestAsync<FailRequest, EchoReply>(new FailRequest("boom", Typed: false)).AsTask()).Within();

        (string message, IReadOnlyDictionary<string, object?> scope) = Assert.Single(capture.Entries, e => e.Message.Contains("failed", StringComparison.Ordinal));
        Assert.Contains("the handler of method", message, StringComparison.Ordinal);
        Assert.Equal("Conformance/Fail", scope["Method"]);
        Assert.Equal(client.Contract!.SessionId, scope["SessionId"]);
    }

    /// <summary>Records what the hooks report, by stream ("sent", "received", "life"), and wakes waiters.</summary>
    private sealed class HookLog
    {
        private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _streams = new();
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public HookLog(string side)
        {
            Side = side;
            Hooks = new TetherHooks
            {
                Connected = _ => Add("life", "connected"),
                Disconnected = (_, reason) => Add("life", $"disconnected: {(reason as TetherException)?.Code.ToString() ?? reason?.GetType().Name ?? "none"}"),
                HeartbeatTimedOut = (_, reason) => Add("life", $"heartbeat timeout: {TetherErrors.Get(reason.Code).Name}"),
                Reconnected = (_, resumed) => Add("life", resumed ? "reconnected: resumed" : "reconnected: new session"),
                MessageSent = (TetherPeer _, in MessageEvent message) => Add("sent", message),
                MessageReceived = (TetherPeer _, in MessageEvent message) => Add("received", message),
            };
        }

        public string Side { get; }

        public TetherHooks Hooks { get; }

        public ConcurrentQueue<MessageEvent> Messages { get; } = new();

        public async Task<string[]> WaitForAsync(string stream, int count)
        {
            using var timeout = new CancellationTokenSource(Harness.Patience);
            while (true)
            {
                Task changed = Volatile.Read(ref _changed).Task;
                ConcurrentQueue<string> entries = _streams.GetOrAdd(stream, static _ => new());
                if (entries.Count >= count)
                {
                    return [.. entries];
                }

                await changed.WaitAsync(timeout.Token);
            }
        }

        private void Add(string stream, in MessageEvent message)
        {
            Messages.Enqueue(message);
            Add(stream, message.Kind.ToString());
        }

        private void Add(string stream, string entry)
        {
            _streams.GetOrAdd(stream, static _ => new()).Enqueue(entry);
            Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }
}
