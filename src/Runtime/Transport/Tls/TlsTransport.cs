using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tether.Transport.Tcp;

namespace Tether.Transport.Tls;

/// <summary>
/// TLS over TCP (<see cref="SslStream"/>): listens and connects with the shared <see cref="TetherTlsOptions"/>.
/// Connections report the transport name <c>tls</c>; a peer's validated certificate is on
/// <see cref="TransportConnection.RemoteCertificate"/> (and becomes the session's principal on the server).
/// </summary>
/// <remarks>A listener runs handshakes off its accept loop, at most <see cref="MaxConcurrentHandshakes"/> at a time
/// and each within <see cref="TetherTlsOptions.HandshakeTimeout"/>, so a slow or hostile client delays no one else.
/// Failed handshakes are logged and raised as <see cref="HandshakeFailed"/>.</remarks>
public sealed class TlsTransport : ITransportListenerFactory, ITransportConnector
{
    /// <summary>The name TLS-over-TCP connections report.</summary>
    public const string Name = "tls";

    private readonly TetherTlsOptions _tls;
    private readonly TcpTransportOptions _tcp;
    private readonly ILogger _logger;
    private TlsAuthentication? _client;
    private TlsAuthentication? _server;

    /// <summary>Creates the transport.</summary>
    /// <param name="tls">Certificates, trust and ALPN; validated when the first listener binds or connection starts.</param>
    /// <param name="tcp">Socket settings.</param>
    /// <param name="logger">Where failed handshakes are logged.</param>
    public TlsTransport(TetherTlsOptions tls, TcpTransportOptions? tcp = null, ILogger<TlsTransport>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(tls);
        _tls = tls;
        _tcp = tcp ?? new TcpTransportOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Handshakes a listener runs at once; connections beyond are closed at accept.</summary>
    /// <remarks>Defaults to 256.</remarks>
    public int MaxConcurrentHandshakes { get; init; } = 256;

    /// <summary>Raised (on a pool thread) for each connection a listener dropped during its handshake.</summary>
    public event Action<TlsHandshakeFailure>? HandshakeFailed;

    /// <inheritdoc />
    public ValueTask<ITransportListener> BindAsync(EndPoint endPoint, TransportConnectionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        _server ??= new TlsAuthentication(_tls, server: true);
        var listener = new TlsListener(this, TcpTransport.Listen(endPoint, _tcp), _server, options);
        listener.Start();
        return new ValueTask<ITransportListener>(listener);
    }

    /// <inheritdoc />
    public async ValueTask<TransportConnection> ConnectAsync(EndPoint endPoint, TransportConnectionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(options);
        TlsAuthentication authentication = _client ??= new TlsAuthentication(_tls, server: false);
        Socket socket = await TcpTransport.ConnectSocketAsync(endPoint, _tcp, cancellationToken).ConfigureAwait(false);
        var stream = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        bool certificateRequested;
        try
        {
            certificateRequested = await authentication.AuthenticateAsClientAsync(stream, endPoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = new StreamConnection(socket, stream, Name, stream.RemoteCertificate as System.Security.Cryptography.X509Certificates.X509Certificate2,
            options, _tcp.CloseTimeout, failure => authentication.ExplainEarlyClose(failure, certificateRequested));
        connection.Start();
        return connection;
    }

    private void ReportFailure(EndPoint? remote, TetherException error)
    {
        TlsLog.HandshakeFailed(_logger, remote?.ToString(), error.Code, error.Message);
        try
        {
            HandshakeFailed?.Invoke(new TlsHandshakeFailure(remote, error));
        }
        catch (Exception e)
        {
            TlsLog.HandshakeEventFailed(_logger, e);
        }
    }

    private sealed class TlsListener(TlsTransport owner, Socket socket, TlsAuthentication authentication, TransportConnectionOptions options) : ITransportListener
    {
        private readonly Channel<StreamConnection> _ready = Channel.CreateUnbounded<StreamConnection>(new UnboundedChannelOptions { SingleReader = false });
        private readonly CancellationTokenSource _stop = new();
        private readonly SemaphoreSlim _handshakes = new(owner.MaxConcurrentHandshakes);
        private Task _accepting = Task.CompletedTask;

        public EndPoint EndPoint { get; } = socket.LocalEndPoint!;

        public string TransportName => Name;

        public void Start() => _accepting = AcceptLoopAsync();

        public async ValueTask<TransportConnection?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                return await _ready.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                return null;
            }
        }

        private async Task AcceptLoopAsync()
        {
            while (true)
            {
                Socket accepted;
                try
                {
                    accepted = await socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException
                    || (e is SocketException s && s.SocketErrorCode == SocketError.OperationAborted))
                {
                    break;
                }
                catch (SocketException)
                {
                    continue; // reset while queued
                }

                if (options.AcceptFilter is { } admit && !admit(accepted.RemoteEndPoint))
                {
                    accepted.Dispose(); // refused before the TLS handshake: not a byte read
                    continue;
                }

                if (!_handshakes.Wait(0))
                {
                    EndPoint? remote = accepted.RemoteEndPoint;
                    accepted.Dispose();
                    owner.ReportFailure(remote, new TetherException(TetherErrorCode.ConnectionLimitExceeded,
                        $"{owner.MaxConcurrentHandshakes:N0} TLS handshakes are already running."));
                    continue;
                }

                _ = HandshakeAsync(accepted);
            }

            _ready.Writer.TryComplete();
        }

        private async Task HandshakeAsync(Socket accepted)
        {
            EndPoint? remote = accepted.RemoteEndPoint;
            try
            {
                accepted.NoDelay = owner._tcp.NoDelay;
                var stream = new SslStream(new NetworkStream(accepted, ownsSocket: true), leaveInnerStreamOpen: false);
                await authentication.AuthenticateAsServerAsync(stream, _stop.Token).ConfigureAwait(false);
                var connection = new StreamConnection(accepted, stream, Name,
                    stream.RemoteCertificate as System.Security.Cryptography.X509Certificates.X509Certificate2, options, owner._tcp.CloseTimeout);
                connection.Start();
                if (!_ready.Writer.TryWrite(connection))
                {
                    await connection.DisposeAsync().ConfigureAwait(false); // the listener closed meanwhile
                }
            }
            catch (TetherException e)
            {
                accepted.Dispose();
                owner.ReportFailure(remote, e);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                accepted.Dispose();
            }
            finally
            {
                _handshakes.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            socket.Dispose();
            await _accepting.ConfigureAwait(false);
            _ready.Writer.TryComplete();
            while (_ready.Reader.TryRead(out StreamConnection? unclaimed))
            {
                await unclaimed.DisposeAsync().ConfigureAwait(false);
            }

            _stop.Dispose();
        }
    }
}
