using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Tether.Connections;
using Tether.Transport;

namespace Tether;

/// <summary>
/// Listens, runs the generated dispatch tables of its handlers on every connection, and offers send-to-session,
/// broadcast (to all and to groups), session listing and info. Stop it with <see cref="StopAsync"/> to drain.
/// </summary>
public sealed partial class TetherServer : IAsyncDisposable, Sessions.ISessionRegistry, ISessionLifetime
{
    private readonly TetherServerOptions _options;
    private readonly ILogger _logger;
    private readonly HandlerRegistry _handlers = new();
    // Every connection's session by its engine's number (from accept to close, handshake included), and the negotiated
    // ones by their id (what server operations are given). A resume link's transient session never enters the second.
    private readonly ConcurrentDictionary<long, TetherSession> _sessions = new();
    private readonly ConcurrentDictionary<Guid, TetherSession> _sessionsById = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<PendingCall> _timerScratch = [];
    private ConnectionSettings? _settings;
    private TransportConnectionOptions? _transportOptions;
    private readonly List<ITransportListener> _listeners = [];

    // One delegate each, shared by every session: an idle session holds no closures of its own.
    private readonly Action<TetherConnection, Exception, bool> _onLinkLost;
    private readonly Action<TetherConnection, IReadOnlyList<UndeliveredMessage>> _onUndelivered;
    private Task _accepting = Task.CompletedTask;
    private ITimer? _timer;
    private int _timerBusy;
    private int _connections;
    private Observability.MetricsSource? _metricsSource; // this server's totals for the observable instruments, from its start
    private Security.ServerSecurity? _security;
    private Server.Idempotency.IdempotencyCache? _idempotency;
    private int _state; // 0 new, 1 started, 2 stopping (draining), 3 stopped

    /// <summary>Connections accepted and not yet closed (with or without a session): the flood and scale tests' count.</summary>
    internal int ConnectionCount => Volatile.Read(ref _connections);

    /// <summary>Raised after a closed connection left <see cref="ConnectionCount"/> (also for those that never had a session, which raise no <see cref="SessionEnded"/>).</summary>
    internal event Action? ConnectionClosed;

    /// <summary>Creates a server; add handlers, then <see cref="StartAsync"/>.</summary>
    /// <exception cref="OptionsValidationException">An option is out of range.</exception>
    public TetherServer(TetherServerOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateOptionsResult validation = new TetherServerOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(TetherServerOptions), validation.Failures);
        }

        _options = options;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Tether.Server");
        _store = options.SessionStore ?? new InMemorySessionStore(options.TimeProvider);
        _onLinkLost = OnLinkLost;
        _onUndelivered = OnUndelivered;
    }

    /// <summary>The bound address (with the real port when port 0 was asked for); null before <see cref="StartAsync"/>.</summary>
    public EndPoint? LocalEndPoint => _listeners.Count > 0 ? _listeners[0].EndPoint : null;

    /// <summary>Where the server is in its life: created, listening, draining (stopping), stopped.</summary>
    public TetherServerStatus Status => (TetherServerStatus)Volatile.Read(ref _state);

    /// <summary>Every bound address: <see cref="LocalEndPoint"/>, then those of <see cref="TetherServerOptions.AdditionalListeners"/>.</summary>
    public IReadOnlyList<EndPoint> LocalEndPoints => [.. _listeners.Select(static l => l.EndPoint)];

    /// <summary>The services this server's handlers declare.</summary>
    public IReadOnlyList<ServiceDescriptor> Services => _handlers.Services;

    /// <summary>Raised when a session has completed its handshake.</summary>
    public event Action<TetherSession>? SessionStarted;

    /// <summary>Raised when a session has closed.</summary>
    public event Action<TetherSession>? SessionEnded;

    /// <summary>
    /// Raised when a session ends without resuming while one-way messages the server sent it (pushes, broadcasts) were
    /// never acknowledged by the client: each says whether it never left this process or may have arrived, and carries
    /// its encoded body. Raised before <see cref="SessionEnded"/>.
    /// </summary>
    public event Action<TetherSession, IReadOnlyList<UndeliveredMessage>>? Undelivered;

    /// <summary>Runs one <paramref name="handler"/> instance for every session.</summary>
    public TetherServer AddHandler<THandler>(THandler handler)
        where THandler : class, IMessageHandler<THandler>
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handlers.AddShared(() => handler);
        return this;
    }

    /// <summary>Creates a handler per session (state that belongs to one client).</summary>
    public TetherServer AddHandler<THandler>(Func<TetherSession, THandler> factory)
        where THandler : class, IMessageHandler<THandler>
    {
        ArgumentNullException.ThrowIfNull(factory);
        _handlers.Add<THandler>(peer => factory((TetherSession)peer));
        return this;
    }

    /// <summary>
    /// The container the filters methods name with <see cref="CallFilterAttribute{TFilter}"/> come from (a registered
    /// filter, or one made with its constructor's dependencies); null makes them with their parameterless constructors.
    /// <c>AddTetherServer</c> sets it to the host's container. Read when the server starts.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set after the server started.</exception>
    public IServiceProvider? FilterServices
    {
        get => _handlers.FilterServices;
        set => _handlers.FilterServices = _handlers.IsFrozen
            ? throw new InvalidOperationException("FilterServices must be set before the server starts.")
            : value;
    }

    /// <summary>Adds a filter around every incoming call (<see cref="ICallFilter"/>); the first added runs outermost.</summary>
    /// <exception cref="InvalidOperationException">The server has started.</exception>
    public TetherServer AddFilter(ICallFilter filter)
    {
        _handlers.AddFilter(filter);
        return this;
    }

    /// <summary>
    /// Replaces the reloadable security settings of a running server: its authenticators, address lists, rate limits and
    /// whether authentication is required (the authorization service and policies stay). New connections, hellos and
    /// calls see them at once; rate-limit counts start afresh. The hosted server calls this when its options reload.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server is not running, or a method names a rate-limit policy the new settings lack (nothing changes).</exception>
    public void UpdateSecurity(Security.TetherSecurityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        (_security ?? throw new InvalidOperationException("The server has not started; set TetherServerOptions.Security instead.")).Update(options);
    }

    // Registered last, so introspection describes every application service and itself.
    private void AddBuiltInServices()
    {
        if (_options.EnableSessionAdmin)
        {
            var admin = new Introspection.SessionAdminHandler(this);
            _handlers.AddShared(() => admin);
        }

        if (_options.EnableIntrospection)
        {
            // Built when the first session binds its handlers, once every registration (this one included) is in.
            var describe = new Lazy<Introspection.IntrospectionHandler>(() => new Introspection.IntrospectionHandler(_handlers.Services, Framing.ProtocolConstants.Version));
            _handlers.AddShared(() => describe.Value);
        }
    }

    /// <summary>Binds the endpoint and starts accepting connections.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The server was already started.");
        }

        try
        {
            AddBuiltInServices();
            _handlers.Freeze(); // makes the filters methods name: one it cannot make fails the start
        }
        catch
        {
            Volatile.Write(ref _state, 3);
            throw;
        }

        _serviceCapabilities = [.. _handlers.Services.Select(static s => new Capability(s.Name, s.Version))];
        _deprecatedMethods = Tether.Sessions.ServerHello.FitDeprecations(DeprecatedMethod.Of(_handlers.Services));
        _settings = _options.CreateSettings(_logger, _handlers, this);
        _settings.Compression = _options.Compression;
        try
        {
            _security = new Security.ServerSecurity(_options.Security, _handlers, _logger, _settings.Metrics, _options.TimeProvider);
            await _security.PrepareAsync().ConfigureAwait(false);
        }
        catch
        {
            Volatile.Write(ref _state, 3);
            _security?.Dispose();
            throw;
        }

        _settings.Security = _security;
        try
        {
            await RecoverSessionsAsync().ConfigureAwait(false); // before listening: a client may resume at once
            if (_options.Idempotency is { Enabled: true } idempotency)
            {
                _idempotency = Server.Idempotency.IdempotencyCache.Open(idempotency, _options.DurableSessions, _options.TimeProvider, _logger);
                _settings.Idempotency = _idempotency;
            }
        }
        catch
        {
            Volatile.Write(ref _state, 3);
            _security.Dispose();
            if (_journal is { } opened)
            {
                await opened.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        Security.ServerSecurity security = _security;
        _transportOptions = _settings.CreateTransportOptions(_options.MemoryPool, remote => security.AdmitConnection(remote));
        _metricsSource = new Observability.MetricsSource(isServer: true, _transportOptions.MemoryPool as TieredMemoryPool,
            () => _sessions.Values.Select(static s => s.Connection));
        _settings.Metrics.Register(_metricsSource);

        try
        {
            _listeners.Add(await _options.Transport.BindAsync(_options.EndPoint, _transportOptions, cancellationToken).ConfigureAwait(false));
            foreach (ListenerOptions more in _options.AdditionalListeners)
            {
                _listeners.Add(await more.Transport.BindAsync(more.EndPoint, _transportOptions, cancellationToken).ConfigureAwait(false));
            }
        }
        catch
        {
            foreach (ITransportListener bound in _listeners)
            {
                await bound.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        _transportNames = [.. _listeners.Select(static l => l.TransportName).Distinct(StringComparer.Ordinal)];
        _timer = _options.TimeProvider.CreateTimer(static s => ((TetherServer)s!).OnTimer(), this, _options.TimerInterval, _options.TimerInterval);
        foreach (ITransportListener listener in _listeners)
        {
            ConnectionLog.Listening(_logger, listener.EndPoint.ToString() ?? "?");
        }

        _accepting = Task.WhenAll(_listeners.Select(AcceptLoopAsync));
    }

    private async Task AcceptLoopAsync(ITransportListener listener)
    {
        try
        {
            while (await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false) is { } transport)
            {
                Accept(transport);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            ConnectionLog.AcceptFailed(_logger, e);
        }
    }

    private void Accept(TransportConnection transport)
    {
        var connection = new TetherConnection(transport, _settings!);
        connection.SetResumeWindow(_options.ResumeWindow);
        if (Interlocked.Increment(ref _connections) > _options.MaxConnections)
        {
            connection.RefuseAtHandshake = new TetherException(TetherErrorCode.ConnectionLimitExceeded,
                $"The server already holds its maximum of {_options.MaxConnections:N0} connections.");
        }

        TetherSession session = Track(connection);
        ConnectionLog.ConnectionOpened(_logger, connection.Id, transport.RemoteEndPoint?.ToString(), transport.TransportName);
        connection.Start(session);
    }

    /// <summary>Wires a session's engine to this server (events, session table, lifetime) until it closes.</summary>
    private TetherSession Track(TetherConnection connection)
    {
        connection.LinkLost += _onLinkLost;
        var session = new TetherSession(this, connection);
        connection.Undelivered += _onUndelivered;
        _sessions[connection.Id] = session;
        connection.Lifetime = this;
        if (connection.HandshakeSucceeded)
        {
            OnHandshakeSucceeded(session); // restored from the journal: its hello completed in the process that started it
        }

        return session;
    }

    void ISessionLifetime.HandshakeSucceeded(TetherConnection connection)
    {
        if (connection.Peer is TetherSession session)
        {
            OnHandshakeSucceeded(session);
        }
    }

    void ISessionLifetime.Closed(TetherConnection connection)
    {
        if (_sessions.TryGetValue(connection.Id, out TetherSession? session))
        {
            OnClosed(session);
        }
    }

    // SessionStarted is raised before SessionEnded, each at most once, neither on the thread that reported the change
    // (often the session's receive loop): the session's lifecycle bits decide which of the two reports retires it.
    private static void OnHandshakeSucceeded(TetherSession session)
    {
        int prior = Interlocked.Or(ref session.Lifecycle, TetherSession.LifecycleStarted);
        if ((prior & (TetherSession.LifecycleStarted | TetherSession.LifecycleClosed)) != 0)
        {
            return; // reported already, or closed first: a session nobody saw start does not end either
        }

        ThreadPool.UnsafeQueueUserWorkItem(static s => s.Server.RaiseStarted(s), session, preferLocal: false);
    }

    private void RaiseStarted(TetherSession session)
    {
        Raise(SessionStarted, session);
        int prior = Interlocked.Or(ref session.Lifecycle, TetherSession.LifecycleStartRaised);
        if ((prior & TetherSession.LifecycleClosed) != 0)
        {
            _ = RetireAsync(session); // it closed while SessionStarted was being raised: retire it after
        }
    }

    private static void OnClosed(TetherSession session)
    {
        // Out of the lookup by id at once (called before the close is reported done); the rest of the retirement after.
        session.Server._sessionsById.TryRemove(new KeyValuePair<Guid, TetherSession>(session.Id, session));
        int prior = Interlocked.Or(ref session.Lifecycle, TetherSession.LifecycleClosed);
        if ((prior & TetherSession.LifecycleClosed) != 0
            || (prior & (TetherSession.LifecycleStarted | TetherSession.LifecycleStartRaised)) == TetherSession.LifecycleStarted)
        {
            return; // closed before; or SessionStarted is still to be raised, and RaiseStarted retires it after
        }

        ThreadPool.UnsafeQueueUserWorkItem(static s => _ = s.Server.RetireAsync(s), session, preferLocal: false);
    }

    // The engine's peer is its session from Start (or StartRestored) on, before anything can be undelivered.
    private void OnUndelivered(TetherConnection connection, IReadOnlyList<UndeliveredMessage> messages)
    {
        if (connection.Peer is not TetherSession session)
        {
            return;
        }

        try
        {
            Undelivered?.Invoke(session, messages);
        }
        catch (Exception e)
        {
            ConnectionLog.SessionEventFailed(_logger, connection.Id, e);
        }
    }

    /// <summary>The session closed: out of the tables, its journal entry and groups; then SessionEnded if SessionStarted was raised.</summary>
    private async Task RetireAsync(TetherSession session)
    {
        TetherConnection connection = session.Connection;
        bool started = (Volatile.Read(ref session.Lifecycle) & TetherSession.LifecycleStartRaised) != 0;
        _metricsSource!.Retire(() => _sessions.TryRemove(connection.Id, out TetherSession? removed) ? removed.Connection : null);
        _sessionsById.TryRemove(new KeyValuePair<Guid, TetherSession>(session.Id, session)); // entered by ISessionRegistry.Established

        await ForgetAsync(session).ConfigureAwait(false);
        RemoveFromAllGroups(session);
        Interlocked.Decrement(ref _connections);
        ConnectionClosed?.Invoke();
        if (started)
        {
            Raise(SessionEnded, session);
        }
    }

    private void Raise(Action<TetherSession>? handlers, TetherSession session)
    {
        try
        {
            handlers?.Invoke(session);
        }
        catch (Exception e)
        {
            // An application's event handler must not take the server's bookkeeping down with it.
            ConnectionLog.SessionEventFailed(_logger, session.ConnectionId, e);
        }
    }

    private void OnTimer()
    {
        if (Interlocked.Exchange(ref _timerBusy, 1) != 0)
        {
            return;
        }

        try
        {
            long now = _options.TimeProvider.GetTimestamp();
            foreach (KeyValuePair<long, TetherSession> entry in _sessions)
            {
                entry.Value.Connection.OnTick(now, _timerScratch);
            }
        }
        finally
        {
            Volatile.Write(ref _timerBusy, 0);
        }
    }

    /// <summary>
    /// Stops accepting, sends every session a goaway, lets running calls finish for up to
    /// <see cref="TetherServerOptions.DrainTimeout"/> (new calls are refused with <see cref="TetherErrorCode.GoingAway"/>),
    /// then cancels what is left and closes every connection (a resumable session once its client acknowledged what it
    /// was sent, or after <see cref="TetherConnectionOptions.CloseAcknowledgementTimeout"/>). Cancelling
    /// <paramref name="cancellationToken"/> cuts both waits short; the server still stops.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        int previous = Interlocked.CompareExchange(ref _state, 2, 1);
        if (previous != 1)
        {
            Interlocked.CompareExchange(ref _state, 3, 0); // never started: it cannot start after this
            return;
        }

        _stopping.Cancel();
        foreach (ITransportListener listener in _listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        await _accepting.ConfigureAwait(false);
        TetherSession[] sessions = [.. _sessions.Values];
        if (_journal is not null && _options.KeepSessionsOnStop)
        {
            await StopKeepingSessionsAsync(sessions, cancellationToken).ConfigureAwait(false);
            return;
        }

        ConnectionLog.Draining(_logger, sessions.Length, sessions.Sum(static s => s.Connection.InFlight));
        Task drained = Task.WhenAll(sessions.Select(static s => s.Connection.DrainAsync()));
        try
        {
            await drained.WaitAsync(_options.DrainTimeout, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            ConnectionLog.DrainTimedOut(_logger, sessions.Sum(static s => s.Connection.InFlight));
        }

        await Task.WhenAll(sessions.Select(s => s.Connection.CloseAsync(cancellationToken: cancellationToken))).ConfigureAwait(false);
        await ReleaseAsync().ConfigureAwait(false);
        if (_journal is { } journal)
        {
            // Sessions a stop ended are ended in the journal too, before it closes (a kill keeps them instead).
            foreach (TetherSession session in sessions)
            {
                await ForgetAsync(session).ConfigureAwait(false);
            }

            await journal.DisposeAsync().ConfigureAwait(false);
        }

        Volatile.Write(ref _state, 3);
    }

    /// <summary>
    /// A stop that keeps durable sessions for the next server on the directory: links cut without a goaway (clients
    /// reconnect), running calls given the drain timeout to finish (their answers and completions are logged), then the
    /// journal closed without ending the sessions in it. Sessions that are not durable end as in a normal stop.
    /// </summary>
    private async Task StopKeepingSessionsAsync(TetherSession[] sessions, CancellationToken cancellationToken)
    {
        ConnectionLog.StoppingKeepingSessions(_logger, sessions.Count(static s => s.Connection.Durable is not null));
        foreach (TetherSession session in sessions)
        {
            if (session.Connection.Durable is null)
            {
                _ = session.Connection.CloseAsync(cancellationToken: cancellationToken); // a goaway: it cannot continue elsewhere
            }
            else
            {
                session.Connection.AbortLink(new TetherException(TetherErrorCode.ConnectionClosed, "The server is restarting; the session continues on the next one."));
            }
        }

        Task drained = Task.WhenAll(sessions.Select(static s => s.Connection.Incoming.DrainAsync()));
        try
        {
            await drained.WaitAsync(_options.DrainTimeout, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            ConnectionLog.DrainTimedOut(_logger, sessions.Sum(static s => s.Connection.InFlight)); // they run again on the next server
        }

        await _journal!.AbandonAsync().ConfigureAwait(false); // written and flushed as it stands; nothing more is taken
        await Task.WhenAll(sessions.Select(static s => s.Connection.Durable is null ? s.Connection.Closed : s.Connection.CloseKeepingSessionAsync())).ConfigureAwait(false);
        await ReleaseAsync().ConfigureAwait(false);
        Volatile.Write(ref _state, 3);
    }

    /// <summary>The end of every stop: the timer, the observable instruments' source, the security state.</summary>
    private async Task ReleaseAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        _settings!.Metrics.Unregister(_metricsSource!);
        _security?.Dispose();
        if (_idempotency is { } kept)
        {
            await kept.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Tests: stops as a killed process would, as far as clients and the durable journal can tell: listeners close, links
    /// are cut without a goaway, the journal takes no more records and releases its directory. The engines are left as
    /// they are (a killed process has none).
    /// </summary>
    internal async Task AbandonAsync()
    {
        Volatile.Write(ref _state, 3);
        _stopping.Cancel();
        if (_journal is { } journal)
        {
            await journal.AbandonAsync().ConfigureAwait(false);
        }

        if (_idempotency is { } kept)
        {
            await kept.DisposeAsync().ConfigureAwait(false); // what was written is on disk, as after a kill
        }

        foreach (ITransportListener listener in _listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        foreach (TetherSession session in _sessions.Values)
        {
            session.Connection.AbortLink(new TetherException(TetherErrorCode.ConnectionClosed, "The server was abandoned."));
        }
    }

    /// <summary>Stops the server (see <see cref="StopAsync"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}
