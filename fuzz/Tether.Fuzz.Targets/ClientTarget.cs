using Tether.Framing;
using Tether.Sessions;
using Tether.Transport;
using Tether.Transport.InMemory;

namespace Tether.Fuzz;

/// <summary>
/// A real <see cref="TetherClient"/> against a hostile server: the input is everything the "server" sends on the
/// connection before it stops sending. The client's start, then a call made on the session it got, must each end with a
/// result or a documented refusal within <see cref="HangAfter"/>. Covers the client's side of the hello, negotiation
/// and resume, and its handling of answers, pushes and control frames.
/// </summary>
public sealed class ClientTarget : FuzzTarget, IAsyncDisposable
{
    /// <summary>How long the client may take to give up on a server that stopped sending: only there to turn a hang into a finding.</summary>
    public static readonly TimeSpan HangAfter = TimeSpan.FromSeconds(20);

    private readonly InMemoryTransport _transport = new();
    private readonly InMemoryEndPoint _endPoint = new("fuzz-client-" + Guid.NewGuid().ToString("N"));
    private ITransportListener? _listener;

    public override string Name => "client";

    public override string Description => "a TetherClient over the in-memory transport, fed what a hostile server sends";

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 1)
        {
            return;
        }

        // The first byte: bit 0 set stages the input (what comes before byte 8 × (rest of the byte) is sent first, the
        // remainder only once the client has started and made its call, so answers can meet a call); clear sends it all at once.
        bool staged = (input[0] & 1) != 0;
        byte[] bytes = input.Slice(1).ToArray();
        int split = staged ? Math.Min(bytes.Length, (input[0] >> 1) * 8) : bytes.Length;
        if (!HoldsFirstFrame(bytes.AsSpan(0, split)))
        {
            split = bytes.Length; // the client would wait out its connect timeout for the rest of its hello: send it all
        }

        RunAsync(bytes, split).GetAwaiter().GetResult();
    }

    public async Task RunAsync(byte[] bytes, int split)
    {
        _listener ??= await _transport.BindAsync(_endPoint, new TransportConnectionOptions()).ConfigureAwait(false);
        bool staged = split < bytes.Length;
        var options = new TetherClientOptions { Transport = _transport, ConnectTimeout = TimeSpan.FromSeconds(staged ? 2 : 10) };
        options.Reconnect.Enabled = false;
        using var hang = new CancellationTokenSource(HangAfter);
        var client = new TetherClient(options);
        await using (client.ConfigureAwait(false))
        {
            Task starting = client.StartAsync(_endPoint, hang.Token);
            TransportConnection server = (await _listener.AcceptAsync(hang.Token).ConfigureAwait(false))!;
            await using (server.ConfigureAwait(false))
            {
                var received = new ReceivedBytes();
                Task draining = PeerInput.DrainAsync(server.Input, received, CancellationToken.None);
                try
                {
                    await server.Output.WriteAsync(bytes.AsMemory(0, split), hang.Token).ConfigureAwait(false);
                    if (!staged)
                    {
                        await server.Output.CompleteAsync().ConfigureAwait(false);
                    }

                    bool started = await EndsAsync(() => starting, "start").ConfigureAwait(false);
                    long beforeCall = received.Count;
                    Task call = started ? Call(client) : Task.CompletedTask;
                    if (staged)
                    {
                        // The rest goes once the request is out (or the call failed at once), so an answer can meet it.
                        await Task.WhenAny(received.BeyondAsync(beforeCall, hang.Token), call).ConfigureAwait(false);
                        await server.Output.WriteAsync(bytes.AsMemory(split), hang.Token).ConfigureAwait(false);
                        await server.Output.CompleteAsync().ConfigureAwait(false);
                    }

                    await EndsAsync(() => call, "call").ConfigureAwait(false);
                }
                finally
                {
                    server.Abort();
                    await draining.ConfigureAwait(false);
                }
            }
        }

        // Whether the operation succeeded; a documented refusal is handled (false), anything else propagates.
        async Task<bool> EndsAsync(Func<Task> operation, string what)
        {
            try
            {
                await operation().WaitAsync(hang.Token).ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException) when (hang.IsCancellationRequested)
            {
                throw new FuzzFindingException($"The client's {what} did not end {HangAfter.TotalSeconds:N0} s after its server stopped sending.");
            }
            catch (Exception e) when (InputRules.IsDocumented(e))
            {
                return false;
            }
        }
    }

    private static bool HoldsFirstFrame(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= FrameHeader.Size && FrameHeader.Size + (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes) <= bytes.Length;

    private static Task Call(TetherClient client)
    {
        try
        {
            return new IFuzzService.Client(client).Call(Samples.Rich, new CallOptions { Timeout = TimeSpan.FromSeconds(5) }).AsTask();
        }
        catch (Exception e)
        {
            return Task.FromException(e); // refused before it was sent: judged with the rest
        }
    }

    /// <summary>The id of a client's first call: slot 1 of the pending-call table, generation 1 (above its 20 slot bits).</summary>
    private const uint FirstCallId = (1u << 20) | 1;

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        var plain = new SessionContract(new Guid("a1b2c3d4-0000-4000-8000-000000000002"), ProtocolConstants.Version, "inmemory", [new("Fuzz", 1)], [], Resumable: false);
        byte[] hello = SeedBytes.Frame(FrameType.Hello, 0, ProtocolConstants.Version, new ServerHello(1 << 20, plain, null, 0, Resumed: false, TimeSpan.Zero).Encode());
        byte[] receipt = TetherCodec.ToArray(new Receipt(3, "ok"));
        // Staged just past the hello (the first multiple of 8 bytes that holds it), so the answer's rest arrives after the call went out.
        byte stage = (byte)((((hello.Length + 7) / 8) << 1) | 1);
        yield return new("answered", [stage, .. hello, .. SeedBytes.Frame(FrameType.Response, FirstCallId, 4, receipt, FrameFlags.Headers, SeedBytes.HeadersBlock())]);
        // A stream item answering the unary call: failed in place, the call stayed in the table and a close completed it again.
        yield return new("stream-item-for-unary-call", [stage, .. hello, .. SeedBytes.Frame(FrameType.StreamItem, FirstCallId, 4, receipt)]);
        yield return new("refused-call", [stage, .. hello, .. SeedBytes.Frame(FrameType.Error, FirstCallId, (int)TetherErrorCode.RateLimited, "slow down"u8)]);

        var resumable = plain with { Resumable = true, SessionId = new Guid("a1b2c3d4-0000-4000-8000-000000000003") };
        byte[] resumableHello = SeedBytes.Frame(FrameType.Hello, 0, ProtocolConstants.Version,
            new ServerHello(1 << 20, resumable, new byte[ProtocolConstants.ResumeTokenSize], 0, Resumed: false, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1)).Encode());
        byte[] ping = SeedBytes.Frame(FrameType.Ping, 0, 0, BitConverter.GetBytes(9L));
        byte[] ack = SeedBytes.Frame(FrameType.Ack, 0, 0, BitConverter.GetBytes(1L));
        byte[] push = SeedBytes.Frame(FrameType.Message, 0, SeedBytes.NoteMethodId, TetherCodec.ToArray(Samples.Rich), sequence: 1);
        byte[] goAway = SeedBytes.Frame(FrameType.GoAway, 0, (int)TetherErrorCode.GoingAway, "bye"u8);
        yield return new("resumable-session", [0, .. resumableHello, .. ping, .. ack, .. push, .. goAway]);
        yield return new("refused-hello", [0, .. SeedBytes.Frame(FrameType.GoAway, 0, (int)TetherErrorCode.Unauthenticated, "who are you"u8)]);
    }

    public async ValueTask DisposeAsync()
    {
        if (_listener is { } listener)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }
    }
}
