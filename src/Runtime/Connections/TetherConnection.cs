using System.Net;
using Microsoft.Extensions.Logging;
using Tether.Transport;

namespace Tether.Connections;

/// <summary>
/// The protocol engine of one session, the same on both sides: it reads frames from its current link and dispatches
/// incoming calls to the generated handler tables, tracks the calls this side started, and writes frames through
/// <see cref="FrameOutput"/>. On a resumable session the engine outlives its links: when one fails, calls stay
/// pending, handlers keep running, sequenced frames are kept for replay, and a new link continues where the old one
/// stopped (<c>TetherConnection.Resume.cs</c>). The server and client differ in who says hello first and in their
/// <see cref="ConnectionSettings"/>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The link stop sources have no timers; other threads may still call RequestStop after the session closed.")]
internal sealed partial class TetherConnection : ICallLaneHost, ILinkTiming, IReplayOverflowListener, ISessionStateObserver, Security.ISessionStopSource
{
    private static long s_nextId;

    private readonly ConnectionSettings _settings;
    private readonly PendingCallTable _pending;
    private readonly CallLanes _lanes;
    // Tasks made only when someone waits on them (the server is told through Lifetime instead): see LazySignal.
    private Internal.LazySignal _handshake;
    private Internal.LazySignal _closed;
    private TaskCompletionSource? _peerGoingAway; // made when first asked for or when the peer says it is going away
    private Exception? _closeReason;
    private int _sessionClosing;
    private int _finished;

    // Cancelled when the session (not just a link) ends; made when something first waits on that (see SessionStopToken).
    private CancellationTokenSource? _sessionStop;

    /// <summary>Publishes completed calls while no link offers a scheduler of its own (see <see cref="CompletionScheduler"/>).</summary>
    private readonly System.IO.Pipelines.PipeScheduler _sharedCompletionScheduler;

    private int _sessionStarted; // 1 once negotiated (a resume passes through Negotiating again)

    /// <summary>The session's call streams (QUIC), for tests.</summary>
    internal CallLanes Lanes => _lanes;

    /// <summary>A session on its first link (the peer's hello comes next).</summary>
    public TetherConnection(TransportConnection transport, ConnectionSettings settings)
        // Until the peer's hello says otherwise, assume it accepts what we accept.
        : this(settings, new FrameOutput(transport, settings.MaxFrameSize, settings.SendQueueLimit))
    {
        BeginLink(transport);
    }

    /// <summary>What every engine has, with or without a link yet (a session rebuilt from the durable journal has none).</summary>
    private TetherConnection(ConnectionSettings settings, FrameOutput output)
    {
        _settings = settings;
        Machine = new SessionStateMachine(this);
        _pending = new PendingCallTable(settings.MaxPendingCalls);
        _lanes = new CallLanes(this, settings);
        Incoming = new IncomingCalls(this, settings, _lanes);
        Output = output;
        Output.OverflowListener = this;
        _sharedCompletionScheduler = Internal.IOQueue.Next();
        Id = Interlocked.Increment(ref s_nextId);
        Metrics = new Observability.ConnectionMetrics(settings.Metrics, settings.IsServer);
        Hooks = Observability.ConnectionHooks.Create(settings.Hooks, settings.Logger, Id);
        Output.Committed = Hooks?.SentCallback(() => Peer);
        ConnectedAt = settings.TimeProvider.GetUtcNow();
    }

    public long Id { get; }

    /// <summary>
    /// Cancelled when the session (not just a link) ends: waits that must outlive a link use it (authentication, a
    /// ping, a call waiting for room). Its source is made when first asked for, as most sessions never wait so; asked
    /// for after the end, it is already cancelled.
    /// </summary>
    public CancellationToken SessionStopToken
    {
        get
        {
            if (Volatile.Read(ref _sessionStop) is { } existing)
            {
                return existing.Token;
            }

            var created = new CancellationTokenSource();
            if (Interlocked.CompareExchange(ref _sessionStop, created, null) is { } other)
            {
                created.Dispose();
                return other.Token;
            }

            // Both this and the end's cancel follow a full fence: the end saw this source, or this sees the end.
            if (Volatile.Read(ref _finished) != 0)
            {
                created.Cancel();
            }

            return created.Token;
        }
    }

    public DateTimeOffset ConnectedAt { get; }

    /// <summary>The application's hooks, or null when none is set.</summary>
    public Observability.ConnectionHooks? Hooks { get; }

    /// <summary>An application frame arrived on a call's stream.</summary>
    public void NotifyReceived(in Framing.FrameHeader header) => Hooks?.Received(Peer, header);

    /// <summary>This connection's instruments and the tags of its current link.</summary>
    public Observability.ConnectionMetrics Metrics { get; }

    public FrameOutput Output { get; }

    public TetherPeer? Peer { get; private set; }

    public DecodeOptions DecodeOptions => _settings.DecodeOptions;

    /// <summary>The session's states and their legal transitions.</summary>
    public SessionStateMachine Machine { get; }

    public SessionState State => Machine.State;

    /// <summary>What negotiation settled (null before the handshake).</summary>
    public SessionContract? Contract { get; private set; }

    /// <summary>Raised on every state change (after <see cref="Machine"/> changed).</summary>
    public event Action<TetherConnection, SessionStateChange>? StateChanged;

    public string TransportName => _link?.Transport.TransportName ?? _lastTransportName;

    public EndPoint? RemoteEndPoint => _link?.Transport.RemoteEndPoint ?? _lastRemoteEndPoint;

    public EndPoint? LocalEndPoint => _link?.Transport.LocalEndPoint;

    /// <summary>Answers delivered while the link's receive loop handles a batch, published at its end, before its flush.</summary>
    internal CompletionBatch Completions { get; } = new();

    /// <summary>Where completed calls are published: the current link's own scheduler when it has one.</summary>
    public System.IO.Pipelines.PipeScheduler CompletionScheduler => _link?.Transport.CompletionScheduler ?? _sharedCompletionScheduler;

    public long BytesSent => _bytesSentBefore + (_link?.Transport.BytesSent ?? 0);

    public long BytesReceived => _bytesReceivedBefore + (_link?.Transport.BytesReceived ?? 0);

    public TimeSpan? RoundTripTime { get; private set; }

    /// <summary>Completes when the session has closed, with no exception.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Why the session closed, if it was not a normal close.</summary>
    public Exception? CloseReason => _closeReason;

    /// <summary>Completes when the first hello exchange succeeded; faults with the typed refusal otherwise.</summary>
    public Task Handshake => _handshake.Task;

    /// <summary>The first hello exchange succeeded (a restored session's did, in the process that started it).</summary>
    public bool HandshakeSucceeded => _handshake.IsCompletedSuccessfully;

    /// <summary>Server: told when the handshake succeeds and when the session closes; set before the session starts.</summary>
    public ISessionLifetime? Lifetime { get; set; }

    public int PendingCalls => _pending.Count;

    /// <summary>The calls the peer made: dispatch, limits, drain.</summary>
    public IncomingCalls Incoming { get; }

    /// <summary>Calls being handled now.</summary>
    public int InFlight => Incoming.InFlight;

    /// <summary>The peer sent a goaway: it takes no new calls.</summary>
    public bool PeerGoingAway => Volatile.Read(ref _peerGoingAway)?.Task.IsCompleted == true;

    /// <summary>Completes when the peer sends a goaway.</summary>
    public Task PeerGoingAwayTask => PeerGoingAwaySignal.Task;

    private TaskCompletionSource PeerGoingAwaySignal =>
        _peerGoingAway ?? LazyInitializer.EnsureInitialized(ref _peerGoingAway, static () => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public ConnectionCounters Counters { get; } = new();

    internal ILogger Logger => _settings.Logger;

    private bool SessionClosing => Volatile.Read(ref _sessionClosing) != 0;

    /// <summary>Binds handler instances for <paramref name="peer"/> (a client binds now, a server once the hello says this is a new session) and starts reading.</summary>
    public void Start(TetherPeer peer, Security.TetherCredentials? credentials = null)
    {
        _credentials = credentials;
        Peer = peer;
        Machine.MoveTo(SessionState.Negotiating);
        if (!_settings.IsServer)
        {
            Incoming.Bind(peer);
            WriteClientHello(resume: null);
        }

        RunLink(_link!);
    }

    void ISessionStateObserver.OnStateChanged(SessionStateChange change)
    {
        ConnectionLog.StateChanged(Logger, Id, change.From, change.To, change.Reason ?? "");
        if (change.To == SessionState.Active)
        {
            Metrics.OnLinkActive(TransportName, _settings.IsServer ? LocalEndPoint : RemoteEndPoint);
            if (change.From == SessionState.Negotiating && Interlocked.Exchange(ref _sessionStarted, 1) == 0)
            {
                Metrics.OnSessionStarted();
                Hooks?.Connected(Peer);
            }
        }
        else if (change.To == SessionState.Closed)
        {
            Metrics.OnSessionEnded(_closeReason);
            if (Volatile.Read(ref _sessionStarted) == 1)
            {
                Hooks?.Disconnected(Peer, _closeReason);
            }
        }

        StateChanged?.Invoke(this, change);
    }

    /// <summary>
    /// Called by the owner's timer: enforces the handshake and frame timeouts, sends heartbeats and declares a silent
    /// peer dead, acknowledges, and expires pending calls.
    /// </summary>
    public void OnTick(long now, List<PendingCall> scratch)
    {
        if (State == SessionState.Closed)
        {
            return;
        }

        if (_link is { } link)
        {
            TickLink(link, now);
        }
        else
        {
            ExpireIfDue(now);
        }

        if (_pending.Count > 0)
        {
            scratch.Clear();
            _pending.RemoveExpired(now, scratch);
            foreach (PendingCall call in scratch)
            {
                if (!call.DeadlineSent)
                {
                    // A peer that knows the deadline stops the handler at it; a cancel would race that and make it
                    // report a cancel instead of the deadline (as CancelPendingCall does for a call's own timer).
                    _lanes.SendCancel(call.CallId); // on the call's own stream when it has one, which then ends
                }

                call.Fail(TimedOut(call));
            }

            // Calls due before the tick after next get a timer of their own (two intervals: a tick may run late), so a
            // deadline fires on time, not at a later tick.
            scratch.Clear();
            _pending.CollectDueBefore(now + (2 * ToTimestampTicks(_settings.TimerInterval)), scratch);
            foreach (PendingCall call in scratch)
            {
                call.ArmDeadline(_settings.TimeProvider, _settings.TimeProvider.GetElapsedTime(now, call.Deadline));
            }

            scratch.Clear();
        }
    }

    /// <summary>The peer broke the protocol: tell it why (goaway) and close the session.</summary>
    internal void ProtocolError(TetherErrorCode code, string detail)
    {
        ConnectionLog.ProtocolViolation(Logger, Id, code, detail);
        var error = new TetherException(code, detail);
        _closeReason ??= error;
        _handshake.TrySetException(error);
        TryWriteError(Framing.FrameType.GoAway, code, detail);
        RequestStop(error);
    }

    /// <summary>Ends the session: the current link stops (bytes already queued, such as a goaway, still leave) and nothing resumes. Safe from any thread.</summary>
    private void RequestStop(Exception? reason)
    {
        _closeReason ??= reason;
        Interlocked.Exchange(ref _sessionClosing, 1);
        Output.Close();
        if (_link is { } link)
        {
            link.RequestStop();
        }
        else
        {
            _ = FinishAsync(); // no link to end first (a resumable session between links)
        }
    }

    /// <summary>
    /// Closes the session and waits until it is closed. On a live link the peer is told with a goaway
    /// (<see cref="TetherErrorCode.ConnectionClosed"/>) so it does not try to resume; a resumable session first
    /// acknowledges what it received, and after the goaway waits, at most <see cref="ConnectionSettings.CloseAcknowledgementTimeout"/>
    /// or until <paramref name="cancellationToken"/> fires, for the peer to acknowledge what it sent (the peer answers a
    /// goaway with an acknowledgement), so that messages the peer has are not reported as undelivered.
    /// </summary>
    public Task CloseAsync(Exception? reason = null, CancellationToken cancellationToken = default)
    {
        if (!SessionClosing && State is SessionState.Active or SessionState.Draining)
        {
            bool sequenced = Output.IsSequenced && _link is not null;
            if (sequenced && _inbound.HasUnacknowledged)
            {
                SendAck();
            }

            TryWriteError(Framing.FrameType.GoAway, TetherErrorCode.ConnectionClosed, "The session was closed.");
            if (sequenced)
            {
                _closeReason ??= reason; // the peer may end the link first: the session still ends for this reason
                Interlocked.Exchange(ref _sessionClosing, 1); // a link lost from here on ends the session: nothing resumes
                if (_settings.CloseAcknowledgementTimeout > TimeSpan.Zero && !cancellationToken.IsCancellationRequested)
                {
                    Task acknowledged = Output.WhenAllAcknowledged();
                    if (!acknowledged.IsCompleted)
                    {
                        return StopOnceAcknowledgedAsync(acknowledged, reason, cancellationToken);
                    }
                }
            }
        }

        RequestStop(reason);
        return _closed.Task;
    }

    private async Task StopOnceAcknowledgedAsync(Task acknowledged, Exception? reason, CancellationToken cancellationToken)
    {
        using (var waited = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            // Ends at the bound or when the caller's token fires (then cancelled, which WhenAny does not throw).
            Task bound = Task.Delay(_settings.CloseAcknowledgementTimeout, _settings.TimeProvider, waited.Token);
            await Task.WhenAny(acknowledged, _closed.Task, bound).ConfigureAwait(false); // the link may end first
            waited.Cancel();
        }

        // Frames that arrived while waiting (the peer's last sends) were handled: acknowledge them before the link ends.
        if (_inbound.HasUnacknowledged)
        {
            SendAck();
        }

        RequestStop(reason);
        await _closed.Task.ConfigureAwait(false);
        _ = acknowledged.Exception; // failed with the frames' fate as the session ended: reported there, observed here
    }

    /// <summary>Runs once, after the last link ended: fails pending calls, cancels running handlers, drops the replay buffer.</summary>
    private Task FinishAsync()
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return _closed.Task;
        }

        Interlocked.Exchange(ref _sessionClosing, 1);
        Volatile.Read(ref _sessionStop)?.Cancel(); // after _finished is set: a source made from now on starts cancelled
        Machine.TryMoveTo(SessionState.Closed, _closeReason?.Message);
        Output.Close();
        _lanes.Close();
        var closedError = _closeReason as TetherException is { } typed && IsSessionEnding(typed.Code)
            ? new TetherException(typed.Code, typed.Message, typed)
            : new TetherException(TetherErrorCode.ConnectionClosed,
                _closeReason is null ? "The connection closed." : $"The connection closed: {_closeReason.Message}", _closeReason);
        _handshake.TrySetException(closedError);

        var removed = new List<PendingCall>();
        _pending.RemoveAll(removed);
        if (Volatile.Read(ref _keptForNextServer))
        {
            foreach (PendingCall call in removed)
            {
                call.Fail(closedError); // calls this server made to the client: they belonged to this process
            }
        }
        else
        {
            FailUnacknowledged(closedError, removed);
        }

        Output.DisposeReplay();

        _refresh?.FailAll(closedError);

        ConnectionLog.ConnectionClosed(Logger, Id, _closeReason?.Message ?? "normal close");
        Incoming.Close();

        // The server hears of it before the close is reported done: whoever awaited the close (an administrator ending
        // the session) no longer finds the session in the server's tables.
        Lifetime?.Closed(this);
        _closed.TrySetResult();
        return _closed.Task;
    }

    /// <summary>Codes that say why a session (not just a link) ended; pending calls fail with them as they are.</summary>
    private static bool IsSessionEnding(TetherErrorCode code) => code is TetherErrorCode.ResumeRejected or TetherErrorCode.SessionUnknown or TetherErrorCode.ReplayBufferOverflow
        or TetherErrorCode.ContractChanged or TetherErrorCode.SessionExpired or TetherErrorCode.PeerUnresponsive
        || TetherErrors.CategoryOf(code) is TetherErrorCategory.Security or TetherErrorCategory.Storage;

    private long ToTimestampTicks(TimeSpan span) =>
        span == Timeout.InfiniteTimeSpan || span >= TimeSpan.FromDays(365)
            ? long.MaxValue / 4
            : (long)(span.TotalSeconds * _settings.TimeProvider.TimestampFrequency);
}
