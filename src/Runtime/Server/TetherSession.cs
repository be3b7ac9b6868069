using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using Tether.Connections;

namespace Tether;

/// <summary>A connected client, as the server sees it: call it, push to it, group it, inspect it.</summary>
public sealed class TetherSession : TetherPeer
{
    private readonly TetherConnection _connection;
    private ConcurrentDictionary<string, object?>? _items;
    private ClaimsPrincipal? _principal;

    /// <summary>What the server has been told and has raised of this session's life (<c>Lifecycle*</c> bits, set atomically).</summary>
    internal int Lifecycle;

    /// <summary>The first hello exchange succeeded.</summary>
    internal const int LifecycleStarted = 1;

    /// <summary>SessionStarted has been raised.</summary>
    internal const int LifecycleStartRaised = 2;

    /// <summary>The session closed.</summary>
    internal const int LifecycleClosed = 4;

    internal TetherSession(TetherServer server, TetherConnection connection)
    {
        Server = server;
        _connection = connection;
        connection.StateChanged += s_onStateChanged;
    }

    // Shared by every session (an idle one holds no closure); the engine's peer is its session before its state first changes.
    private static readonly Action<TetherConnection, SessionStateChange> s_onStateChanged =
        static (connection, change) => (connection.Peer as TetherSession)?.RaiseStateChanged(change);

    private protected override TetherConnection CurrentConnection => _connection;

    internal TetherConnection Connection => _connection;

    /// <summary>
    /// The session's identity: the id negotiation gave it (<see cref="SessionContract.SessionId"/>, random), the same on the
    /// client (<c>client.Contract.SessionId</c>), across resumes and transports; <see cref="Guid.Empty"/> until the hello
    /// exchange is done. Server operations take it (<see cref="TetherServer.SendToAsync{T}"/>, <see cref="TetherServer.TryGetSession"/>).
    /// </summary>
    public Guid Id => _connection.Contract?.SessionId ?? Guid.Empty;

    /// <summary>This process's number for the session's engine (logs and internal tables); <see cref="Id"/> is the session's identity.</summary>
    internal long ConnectionId => _connection.Id;

    /// <summary>The principal the client authenticated as in the handshake, or null when it is anonymous.</summary>
    internal ClaimsPrincipal? AuthenticatedPrincipal => _connection.Identity is { IsAuthenticated: true } identity ? identity.Principal : null;

    /// <summary>Who the client authenticated as (its principal's name, else its subject), or null when it is anonymous.</summary>
    internal string? AuthenticatedName => _connection.Identity is { IsAuthenticated: true } identity ? identity.Principal.Identity?.Name ?? identity.Subject : null;

    /// <summary>The server the session belongs to.</summary>
    public TetherServer Server { get; }

    /// <summary>When the connection was accepted.</summary>
    public DateTimeOffset ConnectedAt => _connection.ConnectedAt;

    /// <summary>The client certificate the session was opened with (mTLS over TLS or QUIC), already validated against the trusted authorities; null otherwise.</summary>
    /// <remarks>A resume must present the same certificate, so this never changes during the session.</remarks>
    public X509Certificate2? ClientCertificate => _connection.PeerCertificate;

    /// <summary>
    /// Who the client is: from its certificate (authentication type <c>mTLS</c>, name = the certificate's simple name,
    /// claims for subject, thumbprint (SHA-256) and serial number), or an anonymous principal on links without one.
    /// </summary>
    public ClaimsPrincipal Principal => _principal ??= CreatePrincipal(ClientCertificate);

    /// <summary>Application state attached to the session (a user name, an identity…).</summary>
    public ConcurrentDictionary<string, object?> Items =>
        _items ?? Interlocked.CompareExchange(ref _items, new ConcurrentDictionary<string, object?>(StringComparer.Ordinal), null) ?? _items;

    /// <summary>Groups the session belongs to.</summary>
    public IReadOnlyList<string> Groups => Server.GroupsOf(this);

    /// <summary>A snapshot of the session's state and counters.</summary>
    public SessionInfo GetInfo() => new()
    {
        Id = Id,
        RemoteEndPoint = _connection.RemoteEndPoint,
        Transport = _connection.TransportName,
        State = _connection.State,
        RoundTripTime = _connection.RoundTripTime,
        ConnectedAt = _connection.ConnectedAt,
        BytesSent = _connection.BytesSent,
        BytesReceived = _connection.BytesReceived,
        FramesSent = _connection.Output.FramesWritten,
        FramesReceived = _connection.Counters.FramesReceived,
        CallsStarted = _connection.Counters.CallsStarted,
        CallsFailed = _connection.Counters.CallsFailed,
        InFlightCalls = _connection.InFlight,
        QueuedBytes = _connection.Output.QueuedBytes,
        PushesDropped = _connection.Counters.PushesDropped,
        Groups = Groups,
    };

    /// <summary>
    /// Closes the session: bytes already queued still leave, and a resumable session waits (at most
    /// <see cref="TetherConnectionOptions.CloseAcknowledgementTimeout"/>, 2 s by default) for the client to acknowledge
    /// what it was sent, so only what the client may not have is reported as undelivered.
    /// </summary>
    /// <param name="cancellationToken">Ends the wait for the client's acknowledgement early; the session still closes.</param>
    public Task CloseAsync(CancellationToken cancellationToken = default) => _connection.CloseAsync(cancellationToken: cancellationToken);

    private static ClaimsPrincipal CreatePrincipal(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return new ClaimsPrincipal(new ClaimsIdentity());
        }

        const string issuer = "tether-mtls";
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false), ClaimValueTypes.String, issuer),
                new Claim(ClaimTypes.X500DistinguishedName, certificate.Subject, ClaimValueTypes.String, issuer),
                new Claim(ClaimTypes.Thumbprint, certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256), ClaimValueTypes.Base64Binary, issuer),
                new Claim(ClaimTypes.SerialNumber, certificate.SerialNumber, ClaimValueTypes.String, issuer),
            ],
            authenticationType: "mTLS");
        return new ClaimsPrincipal(identity);
    }

    /// <inheritdoc />
    public override string ToString() => $"session {Id} (connection {ConnectionId}, {_connection.RemoteEndPoint}, {_connection.TransportName})";
}
