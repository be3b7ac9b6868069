using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tether.Quic.Interop;
using Tether.Transport;

namespace Tether.Quic.Connections;

/// <summary>
/// One bidirectional QUIC stream: received bytes go into <see cref="Input"/>; what the application writes to
/// <see cref="Output"/> waits in a pipe until the connection's send pass (<see cref="QuicConnection"/>) hands it to
/// ngtcp2 without copying, packed with other streams' data into shared packets, and is released only once the peer
/// acknowledged it (ngtcp2 keeps pointing at it). The link's own stream (id 0) and every call's stream are this class.
/// </summary>
/// <remarks>
/// The output pipe's reader side, the pins and the offsets are touched only under the connection's lock (ngtcp2
/// calls back into it under that lock); the pipes' application ends and the credit counters are not.
/// </remarks>
internal sealed class QuicStream : TransportSubstream
{
    private readonly QuicConnection _connection;
    private readonly StreamPipes _pipes;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly QuicInputReader _inputReader;
    private readonly QuicStreamWriter _outputWriter;
    private readonly Queue<(long End, MemoryHandle Pin)> _pins;
    private ReadOnlySequence<byte> _offering;
    private TaskCompletionSource? _drained;
    private long _bufferStart; // stream offset of the first byte still in the output pipe (everything before is acknowledged)
    private long _sentOffset;
    private long _ackedOffset;
    private long _pinnedUpTo;
    private long _received;
    private bool _writerDone;
    private bool _outputEnded;
    private bool _reading;
    private bool _inputAbandoned;
    private bool _finReceived;
    private long _consumed;
    private long _unreportedCredit;
    private int _flushQueued;
    // Who still uses the pipes: the application's reader, its writer, and the transport (until ngtcp2 closed the
    // stream or the connection ended). The last to let go hands them back to the connection's pool.
    private int _pipeOwners = 3;
    private bool _transportDone;

    public QuicStream(QuicConnection connection, long id)
    {
        _connection = connection;
        StreamId = id;
        _pipes = connection.PipePool.Rent();
        _input = _pipes.Input;
        _output = _pipes.Output;
        _pins = _pipes.Pins;
        _inputReader = new QuicInputReader(this, _input.Reader);
        _outputWriter = new QuicStreamWriter(this, _output.Writer);
    }

    /// <summary>The connection the stream belongs to.</summary>
    public QuicConnection Connection => _connection;

    /// <summary>The QUIC stream id, or -1 while a server's link stream has not been opened by the client yet.</summary>
    public long StreamId { get; set; }

    /// <inheritdoc />
    public override long Id => StreamId;

    /// <inheritdoc />
    public override PipeReader Input => _inputReader;

    /// <inheritdoc />
    public override PipeWriter Output => _outputWriter;

    /// <inheritdoc />
    /// <remarks>A flush queues the stream for the connection's send pass, which one pool work item runs for all streams.</remarks>
    public override bool GathersFlushes => true;

    /// <summary>Whether a first (possibly empty) STREAM frame went out: a client's link stream announces the link with it.</summary>
    public bool Announced { get; set; }

    /// <summary>Whether the FIN went out.</summary>
    public bool FinSent { get; private set; }

    /// <summary>Whether ngtcp2 closed the stream (both directions done, or reset); nothing more is sent on it.</summary>
    public bool Closed { get; private set; }

    /// <summary>Whether the stream is in the connection's send queue (under the lock).</summary>
    public bool Queued { get; set; }

    /// <summary>Whether the stream waits for flow-control room (under the lock).</summary>
    public bool WaitingForRoom { get; set; }

    /// <summary>Stream offset of the next byte not yet handed to ngtcp2.</summary>
    public long SentOffset => _sentOffset;

    /// <summary>Bytes received (ngtcp2 callback, under the lock).</summary>
    public unsafe void OnData(uint flags, byte* data, int length)
    {
        PipeWriter writer = _input.Writer;
        if (length > 0)
        {
            if (_inputAbandoned)
            {
                // Nobody will read it: the connection's window gets it back at once.
                _connection.ReturnConnectionCreditLocked(length, send: false);
            }
            else
            {
                _received += length;
                writer.Write(new ReadOnlySpan<byte>(data, length));
                // No pause threshold and an inline writer scheduler: this completes at once; the reader wakes in the turn.
                ValueTask<FlushResult> flushed = writer.FlushAsync();
                Debug.Assert(flushed.IsCompleted, "An input flush without a pause threshold never waits.");
                flushed.GetAwaiter().GetResult();
            }
        }

        if ((flags & Ngtcp2.StreamDataFlagFin) != 0)
        {
            writer.Complete();
            Volatile.Write(ref _finReceived, true); // after the last _received update: nothing more arrives
        }
    }

    /// <summary>The peer acknowledged bytes up to <paramref name="end"/> (under the lock); the next send pass frees them.</summary>
    public void OnAcknowledged(long end)
    {
        if (end > _ackedOffset)
        {
            _ackedOffset = end;
            _connection.QueueLocked(this);
        }
    }

    /// <summary>The peer reset its direction (under the lock).</summary>
    public void OnReset(ulong applicationError) =>
        _input.Writer.Complete(new TetherException(TetherErrorCode.ConnectionClosed,
            $"The peer reset QUIC stream {StreamId} (application error {applicationError})."));

    /// <summary>ngtcp2 closed the stream (under the lock): an abnormal close fails the input; the output ends.</summary>
    public void OnClosedLocked(ulong applicationError)
    {
        if (_transportDone)
        {
            return; // the pipes may already serve another stream
        }

        Closed = true;
        if (applicationError != 0)
        {
            _input.Writer.Complete(new TetherException(TetherErrorCode.ConnectionClosed,
                $"QUIC stream {StreamId} closed with application error {applicationError}."));
        }
        else
        {
            _input.Writer.Complete();
        }

        EndOutputLocked(null);
        ReleaseTransportLocked();
    }

    /// <summary>The reader consumed <paramref name="bytes"/>: give the peer that much more room (flow control).</summary>
    internal void OnConsumed(long bytes)
    {
        if (bytes <= 0)
        {
            return;
        }

        Interlocked.Add(ref _consumed, bytes);
        _connection.OnConsumed(bytes);
        if (Interlocked.Add(ref _unreportedCredit, bytes) >= _connection.CreditThreshold)
        {
            _connection.ReturnStreamCredit(this, Interlocked.Exchange(ref _unreportedCredit, 0));
        }
    }

    /// <summary>The application stopped reading: what it never consumed, and whatever still arrives, goes back to the connection's window.</summary>
    internal void OnInputAbandoned()
    {
        if (Volatile.Read(ref _finReceived) && _received == Interlocked.Read(ref _consumed))
        {
            return; // the usual end of a call's stream: everything arrived and was read; no lock needed
        }

        lock (_connection.SyncRoot)
        {
            if (_inputAbandoned)
            {
                return;
            }

            _inputAbandoned = true;
            long unconsumed = _received - Interlocked.Read(ref _consumed);
            _connection.ReturnConnectionCreditLocked(unconsumed, send: true);
        }
    }

    /// <summary>The application flushed or completed <see cref="Output"/>: the connection's next send pass looks at it.</summary>
    internal void OnFlushed()
    {
        if (Interlocked.Exchange(ref _flushQueued, 1) == 0)
        {
            _connection.OnFlushed(this);
        }
    }

    /// <summary>The send pass picked the stream up from the flushed queue; a later flush queues it again.</summary>
    internal void ClearFlushQueued() => Volatile.Write(ref _flushQueued, 0);

    /// <inheritdoc />
    public override void Abort() => _connection.AbortStream(this);

    /// <summary>The connection ended (ngtcp2's state is freed, so nothing points at our blocks any more): the input fails, the output ends.</summary>
    public void OnConnectionEndedLocked(Exception? error)
    {
        if (_transportDone)
        {
            return; // ended already (the link's stream is ended first, then again among the streams)
        }

        Closed = true;
        _input.Writer.Complete(error);
        EndOutputLocked(_connection.CloseError);
        ReleaseTransportLocked();
    }

    /// <summary>The application completed its reader or its writer (each once): one owner of the pipes fewer.</summary>
    internal void ReleasePipes()
    {
        if (Interlocked.Decrement(ref _pipeOwners) == 0)
        {
            _connection.PipePool.Return(_pipes);
        }
    }

    /// <summary>
    /// The transport is done with the pipes (under the lock): the input's writer and the output's reader are complete,
    /// and ngtcp2 no longer knows the stream, so no callback, send pass or credit update reaches them again.
    /// </summary>
    private void ReleaseTransportLocked()
    {
        if (!_transportDone)
        {
            _transportDone = true;
            ReleasePipes();
        }
    }

    /// <summary>This side reset the stream: the input fails at once; the output ends when ngtcp2 closes the stream (until then it may still point at sent blocks).</summary>
    public void OnAbortedLocked() =>
        _input.Writer.Complete(new TetherException(TetherErrorCode.ConnectionClosed, $"QUIC stream {StreamId} was reset by this side."));

    /// <summary>
    /// Starts a send pass's turn (under the lock): returns the bytes not yet handed to ngtcp2 and whether the FIN is
    /// still to go. <see cref="EndOffer"/> ends the turn, whatever this returned.
    /// </summary>
    /// <returns>Whether there is anything to offer (data, the FIN, or the announcement of a new stream).</returns>
    public bool BeginOffer(out ReadOnlySequence<byte> unsent, out bool offerFin)
    {
        unsent = default;
        offerFin = false;
        if (_outputEnded)
        {
            return false;
        }

        PipeReader reader = _output.Reader;
        bool read = reader.TryRead(out ReadResult result);
        if (!read && _ackedOffset > _bufferStart)
        {
            // Everything was sent (so examined) and some of it is now acknowledged: TryRead reports nothing until the
            // next flush, so cancel the (never awaited) read to get the buffer and hand the acknowledged blocks back.
            reader.CancelPendingRead();
            read = reader.TryRead(out result);
        }

        if (read)
        {
            _reading = true;
            _offering = result.Buffer;
            _writerDone |= result.IsCompleted;
            unsent = _offering.Slice(_sentOffset - _bufferStart);
            offerFin = _writerDone && !FinSent;
        }

        return StreamId >= 0 && !Closed && (!unsent.IsEmpty || offerFin || !Announced);
    }

    /// <summary>ngtcp2 took <paramref name="bytes"/> more (and the FIN when <paramref name="fin"/>) during this turn.</summary>
    public void OnOffered(long bytes, bool fin)
    {
        Announced = true;
        _sentOffset += bytes;
        FinSent |= fin;
    }

    /// <summary>Ends the turn (under the lock): returns acknowledged bytes to the pipe, and ends the output once everything reached the peer.</summary>
    public void EndOffer()
    {
        if (!_reading)
        {
            return;
        }

        _reading = false;
        ReadOnlySequence<byte> buffer = _offering;
        _offering = default;
        if (_outputEnded)
        {
            return; // the connection ended during the turn: the reader is already complete
        }

        long acknowledged = Math.Min(_ackedOffset, _bufferStart + buffer.Length);
        ReleasePinsLocked(acknowledged);
        // Consumed up to what the peer acknowledged, examined up to what ngtcp2 took. The writer's backpressure
        // counts unexamined bytes, so bytes in flight do not count against SendBufferLimit (as with TCP, where they
        // sit in the kernel's buffer; flow control bounds them), and the next turn's TryRead still sees unsent bytes.
        long sent = Math.Min(_sentOffset, _bufferStart + buffer.Length);
        _output.Reader.AdvanceTo(buffer.GetPosition(acknowledged - _bufferStart), buffer.GetPosition(sent - _bufferStart));
        _bufferStart = acknowledged;
        if (_writerDone && FinSent && _ackedOffset >= _sentOffset)
        {
            EndOutputLocked(null);
        }
    }

    /// <summary>Completes the output and waits until what was written is acknowledged (or the connection ends), at most <paramref name="timeout"/>.</summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        await _outputWriter.CompleteAsync().ConfigureAwait(false);
        Task drained;
        lock (_connection.SyncRoot)
        {
            if (_outputEnded || (StreamId < 0 && _connection.IsServer))
            {
                return; // done, or (server) the client never opened the link's stream
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            drained = _drained.Task;
        }

        try
        {
            await drained.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    /// <summary>Completes the input reader (after the connection ended).</summary>
    public ValueTask CompleteAsync() => _inputReader.CompleteAsync();

    /// <summary>Pins the block under <paramref name="segment"/> the first time ngtcp2 is offered it.</summary>
    public unsafe byte* PinUntilAcknowledged(ReadOnlyMemory<byte> segment, long streamOffset)
    {
        long end = streamOffset + segment.Length;
        if (end <= _pinnedUpTo)
        {
            // Offered before (ngtcp2 took less than all): still pinned by the handle taken then.
            return (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(segment.Span));
        }

        MemoryHandle pin = segment.Pin();
        _pins.Enqueue((end, pin));
        _pinnedUpTo = end;
        return (byte*)pin.Pointer;
    }

    /// <summary>Nothing more will be sent (under the lock): unpins, hands the blocks back and lets writers see the end.</summary>
    private void EndOutputLocked(Exception? error)
    {
        if (_outputEnded)
        {
            return;
        }

        _outputEnded = true;
        _offering = default;
        while (_pins.TryDequeue(out var pin))
        {
            pin.Pin.Dispose();
        }

        _output.Reader.Complete(error);
        _drained?.TrySetResult();
    }

    private void ReleasePinsLocked(long acknowledged)
    {
        while (_pins.TryPeek(out var pin) && pin.End <= acknowledged)
        {
            _pins.Dequeue().Pin.Dispose();
        }
    }
}
