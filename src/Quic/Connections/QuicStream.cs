using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tether.Quic.Interop;
using Tether.Transport;

namespace Tether.Quic.Connections;

/// <summary>
/// One bidirectional QUIC stream: received bytes go into <see cref="Input"/>; its send loop hands <see cref="Output"/>'s
/// bytes to ngtcp2 without copying and releases them only once the peer acknowledged them (ngtcp2 keeps pointing at
/// them). The link's own stream (id 0) and every call's stream are this class.
/// </summary>
/// <remarks>
/// All state below is guarded by the connection's lock (ngtcp2 calls back into it under that lock), except the pipes'
/// own ends and <see cref="_unreportedCredit"/>.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The SemaphoreSlim never creates its wait handle (only WaitAsync), so there is nothing to dispose.")]
internal sealed class QuicStream : TransportSubstream
{
    private readonly QuicConnection _connection;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly QuicInputReader _inputReader;
    private readonly Queue<(long End, MemoryHandle Pin)> _pins = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private Task _sending = Task.CompletedTask;
    private long _sentOffset;
    private long _ackedOffset;
    private long _pinnedUpTo;
    private bool _writerDone;
    private long _unreportedCredit;

    public QuicStream(QuicConnection connection, long id, TransportConnectionOptions pipes)
    {
        _connection = connection;
        StreamId = id;
        _input = new Pipe(new PipeOptions(pipes.MemoryPool, PipeScheduler.ThreadPool, PipeScheduler.Inline,
            pauseWriterThreshold: 0, resumeWriterThreshold: 0, minimumSegmentSize: pipes.MinimumSegmentSize, useSynchronizationContext: false));
        _output = new Pipe(new PipeOptions(pipes.MemoryPool, PipeScheduler.ThreadPool, PipeScheduler.ThreadPool,
            pauseWriterThreshold: pipes.SendBufferLimit, resumeWriterThreshold: pipes.SendBufferLimit / 2,
            minimumSegmentSize: pipes.MinimumSegmentSize, useSynchronizationContext: false));
        _inputReader = new QuicInputReader(this, _input.Reader);
    }

    /// <summary>The QUIC stream id, or -1 while a server's link stream has not been opened by the client yet.</summary>
    public long StreamId { get; set; }

    /// <inheritdoc />
    public override long Id => StreamId;

    /// <inheritdoc />
    public override PipeReader Input => _inputReader;

    /// <inheritdoc />
    public override PipeWriter Output => _output.Writer;

    /// <summary>Whether a first (possibly empty) STREAM frame went out: a client's link stream announces the link with it.</summary>
    public bool Announced { get; set; }

    /// <summary>Whether the FIN went out.</summary>
    public bool FinSent { get; set; }

    /// <summary>Stream offset of the next byte not yet handed to ngtcp2.</summary>
    public long SentOffset => _sentOffset;

    /// <summary>Whether ngtcp2 closed the stream (both directions done, or reset); nothing more is sent on it.</summary>
    public bool Closed { get; private set; }

    /// <summary>Whether the send loop is parked on flow or congestion control and wants a wake-up when either opens.</summary>
    public bool WaitingForRoom { get; set; }

    /// <summary>Starts the send loop.</summary>
    public void StartSending() => _sending = Task.Run(SendLoopAsync);

    /// <summary>Bytes received (ngtcp2 callback, under the lock).</summary>
    public unsafe void OnData(uint flags, byte* data, int length)
    {
        PipeWriter writer = _input.Writer;
        if (length > 0)
        {
            writer.Write(new ReadOnlySpan<byte>(data, length));
            // No pause threshold and an inline writer scheduler: this completes at once; the reader wakes on the pool.
            ValueTask<FlushResult> flushed = writer.FlushAsync();
            Debug.Assert(flushed.IsCompleted, "An input flush without a pause threshold never waits.");
            flushed.GetAwaiter().GetResult();
        }

        if ((flags & Ngtcp2.StreamDataFlagFin) != 0)
        {
            writer.Complete();
        }
    }

    /// <summary>The peer acknowledged bytes up to <paramref name="end"/> (under the lock).</summary>
    public void OnAcknowledged(long end)
    {
        if (end > _ackedOffset)
        {
            _ackedOffset = end;
            WakeLocked();
        }
    }

    /// <summary>The peer reset its direction (under the lock).</summary>
    public void OnReset(ulong applicationError) =>
        _input.Writer.Complete(new TetherException(TetherErrorCode.ConnectionClosed,
            $"The peer reset QUIC stream {StreamId} (application error {applicationError})."));

    /// <summary>ngtcp2 closed the stream (under the lock): an abnormal close fails the input; the send loop ends.</summary>
    public void OnClosedLocked(ulong applicationError)
    {
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

        ReleaseAllPinsLocked();
        WakeLocked();
    }

    /// <summary>The reader consumed <paramref name="bytes"/>: give the peer that much more room (flow control).</summary>
    internal void OnConsumed(long bytes)
    {
        if (bytes <= 0 || Interlocked.Add(ref _unreportedCredit, bytes) < _connection.CreditThreshold)
        {
            return;
        }

        _connection.ReturnCredit(this, Interlocked.Exchange(ref _unreportedCredit, 0));
    }

    /// <summary>Makes the send loop look again (acknowledgements, more credit, the end) (under the lock).</summary>
    public void WakeLocked()
    {
        if (_writerDone || _connection.IsTerminated || Closed)
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }

        if (!_writerDone)
        {
            _output.Reader.CancelPendingRead();
        }
    }

    /// <inheritdoc />
    public override void Abort() => _connection.AbortStream(this);

    /// <summary>The connection ended (ngtcp2's state is freed, so nothing points at our blocks any more): the input fails, the send loop ends.</summary>
    public void OnConnectionEndedLocked(Exception? error)
    {
        Closed = true;
        _input.Writer.Complete(error);
        ReleaseAllPinsLocked();
        WakeLocked();
    }

    /// <summary>This side reset the stream: the input fails at once; the send loop ends when ngtcp2 closes the stream (until then it may still point at sent blocks).</summary>
    public void OnAbortedLocked()
    {
        _input.Writer.Complete(new TetherException(TetherErrorCode.ConnectionClosed, $"QUIC stream {StreamId} was reset by this side."));
        WakeLocked();
    }

    private async Task SendLoopAsync()
    {
        PipeReader reader = _output.Reader;
        long bufferStart = 0; // stream offset of the first byte still in the pipe (everything before is acknowledged)
        Exception? failure = null;
        try
        {
            while (true)
            {
                // Only this loop sets _writerDone; a stale termination flag costs one extra pass (termination also cancels the read).
                ReadResult result;
                if (_writerDone || _connection.IsTerminated || Closed)
                {
                    // The application finished writing: only acknowledgements (or the end) can change anything now.
                    await _wake.WaitAsync().ConfigureAwait(false);
                    if (!reader.TryRead(out result))
                    {
                        break;
                    }
                }
                else
                {
                    result = await reader.ReadAsync().ConfigureAwait(false);
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                SequencePosition consumed;
                bool finished;
                lock (_connection.SyncRoot)
                {
                    if (_connection.IsTerminated || Closed)
                    {
                        reader.AdvanceTo(buffer.Start, buffer.End);
                        break;
                    }

                    long acknowledged = Math.Min(_ackedOffset, bufferStart + buffer.Length);
                    ReleasePinsLocked(acknowledged);
                    _writerDone |= result.IsCompleted;
                    ReadOnlySequence<byte> unsent = buffer.Slice(_sentOffset - bufferStart);
                    bool burstEnded = false;
                    if (StreamId >= 0 && (!unsent.IsEmpty || (_writerDone && !FinSent)))
                    {
                        long accepted = _connection.WriteStreamLocked(this, unsent, _sentOffset, _writerDone, out burstEnded);
                        _sentOffset += accepted;
                        if (!burstEnded && (accepted < unsent.Length || (_writerDone && !FinSent)))
                        {
                            _connection.ParkLocked(this); // flow or congestion control took less than offered: look again when either opens
                        }

                        _connection.ArmTimerLocked();
                    }

                    consumed = buffer.GetPosition(acknowledged - bufferStart);
                    bufferStart = acknowledged;
                    // Done when everything reached the peer, or (server) when the client never opened the link's stream.
                    finished = _writerDone && ((FinSent && _ackedOffset >= _sentOffset) || (StreamId < 0 && _connection.IsServer));
                    if (burstEnded && !_connection.IsTerminated)
                    {
                        WakeLocked(); // more may fit at once: come straight back
                    }
                }

                reader.AdvanceTo(consumed, buffer.End);
                if (finished)
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            failure = e;
        }

        reader.Complete(failure ?? _connection.CloseError);
    }

    /// <summary>Completes the output and waits until what was written is acknowledged (or the connection ends), at most <paramref name="timeout"/>.</summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        lock (_connection.SyncRoot)
        {
            WakeLocked();
        }

        try
        {
            await _sending.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    /// <summary>Waits for the send loop (after the connection ended) and completes the input reader.</summary>
    public async Task CompleteAsync()
    {
        await _sending.ConfigureAwait(false);
        await _inputReader.CompleteAsync().ConfigureAwait(false);
    }

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

    private void ReleasePinsLocked(long acknowledged)
    {
        while (_pins.TryPeek(out var pin) && pin.End <= acknowledged)
        {
            _pins.Dequeue().Pin.Dispose();
        }
    }

    private void ReleaseAllPinsLocked()
    {
        while (_pins.TryDequeue(out var pin))
        {
            pin.Pin.Dispose();
        }
    }
}
