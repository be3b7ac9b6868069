using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Tether.Quic.Connections;
using Tether.Quic.Interop;

namespace Tether.Quic.Endpoints;

/// <summary>The receive loop: datagrams in, routed to their connections (or accepted, retried, refused, reset).</summary>
internal sealed partial class QuicEndpoint
{
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
            connection.EndReceiveBatch();
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

        // In the batch before the packet is read: what it wakes waits for the batch's end, which then surely comes.
        if (!connection.AwaitingFlush)
        {
            connection.AwaitingFlush = true;
            _answering.Add(connection);
        }

        bool accepted;
        QuicConnectionTurn.SetReceiving(connection);
        try
        {
            accepted = connection.OnDatagram(packet, length, fromNative, (uint)from.Size);
        }
        finally
        {
            QuicConnectionTurn.SetReceiving(null);
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

        if (_acceptor is not null && !_acceptor.Admit(from))
        {
            Refused++;
            SendConnectionClose(&header, QuicErrors.ConnectionRefused, from, "the server does not accept connections from this address");
            return null;
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
}
