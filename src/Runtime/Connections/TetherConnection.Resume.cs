using Tether.Framing;
using Tether.Sessions;
using Tether.Transport;

namespace Tether.Connections;

/// <summary>
/// Resuming a session on a new link (SPEC R4.5, R4.6). The client presents its token and the last sequence number
/// it received; the server answers with a rotated token and its own last number; each side then sends what the
/// other lacks, in order, before anything new — so every sequenced frame reaches its handler exactly once.
/// </summary>
internal sealed partial class TetherConnection
{
    /// <summary>Serializes resumes of this session on the server (a token is good for one of them).</summary>
    /// <remarks>Made when a resume first needs it: most sessions never resume.</remarks>
    public SemaphoreSlim ResumeGate => _resumeGate ?? LazyInitializer.EnsureInitialized(ref _resumeGate, static () => new SemaphoreSlim(1, 1));

    private SemaphoreSlim? _resumeGate;

    /// <summary>Client: how many resume hellos this session has sent (only the reconnect loop sends them, one at a time).</summary>
    private ulong _resumeAttempts;

    /// <summary>The resume window the server announced (client) or applies (server).</summary>
    public TimeSpan ResumeWindow { get; private set; }

    /// <summary>When the session lost its last link (a <see cref="TimeProvider"/> timestamp), while <see cref="SessionState.Resuming"/>.</summary>
    public long ResumingSince => _resumingSince;

    /// <summary>Whether the frames after <paramref name="peerHas"/> are all still kept.</summary>
    public bool CanReplayAfter(ulong peerHas) => Output.CanReplayAfter(peerHas);

    /// <summary>Client: reattaches the session to <paramref name="transport"/> and completes when it is active again.</summary>
    /// <exception cref="TetherException">The link failed (the session stays resumable), or the server refused (the session is closed with the typed reason).</exception>
    public async Task ResumeOnAsync(TransportConnection transport, CancellationToken cancellationToken)
    {
        if (Output.HasOverflowed)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            var overflow = new TetherException(TetherErrorCode.ReplayBufferOverflow,
                "More was sent while the link was down than the replay buffer holds; the session cannot resume without loss.");
            await CloseAsync(overflow, cancellationToken).ConfigureAwait(false);
            throw overflow;
        }

        if (!Machine.TryMoveFrom(SessionState.Resuming, SessionState.Negotiating, $"resuming over {transport.TransportName}"))
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            throw new TetherException(TetherErrorCode.ConnectionClosed, $"The session is {State}; it cannot resume.");
        }

        if (_settings.Client!.Credentials is { } provider)
        {
            try
            {
                _credentials = await provider(cancellationToken).ConfigureAwait(false); // fresh ones: the old may have expired while the link was down
            }
            catch
            {
                await transport.DisposeAsync().ConfigureAwait(false);
                Machine.TryMoveFrom(SessionState.Negotiating, SessionState.Resuming, "the credentials provider failed");
                throw;
            }
        }

        Link link = BeginLink(transport);
        Output.Attach(transport);
        WriteClientHello(new ResumeRequest(Contract!.SessionId, _resumeToken!, LastReceivedSequence, ++_resumeAttempts));
        RunLink(link);
        await link.Ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Client: the server's answer to a resume hello.</summary>
    private ValueTask OnResumedHello(Link link, ServerHello hello)
    {
        SessionContract current = Contract!;
        if (!hello.Resumed || hello.Contract.SessionId != current.SessionId)
        {
            ProtocolError(TetherErrorCode.ProtocolViolation, "The server answered a resume with a hello for another session.");
            return default;
        }

        if (!current.IsCompatibleWith(hello.Contract))
        {
            EndSession(link, new TetherException(TetherErrorCode.ContractChanged,
                $"On resume the server's contract changed (version {hello.Contract.Version}, services {string.Join(", ", hello.Contract.Services)})."));
            return default;
        }

        Output.PeerMaxFrameSize = hello.MaxFrameSize;
        _resumeToken = hello.Token;
        ResumeWindow = hello.ResumeWindow;
        Contract = hello.Contract;
        OnCredentialsAccepted(hello.CredentialsLifetime);
        if (!Output.ResumeSequenced(hello.LastReceived, out int replayed))
        {
            EndSession(link, new TetherException(TetherErrorCode.ReplayBufferOverflow,
                $"The server has frames up to {hello.LastReceived}; the ones after it are no longer kept."));
            return default;
        }

        SendAck(); // also tells the server its new token arrived (it may forget the old one)
        _lanes.MoveToLink();
        link.Negotiated = true;
        if (LanesAllowed)
        {
            _lanes.StartAccepting(link);
        }
        Machine.MoveTo(SessionState.Active, $"resumed over {link.Transport.TransportName}, {replayed} frames replayed");
        ConnectionLog.Resumed(Logger, Id, link.Transport.TransportName, replayed, hello.LastReceived);
        OnResumed(replayed, CollectSpansForResume());
        link.SignalReady();
        return default;
    }

    /// <summary>Server: the link of a resume hello whose session accepted it, moved here from the engine that read the hello.</summary>
    public void AttachResumedLink(TransportConnection transport, ClientHello hello, ResumeGrant grant)
    {
        try
        {
            if (!Machine.TryMoveFrom(SessionState.Resuming, SessionState.Negotiating, $"resuming over {transport.TransportName}"))
            {
                transport.Abort(new TetherException(TetherErrorCode.ResumeRejected, "The session closed while resuming."));
                _ = transport.DisposeAsync().AsTask();
                return;
            }

            Link link = BeginLink(transport);
            link.Negotiated = true;
            link.UnconfirmedToken = grant.Token;
            Output.Attach(transport);
            Output.PeerMaxFrameSize = hello.MaxFrameSize;
            Contract = grant.Contract;
            OnResumedIdentity(grant.Identity);
            if (_durable is { } durable)
            {
                RewindToHandled(durable);
            }

            // The spans of the calls carried over, taken before the hello leaves: once the client has it, a call may
            // complete (and its span end) before this thread records the resume.
            List<System.Diagnostics.Activity>? spans = CollectSpansForResume();
            WriteServerHello(grant.Contract, grant.Token, resumed: true);
            if (!Output.ResumeSequenced(hello.Resume!.LastReceived, out int replayed))
            {
                EndSession(link, new TetherException(TetherErrorCode.ReplayBufferOverflow,
                    $"The client has frames up to {hello.Resume.LastReceived}; the ones after it are no longer kept."));
            }
            else
            {
                _lanes.MoveToLink();
                if (LanesAllowed)
                {
                    _lanes.StartAccepting(link);
                }

                Machine.MoveTo(SessionState.Active, $"resumed over {transport.TransportName}, {replayed} frames replayed");
                ConnectionLog.Resumed(Logger, Id, transport.TransportName, replayed, hello.Resume.LastReceived);
                OnResumed(replayed, spans);
                EndInterruptedStreams();
            }

            RunLink(link);
        }
        finally
        {
            ResumeGate.Release();
        }
    }

    /// <summary>Server: drops a link the server still holds for this session (a half-open one the client has given up on) and waits until the session is resumable.</summary>
    /// <remarks>
    /// Waits for the latest link's end even when it is no longer the current one: a link that already started ending
    /// (the server noticed the loss just before the resume hello arrived) is still Active until it has decided to
    /// resume, and a resume checked in between was refused as if the session were in use.
    /// </remarks>
    public async Task DetachForResumeAsync()
    {
        AbortLink(new TetherException(TetherErrorCode.ConnectionClosed, "Superseded by a resumed link."));
        Task ended = WaitForLinkEndAsync();
        if (!ended.IsCompleted)
        {
            ConnectionLog.ResumeWaitsForLinkEnd(Logger, Id);
        }

        await ended.ConfigureAwait(false);
    }

    /// <summary>Server: expires a session whose link stayed down longer than the resume window.</summary>
    private void ExpireIfDue(long now)
    {
        if (_settings.IsServer && State == SessionState.Resuming && now - _resumingSince >= ToTimestampTicks(ResumeWindow))
        {
            RequestStop(new TetherException(TetherErrorCode.SessionExpired,
                $"The link stayed down longer than the {ResumeWindow.TotalSeconds:0.#} s resume window."));
        }
    }

    /// <summary>
    /// Counts the resume and, while calls are traced, records it on the spans of the calls it carried over: a
    /// <c>tether.resumed</c> event (with the transport and the frames replayed) and, when the link moved to another
    /// transport, <c>tether.transport_changed</c>.
    /// </summary>
    private void OnResumed(int replayed, List<System.Diagnostics.Activity>? spans)
    {
        Metrics.OnResumed(replayed);
        Hooks?.Reconnected(Peer, resumed: true);
        if (spans is null)
        {
            return;
        }

        string transport = TransportName;
        bool changed = !string.Equals(transport, _lastTransportName, StringComparison.Ordinal) && _lastTransportName.Length > 0;
        var tags = new System.Diagnostics.ActivityTagsCollection
        {
            ["network.transport.name"] = transport,
            ["tether.replayed_frames"] = replayed,
        };
        foreach (System.Diagnostics.Activity span in spans)
        {
            span.AddEvent(new System.Diagnostics.ActivityEvent("tether.resumed", tags: tags));
            if (changed)
            {
                span.AddEvent(new System.Diagnostics.ActivityEvent("tether.transport_changed", tags: new System.Diagnostics.ActivityTagsCollection
                {
                    ["from"] = _lastTransportName,
                    ["to"] = transport,
                }));
            }
        }
    }

    /// <summary>The spans of the calls in flight, while calls are traced; null when none is (or nobody listens).</summary>
    private List<System.Diagnostics.Activity>? CollectSpansForResume()
    {
        if (!Observability.TetherTracing.Client.HasListeners() && !Observability.TetherTracing.Server.HasListeners())
        {
            return null;
        }

        var spans = new List<System.Diagnostics.Activity>();
        _pending.CollectSpans(spans);
        Incoming.CollectSpans(spans);
        return spans.Count == 0 ? null : spans;
    }

    /// <summary>Sets how long this (server) session stays resumable without a link.</summary>
    public void SetResumeWindow(TimeSpan window) => ResumeWindow = window;

    /// <summary>Ends the session from within a hello exchange: tells the peer why, then closes.</summary>
    private void EndSession(Link link, TetherException reason)
    {
        ConnectionLog.ConnectionRefused(Logger, Id, reason.Code);
        Metrics.OnRefused(reason.Code);
        TryWriteError(FrameType.GoAway, reason.Code, reason.Message);
        link.Ready.TrySetException(reason);
        RequestStop(reason);
    }

    /// <summary>Server: a resume hello. Asks the registry for the session; on success the transport moves there once this loop stops.</summary>
    private async ValueTask ResumeOnServerAsync(Link link, ClientHello hello, ISessionRegistry registry, Security.SessionIdentity? identity)
    {
        ResumeGrant grant;
        try
        {
            grant = await registry.ResumeAsync(hello, link.Transport, identity).ConfigureAwait(false);
        }
        catch (TetherException refusal)
        {
            Refuse(refusal);
            return;
        }

        link.Handover = transport => grant.Target.AttachResumedLink(transport, hello, grant);
    }

    /// <summary>Server: the client's first acknowledgement on a resumed link proves it holds the new token; the old one can go.</summary>
    private void ConfirmResume(Link link, byte[] token)
    {
        link.UnconfirmedToken = null;
        _settings.Registry!.Confirm(this, token);
    }

    void IReplayOverflowListener.OnReplayOverflowed() => ConnectionLog.ReplayOverflowed(Logger, Id, _settings.ReplayBufferFrames, _settings.ReplayBufferBytes);
}
