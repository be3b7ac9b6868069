using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Tether.Connections;
using Tether.Sessions;
using Tether.Sessions.Durable;
using Tether.Transport;

namespace Tether;

/// <summary>
/// The server as its engines' <see cref="ISessionRegistry"/>: negotiation inputs, resumable sessions by id, and the
/// resume checks (token against the stored hash, rotation, overflow, contract) with their typed refusals.
/// </summary>
public sealed partial class TetherServer
{
    private ISessionStore _store;
    private SessionJournal? _journal;
    private readonly ConcurrentDictionary<Guid, TetherSession> _resumable = new();
    private IReadOnlyList<Capability> _serviceCapabilities = [];
    private IReadOnlyList<DeprecatedMethod> _deprecatedMethods = [];
    private IReadOnlyCollection<string> _transportNames = [];

    /// <summary>Raised when a session's link was lost and it waits (for up to <see cref="TetherServerOptions.ResumeWindow"/>) for its client to resume it.</summary>
    public event Action<TetherSession>? SessionSuspended;

    /// <summary>Sessions that lost their link and wait for their client.</summary>
    public int ResumingCount => _resumable.Values.Count(static s => s.State == SessionState.Resuming);

    NegotiationPolicy ISessionRegistry.Policy => _options.Negotiation;

    IReadOnlyList<Capability> ISessionRegistry.Services => _serviceCapabilities;

    IReadOnlyCollection<string> ISessionRegistry.Transports => _transportNames;

    TimeSpan ISessionRegistry.ResumeWindow => _options.ResumeWindow;

    bool ISessionRegistry.Durable => _journal is not null;

    IReadOnlyList<DeprecatedMethod> ISessionRegistry.DeprecatedMethods => _deprecatedMethods;

    void ISessionRegistry.Established(TetherConnection session) =>
        _sessionsById.TryAdd(session.Contract!.SessionId, (TetherSession)session.Peer!);

    ValueTask ISessionRegistry.RegisterAsync(TetherConnection session, byte[] token)
    {
        _resumable[session.Contract!.SessionId] = (TetherSession)session.Peer!;
        var ticket = new SessionTicket(session.Contract.SessionId, ResumeTokens.Hash(token), null, DateTimeOffset.MaxValue);
        if (_journal is not { } journal)
        {
            return _store.SaveAsync(ticket);
        }

        // Before its first numbered frame: what the journal needs to rebuild it, its ticket, then every frame it sends.
        string? subject = session.Identity is { IsAuthenticated: true } identity ? identity.Subject : null;
        byte[]? certificate = session.PeerCertificateHash is { } hash ? Convert.FromHexString(hash) : null;
        journal.Describe(session.Contract, subject, certificate);
        session.AttachDurable(journal.Attach(session.Contract.SessionId, session, recovered: null));
        return journal.SaveAsync(ticket);
    }

    /// <summary>Opens the durable session journal and rebuilds every session it kept, each waiting for its client to resume.</summary>
    private async Task RecoverSessionsAsync()
    {
        if (_options.SharedSessionJournal is { } shared)
        {
            // Sessions kept by every node of a cluster: claimed when their client resumes here, not at start.
            var sharedJournal = SessionJournal.OpenShared(shared(), _options.TimeProvider);
            _journal = sharedJournal;
            _store = sharedJournal;
            return;
        }

        if (_options.DurableSessions is not { } storage)
        {
            return;
        }

        var journal = SessionJournal.Open(storage, _options.TimeProvider, _logger);
        _journal = journal;
        _store = journal;
        int restored = 0;
        foreach (RecoveredSession recovered in journal.TakeRecovered())
        {
            if (await RestoreAsync(journal, recovered).ConfigureAwait(false) is not null)
            {
                restored++;
            }
        }

        ConnectionLog.SessionsRestored(_logger, restored, storage.Directory);
    }

    /// <summary>Rebuilds the engine of a session the journal kept, waiting a resume window from now for its client; null if it cannot be.</summary>
    private async Task<TetherSession?> RestoreAsync(SessionJournal journal, RecoveredSession recovered)
    {
        TetherConnection engine;
        try
        {
            engine = new TetherConnection(_settings!, recovered, journal);
        }
        catch (TetherException e)
        {
            ConnectionLog.SessionNotRestored(_logger, recovered.Ticket.Ticket.SessionId, e.Message);
            await journal.RemoveAsync(recovered.Ticket.Ticket.SessionId).ConfigureAwait(false);
            return null;
        }

        engine.SetResumeWindow(_options.ResumeWindow);
        Interlocked.Increment(ref _connections); // as an accepted connection: its close counts it out
        TetherSession session = Track(engine);
        engine.StartRestored(session);
        _sessionsById[recovered.Ticket.Ticket.SessionId] = session;
        _resumable[recovered.Ticket.Ticket.SessionId] = session;
        // Its link is gone (the process that held it died, or its client moved here): it waits a resume window from now, then expires.
        await journal.SaveAsync(recovered.Ticket.Ticket with { ExpiresAt = _options.TimeProvider.GetUtcNow() + _options.ResumeWindow }).ConfigureAwait(false);
        return session;
    }

    /// <summary>A resume for a session this node does not hold, with a shared journal: claims it from there if the token is its.</summary>
    private async Task<TetherSession?> ClaimAsync(ResumeRequest request)
    {
        if (_journal is not { ClaimsOnResume: true } journal)
        {
            return null;
        }

        await _claimGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_resumable.TryGetValue(request.SessionId, out TetherSession? claimedMeanwhile))
            {
                return claimedMeanwhile;
            }

            RecoveredSession? recovered;
            try
            {
                recovered = await journal.TryClaimAsync(request.SessionId, request.Token).ConfigureAwait(false);
            }
            catch (TetherException e) when (e.Code == TetherErrorCode.StoreUnavailable)
            {
                ConnectionLog.ResumeRefused(_logger, 0, e.Code, $"session {request.SessionId}: the shared session store is unreachable");
                throw;
            }

            return recovered is null ? null : await RestoreAsync(journal, recovered).ConfigureAwait(false);
        }
        finally
        {
            _claimGate.Release();
        }
    }

    private readonly SemaphoreSlim _claimGate = new(1, 1);

    /// <summary>
    /// Whether the shared store still names this node as the session's holder. Unreachable counts as yes, so a client
    /// resumes where its session is alive while the store is away; a client that resumed on another node meanwhile
    /// holds a token this copy never issued, so it is refused here rather than served stale.
    /// </summary>
    private static async ValueTask<bool> StillHeldHereAsync(SessionJournal journal, Guid sessionId)
    {
        try
        {
            return await journal.HoldsAsync(sessionId).ConfigureAwait(false);
        }
        catch (TetherException e) when (e.Code == TetherErrorCode.StoreUnavailable)
        {
            return true;
        }
    }

    async ValueTask<ResumeGrant> ISessionRegistry.ResumeAsync(ClientHello hello, TransportConnection transport, Security.SessionIdentity? identity)
    {
        ResumeRequest request = hello.Resume!;
        string transportName = transport.TransportName;
        if (_resumable.TryGetValue(request.SessionId, out TetherSession? session) && _journal is { ClaimsOnResume: true } shared
            && !await StillHeldHereAsync(shared, request.SessionId).ConfigureAwait(false))
        {
            // Its client resumed on another node since it was here: this engine is stale. It goes (taken out first, so
            // its end removes nothing from the shared store) and the session is claimed afresh.
            _resumable.TryRemove(new KeyValuePair<Guid, TetherSession>(request.SessionId, session));
            _sessionsById.TryRemove(new KeyValuePair<Guid, TetherSession>(request.SessionId, session));
            await session.Connection.CloseAsync(new TetherException(TetherErrorCode.SessionUnknown, "The session moved to another node.")).ConfigureAwait(false);
            session = null;
        }

        if (session is null && (session = await ClaimAsync(request).ConfigureAwait(false)) is null)
        {
            // Not a token problem: this server does not hold the session (never had it, it ended or expired, or the
            // server restarted without a durable store). The client learns that, and fails what it had not had
            // acknowledged by name, instead of reading it as a bad token.
            ConnectionLog.ResumeRefused(_logger, 0, TetherErrorCode.SessionUnknown, $"session {request.SessionId}: not held by this server");
            throw new TetherException(TetherErrorCode.SessionUnknown);
        }

        TetherConnection engine = session.Connection;
        await engine.ResumeGate.WaitAsync().ConfigureAwait(false);
        bool granted = false;
        try
        {
            SessionTicket? ticket = await _store.FindAsync(request.SessionId).ConfigureAwait(false);
            if (ticket is null)
            {
                throw Rejected(request.SessionId, "no ticket (expired)");
            }

            bool current = ResumeTokens.Matches(request.Token, ticket.TokenHash);
            if (!current && !(ticket.PreviousTokenHash is { } previous && ResumeTokens.Matches(request.Token, previous)))
            {
                throw Rejected(request.SessionId, "the token does not match (wrong, already used, or another session's)");
            }

            if (request.Attempt <= ticket.LastResumeAttempt)
            {
                throw Rejected(request.SessionId, $"a stale resume hello (attempt {request.Attempt}; attempt {ticket.LastResumeAttempt} was granted already)");
            }

            if (!SamePeerIdentity(engine.PeerCertificateHash, transport.RemoteCertificate))
            {
                throw Rejected(request.SessionId, "the new link does not carry the client certificate the session was authenticated with");
            }

            // A resume must be the same principal: a token (or a link) alone does not carry a session over to someone else.
            if (identity is not null && engine.Identity is { IsAuthenticated: true } held
                && !string.Equals(identity.Subject, held.Subject, StringComparison.Ordinal))
            {
                throw _security!.PrincipalChanged(engine.Id, Security.AuthenticationPurpose.Resume, identity, held);
            }

            await engine.DetachForResumeAsync().ConfigureAwait(false);
            if (engine.State != SessionState.Resuming)
            {
                throw Rejected(request.SessionId, $"the session is {engine.State}");
            }

            if (!engine.CanReplayAfter(request.LastReceived))
            {
                throw await EndAsync(engine, new TetherException(TetherErrorCode.ReplayBufferOverflow,
                    "More was sent to this client while its link was down than the replay buffer holds; the session cannot resume without loss. Start a new session.")).ConfigureAwait(false);
            }

            SessionContract renewed;
            try
            {
                renewed = Negotiator.Negotiate(hello.Offer, _options.Negotiation, _serviceCapabilities, _transportNames, transportName, request.SessionId);
            }
            catch (TetherException refusal)
            {
                throw await EndAsync(engine, refusal).ConfigureAwait(false);
            }

            renewed = renewed with { Durable = engine.Contract!.Durable };
            if (!engine.Contract!.IsCompatibleWith(renewed))
            {
                throw await EndAsync(engine, new TetherException(TetherErrorCode.ContractChanged,
                    $"The session was negotiated as version {engine.Contract.Version} with {string.Join(", ", engine.Contract.Services)}; this hello would give version {renewed.Version} with {string.Join(", ", renewed.Services)}.")).ConfigureAwait(false);
            }

            // Rotate: the new token replaces the old, which stays good only until the client shows it has the new one.
            byte[] token = ResumeTokens.Create();
            await _store.SaveAsync(new SessionTicket(request.SessionId, ResumeTokens.Hash(token), ResumeTokens.Hash(request.Token), DateTimeOffset.MaxValue)
            {
                LastResumeAttempt = request.Attempt,
            }).ConfigureAwait(false);
            granted = true;
            return new ResumeGrant(engine, token, renewed, identity);
        }
        finally
        {
            if (!granted)
            {
                engine.ResumeGate.Release(); // a grant keeps the gate until the link is attached
            }
        }
    }

    /// <summary>A session authenticated by a client certificate resumes only on a link that presents the same one (compared by SHA-256, which a restart keeps).</summary>
    private static bool SamePeerIdentity(string? sessionCertificateHash, X509Certificate2? link) =>
        sessionCertificateHash is null
        || (link is not null && string.Equals(sessionCertificateHash, link.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256), StringComparison.OrdinalIgnoreCase));

    void ISessionRegistry.Confirm(TetherConnection session, byte[] token) => _ = ConfirmAsync(session, token);

    /// <summary>
    /// Forgets the previous token, unless another resume rotated the token again since <paramref name="token"/> was
    /// granted (an acknowledgement from a link that was superseded meanwhile): the previous hash is then the one the
    /// client may still hold.
    /// </summary>
    private async Task ConfirmAsync(TetherConnection session, byte[] token)
    {
        await session.ResumeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            Guid id = session.Contract!.SessionId;
            if (await _store.FindAsync(id).ConfigureAwait(false) is { PreviousTokenHash: not null } ticket && ResumeTokens.Matches(token, ticket.TokenHash))
            {
                await _store.SaveAsync(ticket with { PreviousTokenHash = null }).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            ConnectionLog.SessionStoreFailed(_logger, session.Id, e);
        }
        finally
        {
            session.ResumeGate.Release();
        }
    }

    private TetherException Rejected(Guid sessionId, string why)
    {
        // The reason is logged for operators; the client only learns the code (no oracle for guessing tokens).
        ConnectionLog.ResumeRefused(_logger, 0, TetherErrorCode.ResumeRejected, $"session {sessionId}: {why}");
        return new TetherException(TetherErrorCode.ResumeRejected);
    }

    private static async Task<TetherException> EndAsync(TetherConnection engine, TetherException reason)
    {
        await engine.CloseAsync(reason).ConfigureAwait(false);
        return reason;
    }

    private void OnLinkLost(TetherConnection connection, Exception reason, bool resuming)
    {
        if (!resuming || connection.Peer is not TetherSession session)
        {
            return;
        }

        _ = SuspendAsync(session);
        Raise(SessionSuspended, session);
    }

    /// <summary>The ticket now expires a resume window after the link was lost.</summary>
    /// <remarks>
    /// Every read-modify-write of a ticket holds the session's resume gate. A server that notices a half-open link only
    /// when the client resumes over a new one loses the old link while that resume holds the gate: unserialized, this
    /// update read the ticket before the rotation and wrote it back after, bringing back the old token (the client's
    /// next resume was refused) and an expiry on a session that was active again.
    /// </remarks>
    private async Task SuspendAsync(TetherSession session)
    {
        TetherConnection engine = session.Connection;
        await engine.ResumeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (engine.State == SessionState.Resuming && await _store.FindAsync(session.Id).ConfigureAwait(false) is { } ticket)
            {
                await _store.SaveAsync(ticket with { ExpiresAt = _options.TimeProvider.GetUtcNow() + _options.ResumeWindow }).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            ConnectionLog.SessionStoreFailed(_logger, session.ConnectionId, e);
        }
        finally
        {
            engine.ResumeGate.Release();
        }
    }

    private async Task ForgetAsync(TetherSession session)
    {
        Guid id = session.Id;
        if (id == Guid.Empty || !_resumable.TryRemove(new KeyValuePair<Guid, TetherSession>(id, session)))
        {
            return;
        }

        try
        {
            await _store.RemoveAsync(id).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            ConnectionLog.SessionStoreFailed(_logger, session.ConnectionId, e);
        }
    }
}
