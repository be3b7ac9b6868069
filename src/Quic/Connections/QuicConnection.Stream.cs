using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Tether.Quic.Interop;
using Tether.Transport;

namespace Tether.Quic.Connections;

/// <summary>
/// The connection's streams: the link's own (the client's first bidirectional stream, id 0) behind
/// <see cref="Input"/>/<see cref="Output"/>, and the call streams either side opens (<see cref="TryOpenStream"/>,
/// <see cref="AcceptStreamAsync"/>), each with its own pipes and flow control. One send pass (QuicConnection.Send.cs)
/// sends for all of them.
/// </summary>
internal sealed partial class QuicConnection
{
    private readonly QuicStream _link;
    private readonly Dictionary<long, QuicStream> _streams = [];
    private readonly List<QuicStream> _waiting = [];
    // Written only in the connection's turn, whose thread then runs the acceptor (the runtime starts the call's reader,
    // which finds the request already there) rather than waking it on another.
    private readonly Channel<QuicStream> _accepted = Channel.CreateUnbounded<QuicStream>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = true });
    private static readonly Action<object?> s_accept = static state => ((QuicStream)state!).Connection._accepted.Writer.TryWrite((QuicStream)state);
    private static readonly Action<object?> s_endAccepting = static state => ((QuicConnection)state!)._accepted.Writer.TryComplete();
    private long _unreportedConnectionCredit;

    private const int MaxPooledPipePairs = 128;

    /// <summary>Consumed bytes a stream collects before it returns them as credit (an eighth of the window, at most 64 KiB).</summary>
    internal int CreditThreshold { get; }

    /// <summary>Consumed bytes, over all streams, collected before the connection's window grows by them.</summary>
    private long ConnectionCreditThreshold { get; }

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
            QueueLocked(_link);
            WriteLocked(); // announces the stream even before the application writes, so the server can answer on it
            ArmTimerLocked();
        }
    }

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

            stream = new QuicStream(this, streamId);
            _streams[streamId] = stream;
        }

        return stream;
    }

    /// <inheritdoc />
    /// <remarks>Its state machine is pooled: the runtime awaits each acceptance once, so a box serves call after call.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
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
            QueueLocked(_link); // whatever the application wrote before the client opened it
            return;
        }

        var stream = new QuicStream(this, streamId) { Announced = true };
        _streams[streamId] = stream;
        _turn.Schedule(s_accept, stream);
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

    /// <summary>Gives the peer <paramref name="credit"/> more bytes on <paramref name="stream"/> (its reader consumed them).</summary>
    internal unsafe void ReturnStreamCredit(QuicStream stream, long credit)
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

            WriteLocked(); // ngtcp2 decides whether the update is worth a MAX_STREAM_DATA now
            ArmTimerLocked();
        }
    }

    /// <summary>A stream's reader consumed <paramref name="bytes"/>: once enough collected, the connection's window grows by them.</summary>
    /// <remarks>Counted per connection, not per stream: a call's few hundred bytes never reach a stream's threshold, and
    /// the connection's window would shrink with every call that ended below it.</remarks>
    internal void OnConsumed(long bytes)
    {
        if (Interlocked.Add(ref _unreportedConnectionCredit, bytes) < ConnectionCreditThreshold)
        {
            return;
        }

        lock (_lock)
        {
            ReturnConnectionCreditLocked(Interlocked.Exchange(ref _unreportedConnectionCredit, 0), send: true);
        }
    }

    /// <summary>Gives the peer <paramref name="credit"/> more bytes on the connection (under the lock).</summary>
    /// <param name="credit">Bytes the peer may send more.</param>
    /// <param name="send">Whether to write packets now (false inside an ngtcp2 callback, which must not write; the
    /// endpoint's flush after the received batch does).</param>
    internal unsafe void ReturnConnectionCreditLocked(long credit, bool send)
    {
        if (_conn is null || credit <= 0)
        {
            return;
        }

        Ngtcp2.conn_extend_max_offset(_conn, (ulong)credit);
        if (send)
        {
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
            QueueLocked(stream); // data written after the reset is dropped by the next pass
            WriteLocked();
            ArmTimerLocked();
        }
    }

    /// <summary>Queues every stream that waits for flow-control room (acknowledgements or MAX_DATA may have opened some).</summary>
    private void WakeWaitingLocked()
    {
        if (_waiting.Count == 0)
        {
            return;
        }

        foreach (QuicStream stream in _waiting)
        {
            stream.WaitingForRoom = false;
            QueueLocked(stream);
        }

        _waiting.Clear();
    }

    /// <summary>A stream that flow control stopped waits until room opens (under the lock).</summary>
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
        _sendQueue.Clear();
        _turn.Schedule(s_endAccepting, this); // after the acceptances already scheduled
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
