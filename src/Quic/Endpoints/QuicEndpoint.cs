using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Tether.Quic.Connections;
using Tether.Quic.Interop;

namespace Tether.Quic.Endpoints;

/// <summary>
/// One UDP socket and the QUIC connections on it. A server endpoint routes packets by destination connection ID to
/// many connections, accepts new ones (optionally after a Retry), refuses them past its limit, and answers packets
/// for connections it no longer knows with a stateless reset. A client endpoint carries one connection.
/// </summary>
/// <remarks>One receive loop per endpoint waits until the socket is readable, takes every waiting datagram (several
/// per system call where the kernel coalesces them, see <see cref="DatagramSocket"/>) and feeds them to their
/// connections, then lets each connection that received something answer once per batch (acknowledgements are not
/// sent per datagram).</remarks>
internal sealed partial class QuicEndpoint : IAsyncDisposable
{
    private const int SecretLength = 32;
    private const int MaxStatelessResetsPerSecond = 256;
    private const int ReceiveBufferSize = 64 * 1024; // the largest UDP payload, and the largest coalesced (GRO) receive

    private readonly DatagramSocket _socket;
    private readonly QuicTransportOptions _options;
    private readonly IQuicAcceptor? _acceptor;
    private readonly ConcurrentDictionary<ConnectionId, QuicConnection> _routes = new();
    private readonly byte[] _resetSecret = RandomNumberGenerator.GetBytes(SecretLength);
    private readonly byte[] _retrySecret = RandomNumberGenerator.GetBytes(SecretLength);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<QuicConnection> _answering = [];
    private readonly byte[] _localNative = GC.AllocateArray<byte>(SockAddr.StorageSize, pinned: true);
    private QuicConnection? _client;
    private Task _receiving = Task.CompletedTask;
    private int _connections;
    private volatile bool _accepting = true;
    private int _disposed;
    private long _resetWindow;
    private int _resetsInWindow;

    private QuicEndpoint(Socket socket, QuicTransportOptions options, IQuicAcceptor? acceptor)
    {
        _socket = new DatagramSocket(socket, options.SegmentationOffload);
        _options = options;
        _acceptor = acceptor;
        LocalEndPoint = socket.LocalEndPoint!;
        SocketAddress local = LocalEndPoint.Serialize();
        local.Buffer.Span[..Math.Min(local.Size, SockAddr.StorageSize)].CopyTo(_localNative);
        LocalNativeLength = (uint)local.Size;
    }

    /// <summary>The socket's address.</summary>
    public EndPoint LocalEndPoint { get; }

    /// <summary>The socket's address in native form, for ngtcp2 paths (pinned for the endpoint's lifetime).</summary>
    public unsafe byte* LocalNative => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_localNative));

    /// <summary>Length of <see cref="LocalNative"/>.</summary>
    public uint LocalNativeLength { get; }

    /// <summary>Connections alive on this endpoint (handshakes included).</summary>
    public int ConnectionCount => Volatile.Read(ref _connections);

    /// <summary>The endpoint's socket (its batching counters are diagnostics).</summary>
    public DatagramSocket Socket => _socket;

    /// <summary>Counters for tests and metrics: Retry packets sent, stateless resets sent, clients refused.</summary>
    public long RetriesSent { get; private set; }

    /// <inheritdoc cref="RetriesSent"/>
    public long StatelessResetsSent { get; private set; }

    /// <inheritdoc cref="RetriesSent"/>
    public long Refused { get; private set; }

    /// <summary>Binds a server endpoint; <paramref name="acceptor"/> receives connections whose handshake completed.</summary>
    public static QuicEndpoint Listen(EndPoint endPoint, QuicTransportOptions options, IQuicAcceptor acceptor)
    {
        var endpoint = new QuicEndpoint(Bind(endPoint, options), options, acceptor);
        endpoint._receiving = Task.Run(endpoint.ReceiveLoopAsync);
        return endpoint;
    }

    /// <summary>Binds a client endpoint (ephemeral port) for one connection to <paramref name="remote"/>.</summary>
    public static QuicEndpoint ForClient(IPEndPoint remote, QuicTransportOptions options)
    {
        IPAddress any = remote.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        Socket socket = Bind(new IPEndPoint(any, 0), options);
        try
        {
            socket.Connect(remote); // fixes the local address the kernel routes from, and filters other senders
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new QuicEndpoint(socket, options, acceptor: null);
    }

    /// <summary>Client: starts receiving for the endpoint's one connection.</summary>
    public void Start(QuicConnection client)
    {
        _client = client;
        _accepting = false; // a client endpoint lives exactly as long as its connection
        Interlocked.Increment(ref _connections);
        _receiving = Task.Run(ReceiveLoopAsync);
    }

    private static Socket Bind(EndPoint endPoint, QuicTransportOptions options)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (endPoint is IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } ip && ip.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.ReceiveBufferSize = options.SocketBufferSize;
            socket.SendBufferSize = options.SocketBufferSize;
            socket.Bind(endPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Routes packets for <paramref name="id"/> to <paramref name="connection"/> (server endpoints only).</summary>
    public bool Route(ConnectionId id, QuicConnection connection) => _acceptor is not null && _routes.TryAdd(id, connection);

    /// <summary>Stops routing <paramref name="id"/> to <paramref name="connection"/>.</summary>
    public void Unroute(ConnectionId id, QuicConnection connection) => _routes.TryRemove(KeyValuePair.Create(id, connection));

    /// <summary>Sends one packet; a full or failing socket drops it (QUIC recovers from loss).</summary>
    /// <returns>False only when the packet can never be sent (larger than the path allows): a configuration error.</returns>
    public unsafe bool Send(byte* packet, int length, SocketAddress destination) => Send(packet, length, length, destination);

    /// <summary>
    /// Sends <paramref name="length"/> bytes of packets, each <paramref name="segmentSize"/> bytes but the last, in
    /// one system call where the kernel allows (GSO); a full or failing socket drops them (QUIC recovers from loss).
    /// </summary>
    /// <returns>False only when a packet can never be sent (larger than the path allows): a configuration error.</returns>
    public unsafe bool Send(byte* packets, int length, int segmentSize, SocketAddress destination) =>
        _socket.Send(packets, length, segmentSize, destination) == DatagramSocket.SendStatus.Sent;

    /// <summary>The stateless reset token of a connection ID this endpoint issued (derived, so it survives the connection).</summary>
    public unsafe void WriteStatelessResetToken(ngtcp2_cid* cid, byte* token)
    {
        fixed (byte* secret = _resetSecret)
        {
            if (Ngtcp2Crypto.generate_stateless_reset_token(token, secret, SecretLength, cid) != 0)
            {
                throw new CryptographicException("ngtcp2 could not derive a stateless reset token.");
            }
        }
    }

    /// <summary>The managed form of a peer address.</summary>
    public EndPoint ToEndPoint(SocketAddress address) => LocalEndPoint.Create(address);

    /// <summary>A connection on this endpoint ended.</summary>
    public void OnConnectionTerminated(QuicConnection connection)
    {
        int left = Interlocked.Decrement(ref _connections);
        _acceptor?.OnTerminated(connection);
        if (left <= 0 && !_accepting)
        {
            _ = DisposeAsync().AsTask(); // the socket outlives the listener until its last connection ends
        }
    }

    /// <summary>
    /// Server: refuses new clients from now on; the socket stays open for the connections already made (the way a
    /// closed TCP listener leaves accepted sockets alone) and closes with the last of them.
    /// </summary>
    public ValueTask StopAcceptingAsync()
    {
        _accepting = false;
        return ConnectionCount <= 0 ? DisposeAsync() : ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _accepting = false;
        foreach (QuicConnection connection in _routes.Values.Distinct())
        {
            // While the socket is still open, so the peers hear CONNECTION_CLOSE.
            connection.Abort(new TetherException(TetherErrorCode.ConnectionClosed, "The QUIC endpoint closed."));
        }

        _stop.Cancel();
        _socket.Dispose();
        await _receiving.ConfigureAwait(false);
    }
}
