using System.Buffers;
using System.Runtime.InteropServices;
using Tether.Quic.Interop;

namespace Tether.Quic.Connections;

/// <summary>Packets in and out, timers, and the end of the connection.</summary>
internal sealed unsafe partial class QuicConnection
{
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

    /// <summary>
    /// The receive loop is done with a batch of this connection's packets: the turn runs what they woke and answers
    /// them; when they woke nothing, this sends what they call for (acknowledgements, retransmissions, credit).
    /// </summary>
    public void EndReceiveBatch()
    {
        if (!_turn.EndReceiveBatch())
        {
            Flush();
        }
    }

    /// <summary>Sends what the packets just read call for (acknowledgements, retransmissions), wakes streams waiting for room, and re-arms the timer.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (_conn is not null)
            {
                WakeWaitingLocked(); // acknowledgements and MAX_DATA/MAX_STREAM_DATA may have opened room
                WriteLocked();
                ArmTimerLocked();
            }
        }
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            if (_conn is null)
            {
                return;
            }

            _armedDeadline = ulong.MaxValue;
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

            WakeWaitingLocked(); // loss recovery may have held stream data back until now
            WriteLocked();
            ArmTimerLocked();
        }
    }

    /// <summary>
    /// Makes sure the timer fires by ngtcp2's next expiry. It is moved only to fire earlier: ngtcp2's expiry moves
    /// with every packet (most often later, as the loss timer restarts), and moving a .NET timer earlier wakes the
    /// timer thread. A timer left to fire before the expiry finds nothing due and arms again.
    /// </summary>
    internal void ArmTimerLocked()
    {
        if (_conn is null)
        {
            return;
        }

        ulong expiry = Ngtcp2.conn_get_expiry(_conn);
        if (expiry == ulong.MaxValue)
        {
            return; // nothing to wait for (an armed timer fires once, finds nothing, and stays off)
        }

        ulong now = QuicClock.Now;
        // An expiry already passed waits a millisecond (the timer's resolution) too. On loopback the pacing gap and
        // the acknowledgement delay (an eighth of the round trip) are microseconds, so they have nearly always passed
        // by the end of a send pass: firing at once cost two thread switches (timer thread, then pool thread) per
        // pass, and sent an acknowledgement on its own that the next data packet, microseconds later, would carry.
        ulong deadline = Math.Max(expiry, now + Ngtcp2.Millisecond);
        if (_armedDeadline <= deadline)
        {
            return; // fires first (or is firing now): arms again then
        }

        _armedDeadline = deadline;
        // Whole milliseconds, rounded up: a timer that fires early finds nothing expired.
        _timer.Change(TimeSpan.FromMilliseconds((deadline - now + Ngtcp2.Millisecond - 1) / Ngtcp2.Millisecond), Timeout.InfiniteTimeSpan);
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
        // The endpoint forgets the connection first: whoever watches ConnectionClosed sees its count without it.
        _endpoint.OnConnectionTerminated(this);
        _closed.Cancel();
    }
}
