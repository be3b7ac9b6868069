using System.Buffers;
using System.Runtime.InteropServices;
using Tether.Quic.Interop;

namespace Tether.Quic.Connections;

/// <summary>Packets in and out, timers, and the end of the connection.</summary>
internal sealed unsafe partial class QuicConnection
{
    // Packets written per call before the caller gets the lock back: bounds how long one connection holds it.
    private const int MaxBurst = 64;
    private const int MaxVectors = 16;

    /// <summary>Feeds one received datagram to ngtcp2 (the endpoint calls <see cref="Flush"/> after a batch).</summary>
    /// <returns>True when the handshake completed with this packet (a server hands the connection to its listener).</returns>
    public bool OnDatagram(byte* packet, int length, byte* from, uint fromLength)
    {
        lock (_lock)
        {
            if (_conn is null)
            {
                return false;
            }

            _bytesReceived += length;
            ngtcp2_path path = Path(from, fromLength);
            ngtcp2_pkt_info info = default;
            int result = Ngtcp2.conn_read_pkt(_conn, &path, Ngtcp2.PacketInfoVersion, &info, packet, (nuint)length, QuicClock.Now);
            if (result != 0)
            {
                OnReadFailedLocked(result);
                return false;
            }

            if (!_handshake.Task.IsCompleted && Ngtcp2.conn_get_handshake_completed(_conn) != 0)
            {
                ApplicationProtocol = Tls.QuicTlsContext.SelectedProtocol(_session);
                _handshake.TrySetResult();
                return true;
            }

            return false;
        }
    }

    /// <summary>Sends what the packets just read call for (acknowledgements, retransmissions), wakes streams waiting for room, and re-arms the timer.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (_conn is not null)
            {
                WriteLocked();
                WakeWaitingLocked(); // acknowledgements and MAX_DATA/MAX_STREAM_DATA may have opened room
                ArmTimerLocked();
            }
        }
    }

    /// <summary>Writes control packets only (no new stream data).</summary>
    private void WriteLocked() => WriteStreamLocked(null, ReadOnlySequence<byte>.Empty, 0, offerFin: false, out _);

    /// <summary>Writes control packets, and announces <paramref name="stream"/> with an empty STREAM frame if it has sent nothing yet.</summary>
    private void WriteLocked(QuicStream stream) => WriteStreamLocked(stream, ReadOnlySequence<byte>.Empty, stream.SentOffset, offerFin: false, out _);

    /// <summary>
    /// Writes packets until ngtcp2 has nothing more to send (or <see cref="MaxBurst"/> packets), offering
    /// <paramref name="data"/> (and FIN after it when <paramref name="offerFin"/>) on <paramref name="stream"/>.
    /// </summary>
    /// <param name="stream">The stream whose data is offered; null for control packets only.</param>
    /// <param name="data">Stream bytes not yet handed to ngtcp2.</param>
    /// <param name="dataOffset">The stream offset of <paramref name="data"/>'s first byte.</param>
    /// <param name="offerFin">Whether the stream ends after <paramref name="data"/>.</param>
    /// <param name="burstEnded">Whether it stopped at <see cref="MaxBurst"/> with more possibly to send.</param>
    /// <returns>Stream bytes ngtcp2 accepted; it keeps pointing at them until they are acknowledged.</returns>
    internal long WriteStreamLocked(QuicStream? stream, in ReadOnlySequence<byte> data, long dataOffset, bool offerFin, out bool burstEnded)
    {
        burstEnded = false;
        long accepted = 0;
        ngtcp2_path_storage storage = default;
        storage.path.local.addr = storage.local_addrbuf;
        storage.path.remote.addr = storage.remote_addrbuf;
        ngtcp2_pkt_info info = default;
        ngtcp2_vec* vectors = stackalloc ngtcp2_vec[MaxVectors];
        bool streamBlocked = stream is null || stream.StreamId < 0 || stream.Closed;
        ulong now = QuicClock.Now;
        int packets = 0;
        while (packets < MaxBurst)
        {
            long streamId = -1;
            uint flags = Ngtcp2.WriteStreamFlagNone;
            nuint count = 0;
            long offered = 0;
            if (!streamBlocked)
            {
                ReadOnlySequence<byte> rest = data.Slice(accepted);
                if (!rest.IsEmpty || (offerFin && !stream!.FinSent) || !stream!.Announced)
                {
                    streamId = stream!.StreamId;
                    count = FillVectors(stream, rest, dataOffset + accepted, vectors, out offered, out bool everything);
                    if (offerFin && everything)
                    {
                        flags |= Ngtcp2.WriteStreamFlagFin;
                    }
                }
            }

            nint streamBytes = -1;
            nint written = Ngtcp2.conn_writev_stream(_conn, &storage.path, Ngtcp2.PacketInfoVersion, &info, _transmit,
                (nuint)_options.MaxUdpPayloadSize, &streamBytes, flags, streamId, vectors, count, now);
            if (written < 0)
            {
                if (written is Ngtcp2.ErrStreamDataBlocked or Ngtcp2.ErrStreamShutWrite or Ngtcp2.ErrStreamNotFound)
                {
                    streamBlocked = true; // still write, so acknowledgements leave
                    continue;
                }

                CloseLocked(QuicErrors.FromLibrary((int)written, "writing packets"), (int)written);
                return accepted;
            }

            if (streamId >= 0 && streamBytes >= 0)
            {
                stream!.Announced = true;
                accepted += streamBytes;
                if ((flags & Ngtcp2.WriteStreamFlagFin) != 0 && streamBytes == offered)
                {
                    stream.FinSent = true;
                }
            }

            if (written == 0)
            {
                break;
            }

            packets++;
            _bytesSent += written;
            if (!_endpoint.Send(_transmit, (int)written, _remoteAddress))
            {
                // Retransmitting cannot help: every packet this size would be refused again.
                TerminateLocked(new TetherException(TetherErrorCode.ConnectionClosed,
                    $"A {written}-byte UDP datagram is larger than the path to {RemoteEndPoint} allows; lower {nameof(QuicTransportOptions.MaxUdpPayloadSize)}."));
                return accepted;
            }
        }

        burstEnded = packets == MaxBurst;
        Ngtcp2.conn_update_pkt_tx_time(_conn, now);
        return accepted;
    }

    /// <summary>Points <paramref name="vectors"/> at the start of <paramref name="data"/>, pinning each block on first use.</summary>
    private static nuint FillVectors(QuicStream stream, in ReadOnlySequence<byte> data, long dataOffset, ngtcp2_vec* vectors, out long offered, out bool everything)
    {
        nuint count = 0;
        offered = 0;
        foreach (ReadOnlyMemory<byte> segment in data)
        {
            if (count == MaxVectors)
            {
                break;
            }

            if (segment.IsEmpty)
            {
                continue;
            }

            vectors[count].@base = stream.PinUntilAcknowledged(segment, dataOffset + offered);
            vectors[count].len = (nuint)segment.Length;
            offered += segment.Length;
            count++;
        }

        everything = offered == data.Length;
        return count;
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            if (_conn is null)
            {
                return;
            }

            _armedExpiry = ulong.MaxValue;
            int result = Ngtcp2.conn_handle_expiry(_conn, QuicClock.Now);
            if (result != 0)
            {
                // Idle and handshake timeouts end the connection silently (RFC 9000 §10.1); anything else tells the peer.
                if (result is Ngtcp2.ErrIdleClose)
                {
                    TerminateLocked(QuicErrors.FromLibrary(result, "handling a timer"));
                }
                else
                {
                    CloseLocked(QuicErrors.FromLibrary(result, "handling a timer"), result);
                }

                return;
            }

            WriteLocked();
            WakeWaitingLocked(); // pacing or loss recovery may have held stream data back until now
            ArmTimerLocked();
        }
    }

    internal void ArmTimerLocked()
    {
        if (_conn is null)
        {
            return;
        }

        ulong expiry = Ngtcp2.conn_get_expiry(_conn);
        if (expiry == _armedExpiry)
        {
            return;
        }

        _armedExpiry = expiry;
        if (expiry == ulong.MaxValue)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        ulong now = QuicClock.Now;
        // Whole milliseconds (the timer's resolution), rounded up: a timer that fires early finds nothing expired.
        ulong dueMilliseconds = expiry <= now ? 0 : (expiry - now + Ngtcp2.Millisecond - 1) / Ngtcp2.Millisecond;
        _timer.Change(TimeSpan.FromMilliseconds(dueMilliseconds), Timeout.InfiniteTimeSpan);
    }

    private void OnReadFailedLocked(int result)
    {
        switch (result)
        {
            case Ngtcp2.ErrDraining:
                // The peer closed (CONNECTION_CLOSE) or reset the connection: nothing may be sent any more.
                TerminateLocked(PeerCloseErrorLocked());
                break;
            case Ngtcp2.ErrDropConnection:
                TerminateLocked(QuicErrors.FromLibrary(result, "reading a packet"));
                break;
            case Ngtcp2.ErrDiscardPacket:
                break;
            case Ngtcp2.ErrCrypto:
                CloseLocked(TlsFailureLocked(), result);
                break;
            default:
                CloseLocked(QuicErrors.FromLibrary(result, "reading a packet"), result);
                break;
        }
    }

    private TetherException? PeerCloseErrorLocked()
    {
        if (_statelessReset)
        {
            return new TetherException(TetherErrorCode.ConnectionClosed, "The peer reset the QUIC connection (stateless reset): it no longer knows it.");
        }

        ngtcp2_connection_close_error close;
        Ngtcp2.conn_get_connection_close_error(_conn, &close);
        return QuicErrors.FromPeerClose(&close);
    }

    /// <summary>Why this side's TLS stack failed the handshake: our own certificate verdict first, else its alert.</summary>
    private TetherException TlsFailureLocked()
    {
        if (_verifyFailure is { } verdict)
        {
            return verdict;
        }

        byte alert = Ngtcp2.conn_get_tls_alert(_conn);
        return QuicErrors.FromAlert(alert, sentByPeer: false);
    }

    /// <summary>Tells the peer the connection is over (CONNECTION_CLOSE), then ends it here.</summary>
    /// <param name="error">The error this side reports; null for a graceful close.</param>
    /// <param name="libraryError">The ngtcp2 error behind it, or 0 for an application close.</param>
    private void CloseLocked(Exception? error, int libraryError)
    {
        if (_conn is null)
        {
            return;
        }

        if (Ngtcp2.conn_is_in_closing_period(_conn) == 0 && Ngtcp2.conn_is_in_draining_period(_conn) == 0)
        {
            ngtcp2_connection_close_error close;
            if (libraryError == Ngtcp2.ErrCrypto)
            {
                byte alert = Ngtcp2.conn_get_tls_alert(_conn);
                Ngtcp2.connection_close_error_set_transport_error_tls_alert(&close, alert == 0 ? (byte)80 : alert, null, 0);
            }
            else if (libraryError != 0)
            {
                Ngtcp2.connection_close_error_set_transport_error_liberr(&close, libraryError, null, 0);
            }
            else
            {
                Ngtcp2.connection_close_error_set_application_error(&close, error is null ? 0 : QuicErrors.AbortCode, null, 0);
            }

            ngtcp2_path_storage storage = default;
            storage.path.local.addr = storage.local_addrbuf;
            storage.path.remote.addr = storage.remote_addrbuf;
            ngtcp2_pkt_info info;
            nint written = Ngtcp2.conn_write_connection_close(_conn, &storage.path, Ngtcp2.PacketInfoVersion, &info, _transmit,
                (nuint)_options.MaxUdpPayloadSize, &close, QuicClock.Now);
            if (written > 0)
            {
                _endpoint.Send(_transmit, (int)written, _remoteAddress);
            }
        }

        TerminateLocked(error);
    }

    /// <summary>Ends the connection here: unroutes it, frees the native state, completes the pipes and wakes every waiter.</summary>
    private void TerminateLocked(Exception? error)
    {
        if (_terminated)
        {
            return;
        }

        _terminated = true;
        _closeError = error;
        foreach (var id in _routes)
        {
            _endpoint.Unroute(id, this);
        }

        _routes.Clear();
        _timer.Dispose();
        if (_conn is not null)
        {
            Ngtcp2.conn_del(_conn);
            _conn = null;
        }

        if (_session is not null)
        {
            GnuTls.deinit(_session);
            _session = null;
        }

        EndStreamsLocked(error);
        NativeMemory.Free(_anchor);
        _anchor = null;
        NativeMemory.Free(_remoteNative);
        _remoteNative = null;
        NativeMemory.Free(_transmit);
        _transmit = null;
        _self.Free();

        _handshake.TrySetException(error ?? new TetherException(TetherErrorCode.ConnectionClosed, "The QUIC connection closed during its handshake."));
        _ = _handshake.Task.Exception; // observed: a server connection may end before anyone awaits it
        ThreadPool.UnsafeQueueUserWorkItem(static connection => connection.AfterTermination(), this, preferLocal: false);
    }

    private void AfterTermination()
    {
        _closed.Cancel();
        _endpoint.OnConnectionTerminated(this);
    }
}
