using System.IO.Pipelines;
using System.Threading.Channels;
using Tether.Quic.Interop;
using Tether.Transport;

namespace Tether.Quic.Connections;

/// <summary>
/// The connection's streams: the link's own (the client's first bidirectional stream, id 0) behind
/// <see cref="Input"/>/<see cref="Output"/>, and the call streams either side opens (<see cref="TryOpenStream"/>,
/// <see cref="AcceptStreamAsync"/>), each with its own pipes, send loop and flow control.
/// </summary>
internal sealed partial class QuicConnection
{
    private readonly QuicStream _link;
    private readonly Dictionary<long, QuicStream> _streams = [];
    private readonly List<QuicStream> _waiting = [];
    private readonly Channel<QuicStream> _accepted = Channel.CreateUnbounded<QuicStream>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TransportConnectionOptions _pipes;

    /// <summary>Consumed bytes a stream collects before it returns them as credit (an eighth of the window, at most 64 KiB).</summary>
    internal int CreditThreshold { get; }

    /// <summary>The lock every native call for this connection holds.</summary>
    internal Lock SyncRoot => _lock;

    /// <summary>Whether the connection has ended here.</summary>
    internal bool IsTerminated => Volatile.Read(ref _terminated);

    /// <summary>Why it ended (null for a graceful close).</summary>
    internal Exception? CloseError => _closeError;

    /// <inheritdoc />
    public override bool SupportsStreams => true;

    /// <summary>Client: opens the link's stream once the handshake is done, and starts sending.</summary>
    public unsafe void OpenStream()
    {
        lock (_lock)
        {
            if (_conn is null)
            {
                // Closed right after the handshake (a TLS 1.3 server may refuse the client's certificate after the
                // client considers the handshake done): the peer's typed reason, not a generic one.
                throw _closeError as TetherException
                    ?? new TetherException(TetherErrorCode.ConnectionClosed, "The QUIC connection closed before its stream opened.", _closeError);
            }

            long streamId;
            ThrowIfFailed(Ngtcp2.conn_open_bidi_stream(_conn, &streamId, null), "opening the link's stream");
            _link.StreamId = streamId;
            _streams[streamId] = _link;
            WriteLocked(_link); // announces the stream even before the application writes, so the server can answer on it
            ArmTimerLocked();
        }

        StartSending();
    }

    /// <summary>Starts the link stream's send loop (a server's link stream is the one the client opens; until then nothing is offered).</summary>
    public void StartSending() => _link.StartSending();

    /// <inheritdoc />
    public override unsafe TransportSubstream? TryOpenStream()
    {
        QuicStream stream;
        lock (_lock)
        {
            if (_conn is null || _link.StreamId < 0 || !_handshake.Task.IsCompletedSuccessfully)
            {
                return null;
            }

            long streamId;
            if (Ngtcp2.conn_open_bidi_stream(_conn, &streamId, null) != 0)
            {
                return null; // the peer's stream limit (STREAM_ID_BLOCKED): the caller uses the link's stream
            }

            stream = new QuicStream(this, streamId, _pipes);
            _streams[streamId] = stream;
        }

        stream.StartSending();
        return stream;
    }

    /// <inheritdoc />
    public override async ValueTask<TransportSubstream?> AcceptStreamAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>The peer opened a stream: the client's first is the link's; every other one is a call's.</summary>
    private void OnStreamOpenedLocked(long streamId)
    {
        if (_streams.ContainsKey(streamId))
        {
            return;
        }

        if (streamId == 0 && IsServer && _link.StreamId < 0)
        {
            _link.StreamId = streamId;
            _link.Announced = true;
            _streams[streamId] = _link;
            _link.WakeLocked();
            return;
        }

        var stream = new QuicStream(this, streamId, _pipes) { Announced = true };
        _streams[streamId] = stream;
        stream.StartSending();
        _accepted.Writer.TryWrite(stream);
    }

    private unsafe int OnStreamData(uint flags, long streamId, byte* data, int length)
    {
        OnStreamOpenedLocked(streamId);
        if (!_streams.TryGetValue(streamId, out QuicStream? stream))
        {
            return Ngtcp2.ErrCallbackFailure;
        }

        stream.OnData(flags, data, length);
        return 0;
    }

    private unsafe void OnStreamClosedLocked(long streamId, ulong applicationError)
    {
        if (!_streams.Remove(streamId, out QuicStream? stream))
        {
            return;
        }

        stream.OnClosedLocked(applicationError);
        bool remote = (streamId & 1) == (IsServer ? 0 : 1);
        if (remote && stream != _link && _conn is not null)
        {
            // ngtcp2 does not raise the peer's stream limit by itself: one closed, one more allowed.
            Ngtcp2.conn_extend_max_streams_bidi(_conn, 1);
        }
    }

    /// <summary>Gives the peer <paramref name="credit"/> more bytes on <paramref name="stream"/> and on the connection.</summary>
    internal unsafe void ReturnCredit(QuicStream stream, long credit)
    {
        lock (_lock)
        {
            if (_conn is null || stream.StreamId < 0 || credit <= 0 || stream.Closed)
            {
                return;
            }

            if (Ngtcp2.conn_extend_max_stream_offset(_conn, stream.StreamId, (ulong)credit) != 0)
            {
                return; // the stream is gone; nothing to extend
            }

            Ngtcp2.conn_extend_max_offset(_conn, (ulong)credit);
            WriteLocked();
            ArmTimerLocked();
        }
    }

    /// <summary>Resets a call's stream in both directions (RESET_STREAM and STOP_SENDING).</summary>
    internal unsafe void AbortStream(QuicStream stream)
    {
        lock (_lock)
        {
            if (_conn is null || stream.Closed || stream.StreamId < 0)
            {
                return;
            }

            if (Ngtcp2.conn_shutdown_stream(_conn, stream.StreamId, QuicErrors.AbortCode) != 0)
            {
                return; // ngtcp2 no longer knows the stream: it closed meanwhile
            }

            stream.OnAbortedLocked();
            WriteLocked();
            ArmTimerLocked();
        }
    }

    /// <summary>Wakes every stream whose send loop waits for flow or congestion control (something may have opened).</summary>
    private void WakeWaitingLocked()
    {
        if (_waiting.Count == 0)
        {
            return;
        }

        foreach (QuicStream stream in _waiting)
        {
            stream.WaitingForRoom = false;
            stream.WakeLocked();
        }

        _waiting.Clear();
    }

    /// <summary>A stream's send loop parks until room opens (called by the stream under the lock).</summary>
    internal void ParkLocked(QuicStream stream)
    {
        if (!stream.WaitingForRoom)
        {
            stream.WaitingForRoom = true;
            _waiting.Add(stream);
        }
    }

    /// <summary>Ends every stream (the connection has ended here).</summary>
    private void EndStreamsLocked(Exception? error)
    {
        _link.OnConnectionEndedLocked(error);
        foreach (QuicStream stream in _streams.Values)
        {
            stream.OnConnectionEndedLocked(error ?? new TetherException(TetherErrorCode.ConnectionClosed, "The QUIC connection closed."));
        }

        _streams.Clear();
        _waiting.Clear();
        _accepted.Writer.TryComplete();
    }

    /// <inheritdoc />
    public override void Abort(Exception? reason = null)
    {
        lock (_lock)
        {
            CloseLocked(reason ?? new TetherException(TetherErrorCode.ConnectionClosed, "The QUIC connection was aborted."), 0);
        }
    }

    /// <summary>Ends the connection here without telling the peer (what a crashed process does); the peer learns of
    /// it from a stateless reset when it next sends.</summary>
    internal void TerminateSilently(Exception reason)
    {
        lock (_lock)
        {
            TerminateLocked(reason);
        }
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        // Graceful: what was written on the link's stream reaches the peer (acknowledged) before CONNECTION_CLOSE.
        await _link.DrainAsync(_options.CloseTimeout).ConfigureAwait(false);
        lock (_lock)
        {
            CloseLocked(null, 0);
        }

        await _link.CompleteAsync().ConfigureAwait(false);
        // RemoteCertificate is not disposed here: the session it identifies outlives this link (resume compares it).
    }
}
