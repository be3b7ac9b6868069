using System.Buffers;
using Tether.Framing;
using Tether.Sessions;

namespace Tether.Connections;

/// <summary>The hello exchange and negotiation of a new session (SPEC R4.1, <c>docs/wire-format.md</c> §7).</summary>
internal sealed partial class TetherConnection
{
    /// <summary>Client: the current resume token (null on a session that cannot resume).</summary>
    private byte[]? _resumeToken;

    /// <summary>The certificate the peer authenticated with on the session's first link (TLS, QUIC); null on plain links.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? PeerCertificate { get; private set; }

    /// <summary>The clock of every timeout and deadline.</summary>
    public TimeProvider Time => _settings.TimeProvider;

    /// <summary>The most items this side buffers per stream it receives (the top of its flow-control window).</summary>
    public int StreamBufferItems => _settings.StreamBufferItems;

    /// <summary>
    /// Who the peer is, as calls see it (<see cref="CallContext.User"/>): on a server the principal its authentication
    /// gave the session; otherwise the identity of the certificate it presented, or anonymous.
    /// </summary>
    public System.Security.Claims.ClaimsPrincipal User => _identity?.Principal ?? (_user ??= Security.SessionIdentity.UnauthenticatedPrincipal(PeerCertificate));

    private System.Security.Claims.ClaimsPrincipal? _user;

    /// <summary>Set by a server that must refuse this connection (for example at its connection limit): the client learns why instead of a hello.</summary>
    public TetherException? RefuseAtHandshake { get; set; }

    private void WriteClientHello(ResumeRequest? resume)
    {
        ClientSessionSettings client = _settings.Client!;
        var hello = new ClientHello(_settings.MaxFrameSize, client.CreateOffer(_link!.Transport.TransportName), resume, _credentials);
        Output.WriteControl(FrameType.Hello, 0, ProtocolConstants.Version, hello.Encode());
    }

    /// <summary>The first frame on a link must be a hello (or, for a client being refused, a goaway or error saying why).</summary>
    private ValueTask OnHandshakeFrame(Link link, in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        if (!_settings.IsServer && header.Type is FrameType.GoAway or FrameType.Error)
        {
            // A refusal may carry trailing metadata (a rate limit's retry-after) before its text.
            ReadOnlySequence<byte> text = payload;
            CallMetadata? trailers = null;
            if ((header.Flags & FrameFlags.Headers) != 0
                && CallHeaderCodec.TryRead(payload, _settings.CallHeaderLimits, out IncomingCallHeaders? block, out ReadOnlySequence<byte> rest, out _) == TetherErrorCode.None)
            {
                trailers = block!.Metadata;
                text = rest;
            }

            TetherException refusal = TetherErrors.FromPeer(header.MessageId, ControlPayload.ReadText(text), RetryAfterOf(trailers));
            ConnectionLog.ConnectionRefused(Logger, Id, refusal.Code);
            Metrics.OnRefused(refusal.Code);
            link.Ready.TrySetException(refusal);
            _handshake.TrySetException(refusal);
            RequestStop(refusal);
            return default;
        }

        if (header.Type != FrameType.Hello)
        {
            ProtocolError(TetherErrorCode.ProtocolViolation, $"Expected a hello, got a {header.Type} frame.");
            return default;
        }

        if (header.MessageId < 1 || payload.Length > ProtocolConstants.MaxHelloBytes)
        {
            ProtocolError(TetherErrorCode.UnsupportedVersion, $"The hello is malformed (version {header.MessageId}, {payload.Length:N0} bytes).");
            return default;
        }

        byte[] bytes = payload.ToArray();
        try
        {
            return _settings.IsServer ? OnClientHello(link, header.MessageId, bytes) : OnServerHello(link, header.MessageId, bytes);
        }
        catch (TetherException e)
        {
            ProtocolError(e.Code, e.Message);
            return default;
        }
    }

    private ValueTask OnClientHello(Link link, int version, byte[] payload)
    {
        ClientHello hello = ClientHello.Decode(version, payload);
        if (RefuseAtHandshake is { } limit)
        {
            Refuse(limit);
            return default;
        }

        if (_settings.Security is { } security)
        {
            if (security.AdmitHello(Id, link.Transport.RemoteEndPoint) is { } limited)
            {
                Refuse(limited);
                return default;
            }

            return AuthenticateHelloAsync(link, hello, security);
        }

        return OnAuthenticatedHello(link, hello, identity: null);
    }

    /// <summary>Server: runs the authenticators on the hello (before anything else of the session exists), then goes on with it.</summary>
    private async ValueTask AuthenticateHelloAsync(Link link, ClientHello hello, Security.ServerSecurity security)
    {
        Security.SessionIdentity identity;
        try
        {
            var request = new Security.AuthenticationRequest(
                hello.Resume is null ? Security.AuthenticationPurpose.NewSession : Security.AuthenticationPurpose.Resume,
                hello.Credentials, link.Transport.RemoteCertificate, link.Transport.RemoteEndPoint, link.Transport.TransportName);
            identity = await security.AuthenticateAsync(Id, request, this).ConfigureAwait(false);
        }
        catch (TetherException refusal)
        {
            Refuse(refusal);
            return;
        }

        await OnAuthenticatedHello(link, hello, identity).ConfigureAwait(false);
    }

    private ValueTask OnAuthenticatedHello(Link link, ClientHello hello, Security.SessionIdentity? identity)
    {
        ISessionRegistry registry = _settings.Registry!;
        if (hello.Resume is not null)
        {
            link.HandoverPending = true;
            return ResumeOnServerAsync(link, hello, registry, identity);
        }

        SessionContract contract;
        try
        {
            contract = Negotiator.Negotiate(hello.Offer, registry.Policy, registry.Services, registry.Transports, link.Transport.TransportName, Guid.NewGuid());
            contract = contract with
            {
                Durable = contract.Resumable && registry.Durable,
                DeprecatedMethods = registry.DeprecatedMethods,
                Compression = ChooseCompression(hello.Offer.Compression, _settings.Compression),
            };
        }
        catch (TetherException refusal)
        {
            Refuse(refusal);
            return default;
        }

        Output.PeerMaxFrameSize = hello.MaxFrameSize;
        Contract = contract;
        UseCompression(contract.Compression);
        _identity = identity;
        Incoming.Bind(Peer!);
        registry.Established(this); // before the client can learn its id from the server hello
        if (!contract.Resumable)
        {
            WriteServerHello(contract, token: null, resumed: false);
            return CompleteHandshake(link);
        }

        byte[] token = ResumeTokens.Create();
        PeerCertificate ??= link.Transport.RemoteCertificate; // before the registry records it (a durable journal keeps its hash)
        ValueTask saved = registry.RegisterAsync(this, token);
        return saved.IsCompletedSuccessfully ? AcceptResumable(link, contract, token) : AcceptResumableAsync(saved, link, contract, token);
    }

    private async ValueTask AcceptResumableAsync(ValueTask saved, Link link, SessionContract contract, byte[] token)
    {
        await saved.ConfigureAwait(false);
        await AcceptResumable(link, contract, token).ConfigureAwait(false);
    }

    private ValueTask AcceptResumable(Link link, SessionContract contract, byte[] token)
    {
        WriteServerHello(contract, token, resumed: false);
        StartSequencing();
        return CompleteHandshake(link);
    }

    /// <summary>Server: the first algorithm the client offered that this server accepts (the client's preference wins).</summary>
    private static CompressionAlgorithm ChooseCompression(IReadOnlyList<CompressionAlgorithm> offered, CompressionOptions? accepted) =>
        accepted is { Algorithms.Count: > 0 } ? offered.FirstOrDefault(accepted.Algorithms.Contains) : CompressionAlgorithm.None;

    /// <summary>From the hello on, this side compresses its large frames as negotiated (the frames say so themselves, so the peer reads them either way).</summary>
    private void UseCompression(CompressionAlgorithm algorithm) =>
        Output.Compression = algorithm == CompressionAlgorithm.None || _settings.Compression is not { } options
            ? null
            : new Compression.FrameCompression(algorithm, options.Threshold, options.Level);

    private void WriteServerHello(SessionContract contract, byte[]? token, bool resumed)
    {
        var hello = new ServerHello(_settings.MaxFrameSize, contract, token, LastReceivedSequence, resumed, _settings.Registry!.ResumeWindow, CredentialsLifetime());
        Output.WriteControl(FrameType.Hello, 0, contract.Version, hello.Encode());
    }

    private ValueTask OnServerHello(Link link, int version, byte[] payload)
    {
        ClientSessionSettings client = _settings.Client!;
        ServerHello hello = ServerHello.Decode(version, payload, client.Services);
        if (Contract is not null)
        {
            return OnResumedHello(link, hello);
        }

        Output.PeerMaxFrameSize = hello.MaxFrameSize;
        SessionContract contract = hello.Contract;
        Contract = contract.Transport.Length == 0 ? contract with { Transport = link.Transport.TransportName } : contract;
        UseCompression(contract.Compression);
        OnCredentialsAccepted(hello.CredentialsLifetime);
        if (contract.Resumable)
        {
            _resumeToken = hello.Token;
            ResumeWindow = hello.ResumeWindow;
            StartSequencing();
        }

        return CompleteHandshake(link);
    }

    private void StartSequencing()
    {
        Output.EnableSequencing(_settings.MemoryPool, _settings.ReplayBufferBytes, _settings.ReplayBufferFrames);
        _sequencedIn = true;
    }

    private ValueTask CompleteHandshake(Link link)
    {
        PeerCertificate ??= link.Transport.RemoteCertificate; // the identity the session was opened with
        link.Negotiated = true;
        Machine.MoveTo(SessionState.Active);
        if (LanesAllowed)
        {
            _lanes.StartAccepting(link);
        }

        if (_handshake.TrySetResult())
        {
            Lifetime?.HandshakeSucceeded(this);
        }

        link.SignalReady();
        return default;
    }

    /// <summary>Server: the client cannot have this session (negotiation, limits, resume): say why with a goaway and close.</summary>
    private void Refuse(TetherException refusal)
    {
        ConnectionLog.ConnectionRefused(Logger, Id, refusal.Code);
        Metrics.OnRefused(refusal.Code);
        if (refusal.RetryAfter is { } wait)
        {
            // An error frame (call id 0) can carry the wait as trailing metadata; a goaway carries only text.
            var trailers = new CallMetadata { { CallMetadata.RetryAfterKey, ((long)Math.Ceiling(wait.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture) } };
            try
            {
                Output.WriteError(FrameType.Error, 0, refusal.Code, refusal.Message, trailers);
            }
            catch (TetherException)
            {
            }
        }
        else
        {
            TryWriteError(FrameType.GoAway, refusal.Code, refusal.Message);
        }

        _handshake.TrySetException(refusal);
        RequestStop(refusal);
    }

    private void TryWriteError(FrameType type, TetherErrorCode code, string message) => TryWriteError(type, 0, code, message);

    private void TryWriteError(FrameType type, uint callId, TetherErrorCode code, string message)
    {
        try
        {
            Output.WriteError(type, callId, code, message);
        }
        catch (TetherException)
        {
        }
    }
}
