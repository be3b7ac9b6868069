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
internal sealed class QuicEndpoint : IAsyncDisposable
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

    private async Task ReceiveLoopAsync()
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize, pinned: true);
        var from = new SocketAddress(_socket.Socket.AddressFamily);
        while (true)
        {
            try
            {
                await _socket.WaitReadableAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e) when (IsTransient(e))
            {
                OnTransientError(e);
                continue;
            }
            catch (SocketException)
            {
                break;
            }

            if (!ReceiveWaiting(buffer, from))
            {
                break;
            }
        }

        AnswerBatch();
    }

    /// <summary>
    /// Takes every datagram waiting (each connection answers once per 64, so acknowledgements are not sent per
    /// datagram yet none waits long), then lets the connections that received something answer.
    /// </summary>
    /// <returns>False when the socket failed for good.</returns>
    private unsafe bool ReceiveWaiting(byte[] buffer, SocketAddress from)
    {
        int batch = 0;
        fixed (byte* data = buffer)
        {
            while (true)
            {
                int received;
                int segmentSize;
                try
                {
                    received = _socket.Receive(data, buffer.Length, from, out segmentSize);
                }
                catch (SocketException e) when (IsTransient(e))
                {
                    OnTransientError(e);
                    continue;
                }
                catch (SocketException)
                {
                    AnswerBatch();
                    return false;
                }

                if (received < 0)
                {
                    break; // nothing more waiting
                }

                // A coalesced (GRO) receive holds several datagrams of one sender, each segmentSize bytes but the last.
                fixed (byte* fromNative = from.Buffer.Span)
                {
                    for (int offset = 0; offset < received; offset += Math.Max(segmentSize, 1))
                    {
                        DispatchSafely(data + offset, Math.Min(segmentSize, received - offset), from, fromNative);
                        if (++batch >= 64)
                        {
                            batch = 0;
                            AnswerBatch();
                        }
                    }
                }
            }
        }

        AnswerBatch();
        return true;
    }

    private unsafe void DispatchSafely(byte* packet, int length, SocketAddress from, byte* fromNative)
    {
        try
        {
            Dispatch(packet, length, from, fromNative);
        }
        catch (Exception e) when (e is TetherException or InvalidOperationException or CryptographicException)
        {
            // A connection that could not be created (or a hostile packet) costs that packet only.
        }
    }

    /// <summary>Errors that cost one datagram (or report an ICMP answer to an earlier send); the socket goes on.</summary>
    private static bool IsTransient(SocketException e) =>
        e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused or SocketError.MessageSize
            or SocketError.NetworkUnreachable or SocketError.HostUnreachable;

    /// <summary>
    /// ICMP port unreachable on a client's connected socket: nobody listens there. Before any answer that ends the
    /// attempt at once rather than after the handshake timeout. (Other transient errors cost the datagram only.)
    /// </summary>
    private void OnTransientError(SocketException e)
    {
        if (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused && _client is { BytesReceived: 0 } client)
        {
            client.Abort(new TetherException(TetherErrorCode.ConnectFailed, $"No QUIC server listens at {client.RemoteEndPoint} (port unreachable)."));
        }
    }

    private void AnswerBatch()
    {
        foreach (QuicConnection connection in _answering)
        {
            connection.AwaitingFlush = false;
            connection.Flush();
        }

        _answering.Clear();
    }

    private unsafe void Dispatch(byte* packet, int length, SocketAddress from, byte* fromNative)
    {
        QuicConnection? connection = _client;
        if (connection is null)
        {
            ngtcp2_version_cid ids;
            if (Ngtcp2.pkt_decode_version_cid(&ids, packet, (nuint)length, ConnectionId.IssuedLength) != 0 || ids.dcidlen > Ngtcp2.MaxCidLength)
            {
                return; // not QUIC v1, or malformed: dropped (no version negotiation: Tether speaks v1 only)
            }

            var destination = ConnectionId.From(new ReadOnlySpan<byte>(ids.dcid, (int)ids.dcidlen));
            if (!_routes.TryGetValue(destination, out connection))
            {
                if ((packet[0] & 0x80) != 0)
                {
                    connection = Accept(packet, length, from, fromNative);
                }
                else
                {
                    SendStatelessReset(&ids, length, from);
                }

                if (connection is null)
                {
                    return;
                }
            }
        }

        bool accepted = connection.OnDatagram(packet, length, fromNative, (uint)from.Size);
        if (!connection.AwaitingFlush)
        {
            connection.AwaitingFlush = true;
            _answering.Add(connection);
        }

        if (accepted && _acceptor is not null)
        {
            _acceptor.OnAccepted(connection);
        }
    }

    private unsafe QuicConnection? Accept(byte* packet, int length, SocketAddress from, byte* fromNative)
    {
        ngtcp2_pkt_hd header;
        if (Ngtcp2.accept(&header, packet, (nuint)length) != 0 || header.type != Ngtcp2.PacketInitial)
        {
            return null; // not a client's Initial (a stray 0-RTT or Handshake packet, or too short): dropped
        }

        if (!_accepting || ConnectionCount >= _options.MaxConnections)
        {
            Refused++;
            SendConnectionClose(&header, QuicErrors.ConnectionRefused, from,
                _accepting ? $"the server holds its maximum of {_options.MaxConnections} connections" : "the server is shutting down");
            return null;
        }

        ngtcp2_cid original = header.dcid;
        ngtcp2_cid* retrySource = null;
        if (_options.ValidateAddresses)
        {
            if (header.token.len == 0)
            {
                SendRetry(&header, from, fromNative);
                return null;
            }

            fixed (byte* secret = _retrySecret)
            {
                if (Ngtcp2Crypto.verify_retry_token(&original, header.token.@base, header.token.len, secret, SecretLength, header.version,
                    fromNative, (uint)from.Size, &header.dcid, QuicClock.ToDuration(_options.RetryTokenLifetime), QuicClock.Now) != 0)
                {
                    Refused++;
                    SendConnectionClose(&header, 0xb /* INVALID_TOKEN */, from, "invalid or expired retry token");
                    return null;
                }
            }

            retrySource = &header.dcid;
        }

        var remote = new SocketAddress(from.Family, from.Size);
        from.Buffer.Span[..from.Size].CopyTo(remote.Buffer.Span);
        QuicConnection connection = _acceptor!.CreateConnection(this, &header, remote, &original, retrySource);
        Interlocked.Increment(ref _connections);
        return connection;
    }

    private unsafe void SendRetry(ngtcp2_pkt_hd* header, SocketAddress from, byte* fromNative)
    {
        ngtcp2_cid retrySource;
        ConnectionId.NewRandom(&retrySource);
        byte* token = stackalloc byte[256];
        byte* packet = stackalloc byte[1200];
        fixed (byte* secret = _retrySecret)
        {
            nint tokenLength = Ngtcp2Crypto.generate_retry_token(token, secret, SecretLength, header->version, fromNative, (uint)from.Size,
                &retrySource, &header->dcid, QuicClock.Now);
            if (tokenLength <= 0)
            {
                return;
            }

            nint written = Ngtcp2Crypto.write_retry(packet, 1200, header->version, &header->scid, &retrySource, &header->dcid, token, (nuint)tokenLength);
            if (written > 0)
            {
                RetriesSent++;
                Send(packet, (int)written, from);
            }
        }
    }

    private unsafe void SendConnectionClose(ngtcp2_pkt_hd* header, ulong error, SocketAddress to, string reason)
    {
        byte* packet = stackalloc byte[1200];
        byte* text = stackalloc byte[256];
        int length = System.Text.Encoding.UTF8.GetBytes(reason, new Span<byte>(text, 256));
        nint written = Ngtcp2Crypto.write_connection_close(packet, 1200, header->version, &header->scid, &header->dcid, error, text, (nuint)length);
        if (written > 0)
        {
            Send(packet, (int)written, to);
        }
    }

    /// <summary>
    /// A short-header packet for a connection this endpoint does not know (closed, aborted, or from before a
    /// restart of this listener): tell the peer with a stateless reset so it stops at once instead of timing out.
    /// </summary>
    private unsafe void SendStatelessReset(ngtcp2_version_cid* ids, int triggerLength, SocketAddress to)
    {
        // RFC 9000 §10.3: smaller than the trigger (no reset loops), at least 21 bytes, and rate-limited.
        const int MinimumLength = 41;
        if (triggerLength <= MinimumLength || ids->dcidlen != ConnectionId.IssuedLength)
        {
            return;
        }

        long window = Environment.TickCount64 / 1000;
        if (window != _resetWindow)
        {
            _resetWindow = window;
            _resetsInWindow = 0;
        }

        if (++_resetsInWindow > MaxStatelessResetsPerSecond)
        {
            return;
        }

        ngtcp2_cid cid;
        Ngtcp2.cid_init(&cid, ids->dcid, ids->dcidlen);
        byte* token = stackalloc byte[Ngtcp2.StatelessResetTokenLength];
        WriteStatelessResetToken(&cid, token);
        int randomLength = Math.Min(triggerLength - 1 - Ngtcp2.StatelessResetTokenLength - 1, 40);
        byte* random = stackalloc byte[randomLength];
        RandomNumberGenerator.Fill(new Span<byte>(random, randomLength));
        byte* packet = stackalloc byte[128];
        nint written = Ngtcp2.pkt_write_stateless_reset(packet, 128, token, random, (nuint)randomLength);
        if (written > 0)
        {
            StatelessResetsSent++;
            Send(packet, (int)written, to);
        }
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
