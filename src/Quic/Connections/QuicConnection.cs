using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using Tether.Quic.Endpoints;
using Tether.Quic.Interop;
using Tether.Quic.Tls;
using Tether.Transport;

namespace Tether.Quic.Connections;

/// <summary>
/// One QUIC connection (ngtcp2 + GnuTLS) carrying one Tether link, exposed as a <see cref="TransportConnection"/>:
/// the link's own bidirectional stream plus one stream per call (<see cref="QuicStream"/>).
/// </summary>
/// <remarks>
/// An <c>ngtcp2_conn</c> is not thread-safe, so every native call for it happens under <see cref="_lock"/>: the
/// endpoint's receive loop (packets in), the send pass (every stream's data out), the timer (loss recovery, idle)
/// and the input readers (flow-control credit) each take it briefly. Callbacks run inside those calls and only record state;
/// pipe continuations run in the connection's turn (<see cref="QuicConnectionTurn"/>), never inside a native call.
/// </remarks>
internal sealed unsafe partial class QuicConnection : TransportConnection
{
    /// <summary>The transport name QUIC links report.</summary>
    public const string Name = "quic";

    private readonly Lock _lock = new();
    private readonly QuicEndpoint _endpoint;
    private readonly QuicTlsContext _tls;
    private readonly QuicTransportOptions _options;
    private readonly SocketAddress _remoteAddress;
    private readonly List<ConnectionId> _routes = [];
    private readonly ITimer _timer;
    private readonly QuicConnectionTurn _turn;
    private readonly CancellationTokenSource _closed = new();
    private readonly TaskCompletionSource _handshake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string? _serverName;
    private readonly string? _host;
    private GCHandle _self;
    private ConnectionAnchor* _anchor;
    private byte* _remoteNative;
    private byte* _transmit; // room for one batch of packets (_maxSegments of them)
    private void* _conn;
    private void* _session;
    private ulong _armedDeadline = ulong.MaxValue; // when the timer fires (ngtcp2 clock), MaxValue when not armed
    private TetherException? _verifyFailure;
    private X509Certificate2? _peerCertificate;
    private Exception? _closeError;
    private bool _terminated;
    private long _bytesSent;
    private long _bytesReceived;

    private QuicConnection(QuicEndpoint endpoint, QuicTlsContext tls, QuicTransportOptions options, TransportConnectionOptions pipes,
        SocketAddress remote, string? host)
    {
        _endpoint = endpoint;
        _tls = tls;
        _options = options;
        _host = host;
        _serverName = host is null || IPAddress.TryParse(host, out _) ? null : host; // SNI carries names only (RFC 6066 §3)
        _remoteAddress = remote;
        RemoteEndPoint = endpoint.ToEndPoint(remote);
        _self = GCHandle.Alloc(this);
        _anchor = (ConnectionAnchor*)NativeMemory.AllocZeroed((nuint)sizeof(ConnectionAnchor));
        _anchor->Reference.get_conn = (delegate* unmanaged<ngtcp2_crypto_conn_ref*, void*>)&GetConn;
        _anchor->Self = GCHandle.ToIntPtr(_self);
        _remoteNative = (byte*)NativeMemory.AllocZeroed(SockAddr.StorageSize);
        remote.Buffer.Span[..Math.Min(remote.Size, SockAddr.StorageSize)].CopyTo(new Span<byte>(_remoteNative, SockAddr.StorageSize));
        _maxSegments = DatagramSocket.MaxSegments(options.MaxUdpPayloadSize);
        _transmit = (byte*)NativeMemory.Alloc((nuint)(_maxSegments * options.MaxUdpPayloadSize));
        _timer = TimeProvider.System.CreateTimer(static state => ((QuicConnection)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _turn = new QuicConnectionTurn(this);
        // Kept for reuse: as many as the calls that can be open at once, up to a bound on idle memory.
        PipePool = new QuicPipePool(pipes, _turn, Math.Min(options.MaxCallStreams, MaxPooledPipePairs));
        _link = new QuicStream(this, -1);
        CreditThreshold = Math.Max(4096, Math.Min(options.StreamReceiveWindow / 8, 64 * 1024));
        ConnectionCreditThreshold = Math.Max(4096, Math.Min(options.ConnectionReceiveWindow / 8, 256 * 1024));
    }

    /// <inheritdoc />
    public override PipeReader Input => _link.Input;

    /// <inheritdoc />
    public override PipeWriter Output => _link.Output;

    /// <inheritdoc />
    public override string TransportName => Name;

    /// <inheritdoc />
    public override EndPoint? LocalEndPoint => _endpoint.LocalEndPoint;

    /// <inheritdoc />
    public override EndPoint? RemoteEndPoint { get; }

    /// <inheritdoc />
    public override X509Certificate2? RemoteCertificate => _peerCertificate;

    /// <inheritdoc />
    public override long BytesSent => Volatile.Read(ref _bytesSent);

    /// <inheritdoc />
    public override long BytesReceived => Volatile.Read(ref _bytesReceived);

    /// <summary>The endpoint (UDP socket) the connection runs on.</summary>
    internal QuicEndpoint Endpoint => _endpoint;

    /// <inheritdoc />
    public override CancellationToken ConnectionClosed => _closed.Token;

    /// <summary>The connection's turn: an answer's caller resumes in the turn that read it, and its next request leaves in that turn's send pass.</summary>
    public override PipeScheduler? CompletionScheduler => _turn;

    /// <summary>The ALPN protocol agreed on (after the handshake).</summary>
    public string? ApplicationProtocol { get; private set; }

    /// <summary>Completes when the handshake succeeds; faults with the typed reason when it fails.</summary>
    public Task Handshake => _handshake.Task;

    /// <summary>Whether the endpoint's receive loop has this connection in its batch to answer (only that loop touches it).</summary>
    public bool AwaitingFlush { get; set; }

    /// <summary>Runs the stream readers and stream acceptances that received packets wake (see <see cref="QuicConnectionTurn"/>).</summary>
    internal QuicConnectionTurn Turn => _turn;

    /// <summary>The pipes of ended streams, for the next ones.</summary>
    internal QuicPipePool PipePool { get; }

    /// <summary>Whether this side is the server.</summary>
    public bool IsServer => _tls.IsServer;

    /// <summary>Creates a client connection and sends its first Initial packet.</summary>
    public static QuicConnection Connect(QuicEndpoint endpoint, SocketAddress remote, QuicTlsContext tls, QuicTransportOptions options,
        TransportConnectionOptions pipes, string host)
    {
        var connection = new QuicConnection(endpoint, tls, options, pipes, remote, host);
        lock (connection._lock)
        {
            try
            {
                ngtcp2_cid destination, source;
                ConnectionId.NewRandom(&destination);
                connection.RouteLocked(ConnectionId.NewRandom(&source));
                ngtcp2_settings settings;
                ngtcp2_transport_params parameters;
                connection.InitializeSettings(&settings, &parameters, server: false);
                ngtcp2_callbacks callbacks = CreateCallbacks(server: false);
                ngtcp2_path path = connection.Path(connection._remoteNative, (uint)remote.Size);
                void* conn;
                ThrowIfFailed(Ngtcp2.conn_client_new(&conn, &destination, &source, &path, Ngtcp2.ProtocolVersion1, Ngtcp2.CallbacksVersion,
                    &callbacks, Ngtcp2.SettingsVersion, &settings, Ngtcp2.TransportParamsVersion, &parameters, null, connection._anchor), "creating a client");
                connection.AttachLocked(conn);
                connection.WriteLocked();
                connection.ArmTimerLocked();
            }
            catch
            {
                connection.TerminateLocked(null);
                throw;
            }
        }

        return connection;
    }

    /// <summary>Creates a server connection for a client's Initial packet (already checked by <c>ngtcp2_accept</c>).</summary>
    /// <param name="endpoint">The listener's endpoint.</param>
    /// <param name="header">The Initial's header.</param>
    /// <param name="remote">The client's address (a copy this connection keeps).</param>
    /// <param name="originalDestination">The DCID of the client's very first Initial (from the Retry token after a Retry).</param>
    /// <param name="retrySource">The SCID of the Retry this server sent, or null without Retry.</param>
    /// <param name="tls">The server's TLS context.</param>
    /// <param name="options">QUIC settings.</param>
    /// <param name="pipes">Pipe memory and limits.</param>
    public static QuicConnection Accept(QuicEndpoint endpoint, ngtcp2_pkt_hd* header, SocketAddress remote, ngtcp2_cid* originalDestination,
        ngtcp2_cid* retrySource, QuicTlsContext tls, QuicTransportOptions options, TransportConnectionOptions pipes)
    {
        var connection = new QuicConnection(endpoint, tls, options, pipes, remote, host: null);
        lock (connection._lock)
        {
            try
            {
                ngtcp2_cid source;
                ConnectionId sourceId = ConnectionId.NewRandom(&source);
                ngtcp2_settings settings;
                ngtcp2_transport_params parameters;
                connection.InitializeSettings(&settings, &parameters, server: true);
                parameters.original_dcid = *originalDestination;
                if (retrySource is not null)
                {
                    parameters.retry_scid = *retrySource;
                    parameters.retry_scid_present = 1;
                }

                parameters.stateless_reset_token_present = 1;
                endpoint.WriteStatelessResetToken(&source, parameters.stateless_reset_token);
                ngtcp2_callbacks callbacks = CreateCallbacks(server: true);
                ngtcp2_path path = connection.Path(connection._remoteNative, (uint)remote.Size);
                void* conn;
                ThrowIfFailed(Ngtcp2.conn_server_new(&conn, &header->scid, &source, &path, header->version, Ngtcp2.CallbacksVersion,
                    &callbacks, Ngtcp2.SettingsVersion, &settings, Ngtcp2.TransportParamsVersion, &parameters, null, connection._anchor), "accepting a client");
                connection.AttachLocked(conn);

                // Route by the server's ID and by the ID the client chose, which its retransmitted Initials still carry.
                connection.RouteLocked(sourceId);
                connection.RouteLocked(ConnectionId.From(&header->dcid));
            }
            catch
            {
                connection.TerminateLocked(null);
                throw;
            }
        }

        return connection;
    }

    private void InitializeSettings(ngtcp2_settings* settings, ngtcp2_transport_params* parameters, bool server)
    {
        Ngtcp2.settings_default(Ngtcp2.SettingsVersion, settings);
        settings->initial_ts = QuicClock.Now;
        settings->initial_rtt = QuicClock.ToDuration(_options.InitialRtt);
        settings->max_tx_udp_payload_size = (nuint)_options.MaxUdpPayloadSize;
        if (_options.MaxUdpPayloadSize > 1452)
        {
            settings->no_tx_udp_payload_size_shaping = 1;
            settings->no_pmtud = 1;
        }

        settings->max_stream_window = (ulong)_options.MaxStreamReceiveWindow;
        settings->max_window = (ulong)Math.Max((long)_options.ConnectionReceiveWindow, (long)_options.MaxStreamReceiveWindow * 2);
        settings->handshake_timeout = QuicClock.ToDuration(_tls.Options.HandshakeTimeout);

        Ngtcp2.transport_params_default(Ngtcp2.TransportParamsVersion, parameters);
        parameters->initial_max_stream_data_bidi_local = (ulong)_options.StreamReceiveWindow;
        parameters->initial_max_stream_data_bidi_remote = (ulong)_options.StreamReceiveWindow;
        parameters->initial_max_stream_data_uni = 0;
        parameters->initial_max_data = (ulong)_options.ConnectionReceiveWindow;

        // The link's stream (the client opens it) plus one stream per call in flight, opened by either side.
        parameters->initial_max_streams_bidi = (ulong)_options.MaxCallStreams + (server ? 1UL : 0UL);
        parameters->initial_max_streams_uni = 0;
        parameters->max_idle_timeout = QuicClock.ToDuration(_options.IdleTimeout);
        parameters->active_connection_id_limit = 4;
        parameters->disable_active_migration = 1;
    }

    private void AttachLocked(void* conn)
    {
        _conn = conn;
        _anchor->Connection = conn;
        _session = _tls.CreateSession(&_anchor->Reference, _serverName, &VerifyPeer);
        Ngtcp2.conn_set_tls_native_handle(conn, _session);
    }

    private ngtcp2_path Path(byte* remote, uint remoteLength) => new()
    {
        local = new ngtcp2_addr { addr = _endpoint.LocalNative, addrlen = _endpoint.LocalNativeLength },
        remote = new ngtcp2_addr { addr = remote, addrlen = remoteLength },
    };

    private void RouteLocked(ConnectionId id)
    {
        if (_endpoint.Route(id, this))
        {
            _routes.Add(id);
        }
    }

    private static void ThrowIfFailed(int result, string during)
    {
        if (result != 0)
        {
            throw QuicErrors.FromLibrary(result, during);
        }
    }

    /// <summary>Native memory the TLS stack points at: the crypto helper's reference, then a way back to this object.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct ConnectionAnchor
    {
        public ngtcp2_crypto_conn_ref Reference;
        public nint Self;
        public void* Connection;
    }
}
