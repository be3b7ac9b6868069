using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tether.Quic.Connections;
using Tether.Quic.Endpoints;
using Tether.Quic.Interop;
using Tether.Quic.Tls;
using Tether.Transport;
using Tether.Transport.Tls;

namespace Tether.Quic;

/// <summary>
/// QUIC (RFC 9000, TLS 1.3 inside) through ngtcp2 0.12 and GnuTLS: listens and connects with the same
/// <see cref="TetherTlsOptions"/> as TLS over TCP, so a session can move between the two. Connections report the
/// transport name <c>quic</c>; a peer's validated certificate is on <see cref="TransportConnection.RemoteCertificate"/>.
/// </summary>
/// <remarks>Linux only (Debian 12: <c>libngtcp2-9</c>, <c>libngtcp2-crypto-gnutls2</c>); <see cref="IsSupported"/>
/// says whether this machine can run it, and binding or connecting where it cannot throws
/// <see cref="TetherErrorCode.TransportUnavailable"/>.</remarks>
public sealed class QuicTransport : ITransportListenerFactory, ITransportConnector
{
    /// <summary>The name QUIC connections report.</summary>
    public const string Name = QuicConnection.Name;

    private readonly TetherTlsOptions _tls;
    private readonly QuicTransportOptions _options;
    private readonly ILogger _logger;
    private QuicTlsContext? _client;
    private QuicTlsContext? _server;

    /// <summary>Creates the transport.</summary>
    /// <param name="tls">Certificates, trust and ALPN (QUIC always runs TLS 1.3).</param>
    /// <param name="options">QUIC settings; defaults when null.</param>
    /// <param name="logger">Where failed handshakes are logged.</param>
    public QuicTransport(TetherTlsOptions tls, QuicTransportOptions? options = null, ILogger<QuicTransport>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(tls);
        _tls = tls;
        _options = options ?? new QuicTransportOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Whether the native QUIC stack (ngtcp2 0.12 with GnuTLS) is present on this machine.</summary>
    public static bool IsSupported => NativeQuic.IsSupported;

    /// <summary>Raised (on a pool thread) for each client a listener dropped during its handshake.</summary>
    public event Action<TlsHandshakeFailure>? HandshakeFailed;

    /// <inheritdoc />
    public ValueTask<ITransportListener> BindAsync(EndPoint endPoint, TransportConnectionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        NativeQuic.ThrowIfUnsupported();
        _options.Validate();
        _server ??= new QuicTlsContext(_tls, server: true);
        return new ValueTask<ITransportListener>(new QuicListener(this, endPoint, _server, options));
    }

    /// <inheritdoc />
    public async ValueTask<TransportConnection> ConnectAsync(EndPoint endPoint, TransportConnectionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(options);
        NativeQuic.ThrowIfUnsupported();
        _options.Validate();
        QuicTlsContext tls = _client ??= new QuicTlsContext(_tls, server: false);
        (IPEndPoint remote, string host) = await ResolveAsync(endPoint, cancellationToken).ConfigureAwait(false);
        QuicEndpoint endpoint = QuicEndpoint.ForClient(remote, _options);
        QuicConnection connection;
        try
        {
            connection = QuicConnection.Connect(endpoint, remote.Serialize(), tls, _options, options, _tls.TargetHost ?? host);
        }
        catch
        {
            await endpoint.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        endpoint.Start(connection);
        try
        {
            await connection.Handshake.WaitAsync(cancellationToken).ConfigureAwait(false);
            connection.OpenStream();
            return connection;
        }
        catch (TetherException e) when (connection.BytesReceived == 0 && e.Code != TetherErrorCode.ConnectFailed)
        {
            // Not one datagram came back (the handshake timed out, or the port is unreachable): nobody answered.
            throw new TetherException(TetherErrorCode.ConnectFailed, $"No QUIC server answered at {endPoint}: {e.Message}", e);
        }
        catch (OperationCanceledException)
        {
            connection.Abort();
            throw;
        }
    }

    private static async ValueTask<(IPEndPoint Remote, string Host)> ResolveAsync(EndPoint endPoint, CancellationToken cancellationToken)
    {
        switch (endPoint)
        {
            case IPEndPoint ip:
                return (ip, ip.Address.ToString());
            case DnsEndPoint dns:
                IPAddress[] addresses = await Dns.GetHostAddressesAsync(dns.Host, cancellationToken).ConfigureAwait(false);
                IPAddress address = addresses.FirstOrDefault(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                    ?? throw new TetherException(TetherErrorCode.ConnectFailed, $"{dns.Host} has no IP address.");
                return (new IPEndPoint(address, dns.Port), dns.Host);
            default:
                throw new ArgumentException($"QUIC connects to IP or DNS endpoints, not {endPoint.GetType().Name}.", nameof(endPoint));
        }
    }

    private void ReportFailure(EndPoint? remote, TetherException error)
    {
        QuicLog.HandshakeFailed(_logger, remote?.ToString(), error.Code, error.Message);
        try
        {
            HandshakeFailed?.Invoke(new TlsHandshakeFailure(remote, error));
        }
        catch (Exception e)
        {
            QuicLog.HandshakeEventFailed(_logger, e);
        }
    }

    /// <summary>A bound server endpoint handing out connections whose handshake completed.</summary>
    internal sealed class QuicListener : ITransportListener, IQuicAcceptor
    {
        private readonly QuicTransport _owner;
        private readonly QuicTlsContext _tls;
        private readonly TransportConnectionOptions _pipes;
        private readonly Channel<QuicConnection> _ready = Channel.CreateUnbounded<QuicConnection>();

        public QuicListener(QuicTransport owner, EndPoint endPoint, QuicTlsContext tls, TransportConnectionOptions pipes)
        {
            _owner = owner;
            _tls = tls;
            _pipes = pipes;
            Endpoint = QuicEndpoint.Listen(endPoint, owner._options, this);
        }

        /// <summary>The UDP endpoint (its counters are what tests look at).</summary>
        public QuicEndpoint Endpoint { get; }

        public EndPoint EndPoint => Endpoint.LocalEndPoint;

        public string TransportName => Name;

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

        public bool Admit(SocketAddress remote) =>
            _pipes.AcceptFilter is not { } admit || admit(new IPEndPoint(remote.Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0).Create(remote));

        public unsafe QuicConnection CreateConnection(QuicEndpoint endpoint, ngtcp2_pkt_hd* header, SocketAddress remote, ngtcp2_cid* originalDestination, ngtcp2_cid* retrySource) =>
            QuicConnection.Accept(endpoint, header, remote, originalDestination, retrySource, _tls, _owner._options, _pipes);

        public void OnAccepted(QuicConnection connection)
        {
            if (!_ready.Writer.TryWrite(connection))
            {
                connection.Abort(new TetherException(TetherErrorCode.ConnectionClosed, "The QUIC listener closed."));
            }
        }

        public void OnTerminated(QuicConnection connection)
        {
            if (!connection.Handshake.IsCompletedSuccessfully && connection.Handshake.Exception?.InnerException is TetherException error)
            {
                _owner.ReportFailure(connection.RemoteEndPoint, error);
            }
        }

        public async ValueTask DisposeAsync()
        {
            _ready.Writer.TryComplete();
            await Endpoint.StopAcceptingAsync().ConfigureAwait(false);
            while (_ready.Reader.TryRead(out QuicConnection? unclaimed))
            {
                unclaimed.Abort(new TetherException(TetherErrorCode.ConnectionClosed, "The QUIC listener closed."));
            }
        }
    }
}
