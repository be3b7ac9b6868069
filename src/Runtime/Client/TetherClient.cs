using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Tether.Connections;
using Tether.Observability;
using Tether.Transport;

namespace Tether;

/// <summary>
/// A session with a Tether server: typed requests (<see cref="TetherPeer.RequestAsync{TRequest, TResponse}(TRequest, CancellationToken)"/>
/// or a generated proxy), one-way sends, server streams, and handlers for the server's pushes (run through their
/// generated dispatch tables, like the server's). The session outlives its links: when one is lost the client
/// reconnects with backoff and resumes (see <see cref="TetherClientOptions.Reconnect"/>), and calls made meanwhile
/// are kept and sent when it is back.
/// </summary>
public sealed partial class TetherClient : TetherPeer, IAsyncDisposable, Internal.ITickable
{
    private readonly TetherClientOptions _options;
    private readonly ILogger _logger;
    private readonly HandlerRegistry _handlers = new();
    private readonly List<ICallInterceptor> _interceptors = [];
    private MetricsSource? _metricsSource; // this client's totals for the observable instruments, from its start
    private readonly List<PendingCall> _timerScratch = [];
    private readonly CancellationTokenSource _disposing = new();
    private TetherConnection? _connection;
    private ConnectionSettings? _settings;
    private TransportConnectionOptions? _transportOptions;
    private TransportRoute? _primary;
    private Internal.SharedTicker? _ticker; // the process's timer for this provider and interval, shared with every client on it
    private int _timerBusy; // 1 while a tick runs; 2 once disposed (no tick after that)

    /// <summary>Creates a client; add push handlers, then connect.</summary>
    /// <exception cref="OptionsValidationException">An option is out of range.</exception>
    public TetherClient(TetherClientOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        options ??= new TetherClientOptions();
        ValidateOptionsResult validation = new TetherClientOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(TetherClientOptions), validation.Failures);
        }

        _options = options;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Tether.Client");
    }

    private protected override TetherConnection? CurrentConnection => Volatile.Read(ref _connection);

    /// <summary>The session a <see cref="TetherClientPool"/> routes a call to.</summary>
    internal TetherConnection? PoolConnection => Volatile.Read(ref _connection);

    /// <summary>Completes when the current session has closed (for good: a lost link that resumes does not complete it).</summary>
    public Task Closed => CurrentConnection?.Closed ?? Task.CompletedTask;

    /// <summary>
    /// Completes when the server announces (goaway) that it takes no new calls, for example because it is
    /// shutting down: calls already running still complete, new ones fail with <see cref="TetherErrorCode.GoingAway"/>.
    /// </summary>
    public Task GoingAway => CurrentConnection?.PeerGoingAwayTask ?? s_never.Task;

    private static readonly TaskCompletionSource s_never = new();

    /// <summary>Why the session closed, if it did not close normally.</summary>
    public Exception? CloseReason => CurrentConnection?.CloseReason;

    /// <summary>Calls waiting for replies now.</summary>
    public int PendingCalls => CurrentConnection?.PendingCalls ?? 0;

    /// <summary>Bytes queued for the server.</summary>
    public long QueuedBytes => CurrentConnection?.Output.QueuedBytes ?? 0;

    /// <summary>Handles the server's pushes with one <paramref name="handler"/> instance.</summary>
    public TetherClient AddHandler<THandler>(THandler handler)
        where THandler : class, IMessageHandler<THandler>
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handlers.AddShared(() => handler);
        return this;
    }

    /// <summary>
    /// The container the filters methods name with <see cref="CallFilterAttribute{TFilter}"/> come from (a registered
    /// filter, or one made with its constructor's dependencies); null makes them with their parameterless constructors.
    /// <c>AddTetherClient</c> sets it to the host's container. Read when the client connects.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set after the client connected.</exception>
    public IServiceProvider? FilterServices
    {
        get => _handlers.FilterServices;
        set => _handlers.FilterServices = _handlers.IsFrozen
            ? throw new InvalidOperationException("FilterServices must be set before the client connects.")
            : value;
    }

    /// <summary>Adds a filter around the server's pushes to this client's handlers (<see cref="ICallFilter"/>); the first added runs outermost.</summary>
    /// <exception cref="InvalidOperationException">The client has started.</exception>
    public TetherClient AddFilter(ICallFilter filter)
    {
        _handlers.AddFilter(filter);
        return this;
    }

    /// <summary>Adds an interceptor around this client's calls to the server (<see cref="ICallInterceptor"/>); the first added runs outermost.</summary>
    /// <exception cref="InvalidOperationException">The client has started.</exception>
    public TetherClient AddInterceptor(ICallInterceptor interceptor)
    {
        ArgumentNullException.ThrowIfNull(interceptor);
        if (_settings is not null)
        {
            throw new InvalidOperationException("Interceptors must be added before the client connects.");
        }

        _interceptors.Add(interceptor);
        return this;
    }

    /// <summary>Connects to <see cref="TetherClientOptions.EndPoint"/> and negotiates the session (after handlers were added).</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(_options.EndPoint ?? throw new InvalidOperationException("TetherClientOptions.EndPoint is not set."), cancellationToken);

    /// <summary>Connects to <paramref name="endPoint"/> and negotiates the session (after handlers were added).</summary>
    /// <exception cref="TetherException">
    /// <see cref="TetherErrorCode.ConnectFailed"/>, or the server's typed refusal (for example
    /// <see cref="TetherErrorCode.ConnectionLimitExceeded"/>, <see cref="TetherErrorCode.UnsupportedVersion"/>,
    /// <see cref="TetherErrorCode.MissingCapability"/>). With <see cref="ReconnectOptions.RetryFirstConnect"/>, failures to
    /// reach the server are retried on the reconnect schedule first.
    /// </exception>
    public async Task StartAsync(EndPoint endPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        if (_settings is not null)
        {
            throw new InvalidOperationException("The client is already connected; create another client for another connection.");
        }

        _handlers.Freeze();
        Interceptors = [.. _interceptors];
        CreateRetryBudget();
        _settings = _options.CreateSettings(_logger, _handlers);
        _settings.Compression = _options.Compression;
        _metricsSource = new MetricsSource(isServer: false, _settings.MemoryPool as TieredMemoryPool,
            () => CurrentConnection is { } current ? [current] : []);
        _settings.Metrics.Register(_metricsSource);
        _transportOptions = _settings.CreateTransportOptions(_options.MemoryPool);
        _primary = new TransportRoute("", _options.Transport, endPoint);
        _ticker = Internal.SharedTicker.Join(_options.TimeProvider, _options.TimerInterval, this);

        ReconnectOptions reconnect = _options.Reconnect;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                TransportConnection transport = await OpenAsync(_primary, cancellationToken).ConfigureAwait(false);
                _primary = _primary with { Name = transport.TransportName };
                await StartSessionAsync(transport, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (TetherException e) when (reconnect.Enabled && reconnect.RetryFirstConnect && e.IsRetryable && !cancellationToken.IsCancellationRequested
                && (reconnect.MaxAttempts == 0 || attempt < reconnect.MaxAttempts))
            {
                TimeSpan delay = reconnect.DelayBefore(attempt);
                Raise(Reconnecting, new ReconnectAttempt(attempt, delay, e, Resumed: false));
                await Task.Delay(delay, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Creates a client with the default options and connects it to <paramref name="endPoint"/>.</summary>
    public static Task<TetherClient> ConnectAsync(EndPoint endPoint, CancellationToken cancellationToken = default) =>
        ConnectAsync(endPoint, options: null, configure: null, loggerFactory: null, cancellationToken);

    /// <summary>Creates a client, lets <paramref name="configure"/> add its push handlers, and connects it to <paramref name="endPoint"/>.</summary>
    /// <param name="endPoint">The server.</param>
    /// <param name="options">The client's options, or null for the defaults.</param>
    /// <param name="configure">Called before connecting, for example to <see cref="AddHandler{THandler}(THandler)"/>.</param>
    /// <param name="loggerFactory">Where the client logs, or null for nowhere.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    public static async Task<TetherClient> ConnectAsync(EndPoint endPoint, TetherClientOptions? options, Action<TetherClient>? configure = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var client = new TetherClient(options, loggerFactory);
        try
        {
            configure?.Invoke(client);
            await client.StartAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync(cancellationToken).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Opens a transport connection over <paramref name="route"/> within the connect timeout.</summary>
    private async Task<TransportConnection> OpenAsync(TransportRoute route, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        timeout.CancelAfter(_options.ConnectTimeout);
        try
        {
            return await route.Connector.ConnectAsync(route.EndPoint, _transportOptions!, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_disposing.IsCancellationRequested)
        {
            throw new TetherException(TetherErrorCode.ConnectFailed, $"Connecting to {route.EndPoint} took longer than {_options.ConnectTimeout.TotalSeconds:0.#} s.");
        }
    }

    /// <summary>Starts a new session on <paramref name="transport"/> and waits for its negotiation.</summary>
    private async Task StartSessionAsync(TransportConnection transport, CancellationToken cancellationToken)
    {
        Security.TetherCredentials? credentials = null;
        if (_settings!.Client!.Credentials is { } provider)
        {
            try
            {
                credentials = await provider(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await transport.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        var connection = new TetherConnection(transport, _settings!);
        connection.StateChanged += OnEngineStateChanged;
        connection.LinkLost += OnLinkLost;
        connection.Undelivered += OnUndelivered; // kept when the session is replaced: it is raised as the old one ends
        TetherConnection? previous = _metricsSource!.Retire(() => Interlocked.Exchange(ref _connection, connection));
        if (previous is not null)
        {
            previous.StateChanged -= OnEngineStateChanged;
            previous.LinkLost -= OnLinkLost;
        }

        connection.Start(this, credentials);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        timeout.CancelAfter(_options.ConnectTimeout);
        try
        {
            await connection.Handshake.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await connection.CloseAsync(e, cancellationToken).ConfigureAwait(false);
            if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new TetherException(TetherErrorCode.ConnectFailed, $"The server at {transport.RemoteEndPoint} did not complete the hello exchange in time.");
            }

            throw;
        }

        ReportDeprecations(connection.Contract);
    }

    /// <summary>
    /// Raised once per new session (not on a resume) when the server's hello declares deprecated methods
    /// (<see cref="SessionContract.DeprecatedMethods"/>); each is also logged as a warning. Raised on the thread that
    /// completed the handshake; a handler that throws is logged and ignored.
    /// </summary>
    public event Action<IReadOnlyList<DeprecatedMethod>>? MethodsDeprecated;

    private void ReportDeprecations(SessionContract? contract)
    {
        if (contract is not { DeprecatedMethods.Count: > 0 } declared)
        {
            return;
        }

        foreach (DeprecatedMethod method in declared.DeprecatedMethods)
        {
            ConnectionLog.MethodDeprecated(_logger, method.Service, method.Method, method.Reason.Length > 0 ? method.Reason : "(no reason given)");
        }

        Raise(MethodsDeprecated, declared.DeprecatedMethods);
    }

    private void OnEngineStateChanged(TetherConnection connection, SessionStateChange change)
    {
        if (change.To == SessionState.Active)
        {
            SignalSessionUsable();
        }

        RaiseStateChanged(change);
    }

    /// <summary>
    /// Presents fresh credentials on the live session, without reconnecting: from <see cref="TetherClientOptions.CredentialsProvider"/>,
    /// else <see cref="TetherClientOptions.Credentials"/>. The server checks they are the session's principal; its
    /// authorization decisions are made again for them. The client does this itself before they expire when it has a provider.
    /// </summary>
    /// <exception cref="TetherException">
    /// Refused: <see cref="TetherErrorCode.Unauthenticated"/>, <see cref="TetherErrorCode.PrincipalChanged"/> or
    /// <see cref="TetherErrorCode.RateLimited"/> (the session keeps its current credentials until they expire); or the client
    /// has no credentials, or no active session.
    /// </exception>
    public async Task RefreshCredentialsAsync(CancellationToken cancellationToken = default)
    {
        if (_settings?.Client?.Credentials is not { } provider || await provider(cancellationToken).ConfigureAwait(false) is not { } credentials)
        {
            throw new InvalidOperationException("The client has no credentials to refresh (set TetherClientOptions.Credentials or CredentialsProvider).");
        }

        if (CurrentConnection is not { } connection)
        {
            throw new TetherException(TetherErrorCode.ConnectionClosed, "The client has no session.");
        }

        await connection.RefreshCredentialsAsync(credentials, cancellationToken).ConfigureAwait(false);
    }

    void Internal.ITickable.OnTick()
    {
        if (CurrentConnection is not { } connection || Interlocked.CompareExchange(ref _timerBusy, 1, 0) != 0)
        {
            return; // no session yet, the last tick still running, or disposed
        }

        try
        {
            connection.OnTick(_options.TimeProvider.GetTimestamp(), _timerScratch);
        }
        finally
        {
            Volatile.Write(ref _timerBusy, 0);
        }
    }

    /// <summary>
    /// Closes the session (the server is told, so it does not wait for a resume): pending calls fail with
    /// <see cref="TetherErrorCode.ConnectionClosed"/>; bytes already queued still leave, and a resumable session waits
    /// (at most <see cref="TetherConnectionOptions.CloseAcknowledgementTimeout"/>) for the server to acknowledge what it
    /// was sent, so only what it may not have is reported as undelivered (<see cref="Undelivered"/>).
    /// </summary>
    public ValueTask DisposeAsync() => DisposeAsync(CancellationToken.None);

    /// <summary>As <see cref="DisposeAsync()"/>; <paramref name="cancellationToken"/> (a host's stop) ends the wait for the server's acknowledgement early.</summary>
    internal async ValueTask DisposeAsync(CancellationToken cancellationToken)
    {
        if (!_disposing.IsCancellationRequested)
        {
            _disposing.Cancel();
        }

        try
        {
            await _reconnectLoop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TetherException)
        {
        }

        if (CurrentConnection is { } connection)
        {
            await connection.CloseAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        if (_ticker is not null)
        {
            // Off the shared timer; a pass that already took this client finishes its tick first, and none follows.
            _ticker.Leave(this);
            var spin = default(SpinWait);
            while (Interlocked.CompareExchange(ref _timerBusy, 2, 0) == 1)
            {
                spin.SpinOnce();
            }
        }

        if (_metricsSource is not null)
        {
            _settings!.Metrics.Unregister(_metricsSource);
        }
    }
}
