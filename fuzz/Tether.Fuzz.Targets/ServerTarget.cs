using System.Buffers;
using Tether.Framing;
using Tether.Transport;
using Tether.Transport.InMemory;

namespace Tether.Fuzz;

/// <summary>
/// A real server (the Fuzz service, resumable sessions, a bearer authenticator) over the in-memory transport: the input
/// is everything a client sends on one connection before it stops sending. The server must close the connection by
/// itself (a hang otherwise); every 64 inputs, and on <see cref="CheckHealthyAsync"/>, a well-behaved client must still
/// be served. Covers the receive loop, the hello, negotiation, authentication, the resume handshake and dispatch.
/// </summary>
public sealed class ServerTarget : FuzzTarget, IAsyncDisposable
{
    private readonly InMemoryTransport _transport = new();
    private readonly InMemoryEndPoint _endPoint = new("fuzz-" + Guid.NewGuid().ToString("N"));
    private TetherServer? _server;
    private long _runs;

    public override string Name => "server";

    public override string Description => "a TetherServer over the in-memory transport, fed one connection's bytes";

    public override void Run(ReadOnlySpan<byte> input)
    {
        byte[] bytes = input.ToArray();
        RunAsync(bytes).GetAwaiter().GetResult();
    }

    public async Task RunAsync(byte[] bytes)
    {
        await StartedAsync().ConfigureAwait(false);
        TransportConnection connection = await _transport.ConnectAsync(_endPoint, new TransportConnectionOptions()).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.Output.WriteAsync(bytes).ConfigureAwait(false);
            await connection.Output.CompleteAsync().ConfigureAwait(false);
            using var hang = new CancellationTokenSource(HangAfter);
            try
            {
                await PeerInput.DrainAsync(connection.Input, received: null, hang.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (hang.IsCancellationRequested)
            {
                throw new FuzzFindingException($"The server kept the connection open {HangAfter.TotalSeconds:N0} s after its peer stopped sending.");
            }
        }

        if (++_runs % 64 == 0)
        {
            await CheckHealthyAsync().ConfigureAwait(false);
        }
    }

    private static int MessageIdOf<T>()
        where T : IMessage<T> => T.MessageId;

    /// <summary>A well-behaved client connects and calls; throws a <see cref="FuzzFindingException"/> if it is not served.</summary>
    public async Task CheckHealthyAsync()
    {
        await StartedAsync().ConfigureAwait(false);
        var options = new TetherClientOptions { Transport = _transport, Credentials = Security.TetherCredentials.Bearer(Token) };
        options.Reconnect.Enabled = false;
        try
        {
            await using var client = new TetherClient(options);
            using var timeout = new CancellationTokenSource(HangAfter);
            await client.StartAsync(_endPoint, timeout.Token).ConfigureAwait(false);
            Receipt receipt = await new IFuzzService.Client(client).Call(Samples.Rich, new CallOptions { CancellationToken = timeout.Token }).ConfigureAwait(false);
            if (receipt.Count != Samples.Rich.Numbers!.Length)
            {
                throw new FuzzFindingException($"A healthy call came back wrong: {receipt}.");
            }
        }
        catch (Exception e) when (e is not FuzzFindingException)
        {
            throw new FuzzFindingException($"After the fuzz inputs, a well-behaved client was not served: {e}");
        }
    }

    private const string Token = "fuzz-token";

    private async ValueTask<TetherServer> StartedAsync()
    {
        if (_server is { } started)
        {
            return started;
        }

        var options = new TetherServerOptions
        {
            EndPoint = _endPoint,
            Transport = _transport,
            ResumeWindow = TimeSpan.FromSeconds(2),
        };
        options.Security.Authenticators.Add(new TokenAuthenticator());
        var server = new TetherServer(options);
        server.AddHandler(new FuzzHandler());
        await server.StartAsync().ConfigureAwait(false);
        _server = server;
        return server;
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        byte[] hello = SeedBytes.Frame(FrameType.Hello, 0, ProtocolConstants.Version, SeedBytes.ClientHello(resume: false));
        byte[] body = TetherCodec.ToArray(Samples.Rich);
        byte[] call = SeedBytes.Frame(FrameType.Request, 1, SeedBytes.CallMethodId, body, FrameFlags.Headers, SeedBytes.HeadersBlock(), sequence: 1);
        byte[] stream = SeedBytes.Frame(FrameType.Request, 3, SeedBytes.StreamMethodId, body, FrameFlags.Stream, sequence: 2);
        byte[] note = SeedBytes.Frame(FrameType.Message, 0, SeedBytes.NoteMethodId, body, sequence: 3);
        byte[] cancel = SeedBytes.Frame(FrameType.Cancel, 3, 0, [], sequence: 4);
        byte[] ping = SeedBytes.Frame(FrameType.Ping, 0, 0, BitConverter.GetBytes(7L));
        byte[] ack = SeedBytes.Frame(FrameType.Ack, 0, 0, BitConverter.GetBytes(1L));
        byte[] refresh = SeedBytes.Frame(FrameType.Authenticate, 1, 0, SeedBytes.Credentials());
        yield return new("session", [.. hello, .. call, .. stream, .. note, .. cancel, .. ping, .. ack, .. refresh]);
        yield return new("resume-unknown", SeedBytes.Frame(FrameType.Hello, 0, ProtocolConstants.Version, SeedBytes.ClientHello(resume: true)));
        yield return new("no-credentials", [.. SeedBytes.Frame(FrameType.Hello, 0, ProtocolConstants.Version, new Sessions.ClientHello(1 << 20, new NegotiationOffer([ProtocolConstants.Version], [], [], [], false), null).Encode()), .. call]);
        byte[] goAway = SeedBytes.Frame(FrameType.GoAway, 0, 0, "bye"u8);
        yield return new("goaway", [.. hello, .. goAway]);

        // Request streams (decision 0026): a client stream and a bidirectional one, their items, a credit grant and their ends.
        int item = MessageIdOf<Everything>();
        byte[] streams =
        [
            .. hello,
            .. SeedBytes.Frame(FrameType.Request, 5, SeedBytes.UploadMethodId, [], FrameFlags.InputStream | FrameFlags.Headers, SeedBytes.HeadersBlock(), sequence: 1),
            .. SeedBytes.Frame(FrameType.InputItem, 5, item, body, sequence: 2),
            .. SeedBytes.Frame(FrameType.InputItem, 5, item, body, sequence: 3),
            .. SeedBytes.Frame(FrameType.InputEnd, 5, 0, [], sequence: 4),
            .. SeedBytes.Frame(FrameType.Request, 7, SeedBytes.ChatMethodId, [], FrameFlags.InputStream | FrameFlags.Stream, sequence: 5),
            .. SeedBytes.Frame(FrameType.InputItem, 7, item, body, sequence: 6),
            .. SeedBytes.Frame(FrameType.Credit, 7, 16, [], sequence: 7),
            .. SeedBytes.Frame(FrameType.InputEnd, 7, 0, [], sequence: 8),
        ];
        yield return new("streams", streams);
    }

    private sealed class TokenAuthenticator : Security.IAuthenticator
    {
        public ValueTask<Security.AuthenticationResult> AuthenticateAsync(Security.AuthenticationRequest request, CancellationToken cancellationToken) =>
            new(request.Credentials?.Scheme != Security.TetherCredentials.BearerScheme ? Security.AuthenticationResult.NoResult
                : request.Credentials.GetSecretText() == Token
                    ? Security.AuthenticationResult.Success(new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity("Fuzz")))
                    : Security.AuthenticationResult.Fail("wrong token"));
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is { } server)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
