using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Tether.Connections;
using Tether.Dispatch;
using Tether.Transport;

namespace Tether.Client;

/// <summary>
/// A connection to a Tether server: typed requests (<see cref="TetherPeer.RequestAsync{TRequest, TResponse}(TRequest, CancellationToken)"/>
/// or a generated proxy), one-way sends, server streams, and handlers for the server's pushes (run through their
/// generated dispatch tables, like the server's).
/// </summary>
public sealed class TetherClient : TetherPeer, IAsyncDisposable
{
    private readonly TetherClientOptions _options;
    private readonly ILogger _logger;
    private readonly HandlerRegistry _handlers = new();
    private readonly List<PendingCall> _timerScratch = [];
    private TetherConnection? _connection;
    private ITimer? _timer;
    private int _timerBusy;

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

    private protected override TetherConnection? CurrentConnection => _connection;

    /// <summary>Completes when the connection has closed.</summary>
    public Task Closed => _connection?.Closed ?? Task.CompletedTask;

    /// <summary>
    /// Completes when the server announces (goaway) that it takes no new calls, for example because it is
    /// shutting down: calls already running still complete, new ones fail with <see cref="TetherErrorCode.GoingAway"/>.
    /// </summary>
    public Task GoingAway => _connection?.PeerGoingAwayTask ?? s_never.Task;

    private static readonly TaskCompletionSource s_never = new();

    /// <summary>Why the connection closed, if it did not close normally.</summary>
    public Exception? CloseReason => _connection?.CloseReason;

    /// <summary>Calls waiting for replies now.</summary>
    public int PendingCalls => _connection?.PendingCalls ?? 0;

    /// <summary>Bytes queued for the server.</summary>
    public long QueuedBytes => _connection?.Output.QueuedBytes ?? 0;

    /// <summary>Handles the server's pushes with one <paramref name="handler"/> instance.</summary>
    public TetherClient AddHandler<THandler>(THandler handler)
        where THandler : class, IMessageHandler<THandler>
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handlers.Add<THandler>(_ => handler);
        return this;
    }

    /// <summary>Connects to <see cref="TetherClientOptions.EndPoint"/>.</summary>
    public Task ConnectAsync(CancellationToken cancellationToken = default) =>
        ConnectAsync(_options.EndPoint ?? throw new InvalidOperationException("TetherClientOptions.EndPoint is not set."), cancellationToken);

    /// <summary>Connects to <paramref name="endPoint"/> and completes the hello exchange.</summary>
    /// <exception cref="TetherException"><see cref="TetherErrorCode.ConnectFailed"/>, or the server's typed refusal (for example <see cref="TetherErrorCode.ConnectionLimitExceeded"/>).</exception>
    public async Task ConnectAsync(EndPoint endPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        if (_connection is not null)
        {
            throw new InvalidOperationException("The client is already connected; create another client for another connection.");
        }

        _handlers.Freeze();
        ConnectionSettings settings = _options.CreateSettings(_logger, _handlers);
        TransportConnectionOptions transportOptions = settings.CreateTransportOptions(_options.MemoryPool);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        TransportConnection transport;
        try
        {
            transport = await _options.Transport.ConnectAsync(endPoint, transportOptions, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TetherException(TetherErrorCode.ConnectFailed, $"Connecting to {endPoint} took longer than {_options.ConnectTimeout.TotalSeconds:0.#} s.");
        }

        var connection = new TetherConnection(transport, settings);
        _connection = connection;
        _timer = _options.TimeProvider.CreateTimer(static s => ((TetherClient)s!).OnTimer(), this, _options.TimerInterval, _options.TimerInterval);
        connection.Start(this);
        try
        {
            await connection.Handshake.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await connection.CloseAsync(e).ConfigureAwait(false);
            if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new TetherException(TetherErrorCode.ConnectFailed, $"The server at {endPoint} did not complete the hello exchange in time.");
            }

            throw;
        }
    }

    /// <summary>Creates a client and connects it.</summary>
    public static async Task<TetherClient> ConnectAsync(EndPoint endPoint, TetherClientOptions? options = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var client = new TetherClient(options, loggerFactory);
        try
        {
            await client.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void OnTimer()
    {
        if (_connection is not { } connection || Interlocked.Exchange(ref _timerBusy, 1) != 0)
        {
            return;
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

    /// <summary>Closes the connection: pending calls fail with <see cref="TetherErrorCode.ConnectionClosed"/>; bytes already queued still leave.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            await connection.CloseAsync().ConfigureAwait(false);
        }

        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }
    }
}
