using System.Net.Sockets;
using System.Security.Cryptography;
using Tether.Conformance.Tests.Support;
using Tether.Framing;
using Tether.Security;
using Tether.Sessions;
using Xunit.Abstractions;

namespace Tether.Conformance.Tests.Floods;

/// <summary>
/// Floods over real TCP (<c>docs/floods.md</c>): each is answered cheaply (a typed refusal, or backpressure), the server's
/// buffers stay within their limits (asserted on the bytes this server rented from its own pool, not on time), and a
/// client that behaves keeps being served. Every loop is bounded by count.
/// </summary>
public sealed class FloodTests(ITestOutputHelper output)
{
    private readonly TieredMemoryPool _pool = new();

    [Fact]
    public async Task Ping_flood_from_a_peer_that_never_reads_is_stopped_by_backpressure_within_the_connections_buffers()
    {
        await using Harness harness = await StartAsync();
        TetherClient bystander = await harness.ConnectAsync();
        await using RawPeer flooder = await RawPeer.ConnectAsync(harness);
        await flooder.SendHelloAsync();
        Assert.Equal(FrameType.Hello, (await flooder.ReadFrameAsync().Within())?.Header.Type);

        // 1,000,000 pings (24 MB), never reading a pong: far more than the kernel's socket buffers hold.
        const int PingsPerWrite = 10_000;
        byte[] burst = new byte[PingsPerWrite * (FrameHeader.Size + 8)];
        for (int i = 0; i < PingsPerWrite; i++)
        {
            new FrameHeader(8, FrameType.Ping, FrameFlags.None, 0, 0).Write(burst.AsSpan(i * (FrameHeader.Size + 8)));
        }

        // The server must stop reading the flooder once its pongs cannot leave (backpressure): the flood's writes then
        // stall in the kernel, so they run on their own and the test waits for the server's first wait for space.
        using var stop = new CancellationTokenSource();
        Task flooding = Task.Run(async () =>
        {
            for (int write = 0; write < 100 && !stop.IsCancellationRequested; write++)
            {
                await flooder.SendAsync(burst);
            }
        });
        TetherSession flooded = await SessionOtherThanAsync(harness, bystander);
        Task stalled = flooded.Connection.Output.FirstWaitForSpace;
        Assert.Same(stalled, await Task.WhenAny(stalled, flooding).Within()); // 24 MB is far past what it may buffer
        long peak = RentedBytes();

        Assert.Equal(new EchoReply(1, "fine"), await bystander.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(1, "fine")).Within());
        peak = Math.Max(peak, RentedBytes());
        output.WriteLine($"ping flood: the server stopped reading with {peak:N0} bytes of buffers rented (bound {BufferBound:N0})");
        Assert.True(peak <= BufferBound, $"The server held {peak:N0} bytes of buffers during the ping flood (bound {BufferBound:N0}).");
        stop.Cancel();
        flooder.Abort();
        await flooding.ContinueWith(static _ => { }, TaskScheduler.Default).Within(); // ends with the aborted link
    }

    [Fact]
    public async Task Hello_flood_beyond_the_handshake_limit_is_refused_typed_and_leaves_nothing_behind()
    {
        await using Harness harness = await StartAsync(options =>
            options.Security.RateLimits.Handshakes = RateLimitPolicy.FixedWindow(RateLimitPartition.RemoteAddress, 20, TimeSpan.FromHours(1)));
        TetherClient bystander = await harness.ConnectAsync(); // the window's first permit
        long baseline = await BaselineAsync(bystander);

        var outcomes = new Dictionary<string, int>();
        for (int i = 0; i < 200; i++)
        {
            await using RawPeer peer = await RawPeer.ConnectAsync(harness);
            await peer.SendHelloAsync();
            var answer = await peer.ReadFrameAsync().Within();
            string outcome = answer is { } frame ? frame.Header.Type == FrameType.Hello ? "hello" : $"{frame.Header.Type} {frame.Header.MessageId}" : "closed";
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        string seen = string.Join(", ", outcomes.Select(static o => $"{o.Key}: {o.Value}"));
        Assert.True(outcomes.GetValueOrDefault("hello") == 19, seen);
        Assert.True(outcomes.GetValueOrDefault($"Error {(int)TetherErrorCode.RateLimited}") == 181, seen);
        await WaitForConnectionsAsync(harness, 1);
        await harness.WaitForSessionsAsync(1);
        Assert.Equal(new EchoReply(2, "fine"), await bystander.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(2, "fine")).Within());
        await SettleAsync(baseline + ConnectionBuffers);
        Assert.True(RentedBytes() <= baseline + ConnectionBuffers, $"{RentedBytes():N0} bytes rented after the flood, {baseline:N0} before.");
    }

    [Fact]
    public async Task Resume_attempts_with_bad_tokens_are_refused_typed_and_keep_no_state()
    {
        await using Harness harness = await StartAsync();
        TetherClient bystander = await harness.ConnectAsync(); // resumable by default
        Guid realSession = bystander.Contract!.SessionId;
        var offer = new NegotiationOffer([ProtocolConstants.Version], ["tcp"], [], [], WantsResume: true);

        var codes = new Dictionary<TetherErrorCode, int>();
        for (int i = 0; i < 300; i++)
        {
            // Every third guesses a token for the live session; the others name sessions that do not exist.
            Guid session = i % 3 == 0 ? realSession : Guid.NewGuid();
            await using RawPeer peer = await RawPeer.ConnectAsync(harness);
            var hello = new ClientHello(1 << 20, offer, new ResumeRequest(session, RandomNumberGenerator.GetBytes(ProtocolConstants.ResumeTokenSize), 0, (ulong)i + 1));
            await peer.SendFrameAsync(FrameType.Hello, 0, ProtocolConstants.Version, hello.Encode());
            var answer = await peer.ReadFrameAsync().Within();
            Assert.Equal(FrameType.GoAway, answer?.Header.Type);
            var code = (TetherErrorCode)answer!.Value.Header.MessageId;
            codes[code] = codes.GetValueOrDefault(code) + 1;
        }

        Assert.Equal(100, codes.GetValueOrDefault(TetherErrorCode.ResumeRejected));
        Assert.Equal(200, codes.GetValueOrDefault(TetherErrorCode.SessionUnknown));
        await WaitForConnectionsAsync(harness, 1);
        Assert.Single(harness.Server.Sessions);
        Assert.Equal(realSession, bystander.Contract!.SessionId);
        Assert.Equal(new EchoReply(3, "fine"), await bystander.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(3, "fine")).Within());
    }

    [Fact]
    public async Task One_way_flood_to_a_slow_handler_is_held_back_by_the_in_flight_limit_and_loses_nothing()
    {
        var notes = new SlowNotes();
        await using Harness harness = await StartAsync(options => options.MaxInFlightCallsPerSession = 16, server => server.AddHandler(notes));
        TetherClient flooder = await harness.ConnectAsync();
        TetherClient bystander = await harness.ConnectAsync();

        // 20,000 one-way messages (about 5 MB) while the handler holds every one it gets: the server takes 16, then stops
        // reading, so the rest wait in the client's queue and the kernel's buffers, not in the server.
        byte[] padding = new byte[256];
        Task sending = Task.Run(async () =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                await flooder.SendAsync(new SlowNote(i, padding));
            }
        });
        await notes.WaitForRunningAsync(16).Within();
        Assert.Equal(new EchoReply(4, "fine"), await bystander.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(4, "fine")).Within());
        long held = RentedBytes();
        output.WriteLine($"one-way flood: {held:N0} bytes of buffers rented while the handler held 16 messages");
        Assert.Equal(16, notes.Running);
        Assert.True(held <= BufferBound, $"The server held {held:N0} bytes of buffers while its handler was stalled (bound {BufferBound:N0}).");

        notes.Release();
        await sending.Within();
        await notes.WaitForHandledAsync(20_000).Within();
        Assert.Equal(20_000, notes.Distinct);
    }

    [Fact]
    public async Task Connections_opened_and_dropped_leave_nothing_behind()
    {
        await using Harness harness = await StartAsync();
        TetherClient bystander = await harness.ConnectAsync();
        long baseline = await BaselineAsync(bystander);
        var endPoint = (System.Net.IPEndPoint)harness.Server.LocalEndPoint!;
        byte[] hello = new byte[FrameHeader.Size + HelloPayload.Size];
        new FrameHeader(HelloPayload.Size, FrameType.Hello, FrameFlags.None, 0, ProtocolConstants.Version).Write(hello);
        new HelloPayload(1 << 20).Write(hello.AsSpan(FrameHeader.Size));

        for (int i = 0; i < 600; i++)
        {
            // Closed at once; closed halfway through a hello; reset right after a whole hello.
            using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(endPoint).Within();
            switch (i % 3)
            {
                case 1:
                    await socket.SendAsync(hello.AsMemory(0, 10)).AsTask().Within();
                    break;
                case 2:
                    await socket.SendAsync(hello).Within();
                    socket.LingerState = new LingerOption(true, 0); // RST, not FIN
                    break;
            }
        }

        await WaitForConnectionsAsync(harness, 1);
        await harness.WaitForSessionsAsync(1);
        Assert.Equal(new EchoReply(5, "fine"), await bystander.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(5, "fine")).Within());
        await SettleAsync(baseline + ConnectionBuffers);
        Assert.True(RentedBytes() <= baseline + ConnectionBuffers, $"{RentedBytes():N0} bytes rented after the churn, {baseline:N0} before.");
    }

    /// <summary>
    /// The most one flooded connection may hold, plus a bystander's: its receive buffer (the frame limit and 64 KiB: a
    /// stalled reader lets it fill), its send queue (1 MiB), and 512 KiB for the pongs of the last read, block rounding
    /// and the bystander's blocks. Measured: 5.39 MB at the moment the server stopped reading the flooder.
    /// </summary>
    private static readonly long BufferBound = new TetherServerOptions().MaxFrameSize + (64 * 1024) + new TetherServerOptions().SendQueueLimit + (512 * 1024);

    /// <summary>What may differ from the baseline at rest: a few blocks of the bystander's that come and go with its calls.</summary>
    private const long ConnectionBuffers = 64 * 1024;

    /// <summary>What the server rents with the bystander's session in use (its output and replay blocks stay rented between calls).</summary>
    private async Task<long> BaselineAsync(TetherClient bystander)
    {
        Assert.Equal(new EchoReply(0, "warm"), await bystander.RequestAsync<EchoRequest, EchoReply>(new EchoRequest(0, "warm")).Within());
        return RentedBytes();
    }

    private static async Task<TetherSession> SessionOtherThanAsync(Harness harness, TetherClient known)
    {
        await harness.WaitForSessionsAsync(2);
        return harness.Server.Sessions.Single(s => s.Id != known.Contract!.SessionId);
    }

    /// <summary>Waits, woken by each connection's close, until the server holds <paramref name="count"/> connections.</summary>
    private static async Task WaitForConnectionsAsync(Harness harness, int count)
    {
        using var changed = new SemaphoreSlim(0);
        void OnClosed() => changed.Release();
        harness.Server.ConnectionClosed += OnClosed;
        try
        {
            using var timeout = new CancellationTokenSource(Harness.Patience);
            while (harness.Server.ConnectionCount != count)
            {
                await changed.WaitAsync(timeout.Token);
            }
        }
        finally
        {
            harness.Server.ConnectionClosed -= OnClosed;
        }
    }

    private long RentedBytes() => _pool.GetStatistics().Tiers.Sum(static t => t.BlocksRented * (long)t.BlockSize);

    /// <summary>
    /// A closed connection hands its last blocks back on its own threads, after the server has counted it closed: yields
    /// until the rented bytes are within <paramref name="bound"/>, for at most the harness's patience (the assertion that
    /// follows reports what was still held).
    /// </summary>
    private async Task SettleAsync(long bound)
    {
        using var patience = new CancellationTokenSource(Harness.Patience);
        while (RentedBytes() > bound && !patience.IsCancellationRequested)
        {
            await Task.Yield();
        }
    }

    private Task<Harness> StartAsync(Action<TetherServerOptions>? configure = null, Action<TetherServer>? setup = null) =>
        Harness.StartAsync(TransportUnderTest.Tcp(), options =>
        {
            options.MemoryPool = _pool;
            configure?.Invoke(options);
        }, setup);
}

[Message(200)]
public sealed partial record SlowNote(int Sequence, byte[] Padding);

/// <summary>A one-way handler that holds every message until released, counting what runs and what was handled.</summary>
[Handler]
public sealed partial class SlowNotes
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> _seen = new();
    private readonly SemaphoreSlim _changed = new(0);
    private int _running;
    private int _handled;

    public int Running => Volatile.Read(ref _running);

    public int Distinct => _seen.Count;

    [OneWay]
    public async ValueTask Hold(SlowNote note)
    {
        Interlocked.Increment(ref _running);
        _changed.Release();
        await _gate.Task;
        _seen.TryAdd(note.Sequence, true);
        Interlocked.Decrement(ref _running);
        Interlocked.Increment(ref _handled);
        _changed.Release();
    }

    public void Release() => _gate.TrySetResult();

    public Task WaitForRunningAsync(int count) => WaitAsync(() => Running >= count);

    public Task WaitForHandledAsync(int count) => WaitAsync(() => Volatile.Read(ref _handled) >= count);

    private async Task WaitAsync(Func<bool> condition)
    {
        while (!condition())
        {
            await _changed.WaitAsync();
        }
    }
}
