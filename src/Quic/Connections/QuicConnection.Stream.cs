using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tether.Quic.Interop;

namespace Tether.Quic.Connections;

/// <summary>
/// The link's stream: received bytes go into <see cref="Input"/>; the send loop hands <see cref="Output"/>'s bytes to
/// ngtcp2 without copying and releases them only once the peer acknowledged them (ngtcp2 keeps pointing at them).
/// </summary>
internal sealed partial class QuicConnection
{
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly QuicInputReader _inputReader;
    private readonly int _creditThreshold;
    private readonly Queue<(long End, MemoryHandle Pin)> _pins = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private Task _sending = Task.CompletedTask;
    private long _streamId = -1;
    private long _sentOffset;
    private long _ackedOffset;
    private long _pinnedUpTo;
    private bool _finSent;
    private bool _streamAnnounced; // a client's first (possibly empty) STREAM frame tells the server the link exists
    private bool _writerDone;
    private long _unreportedCredit;

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
            _streamId = streamId;
            WriteLocked(); // announces the stream even before the application writes, so the server can answer on it
            ArmTimerLocked();
        }

        StartSending();
    }

    /// <summary>Starts the send loop (a server's stream is the one the client opens; until then nothing is offered).</summary>
    public void StartSending() => _sending = Task.Run(SendLoopAsync);

    /// <summary>Server: the client opened the link's stream (the stream limit of 1 means there is no other).</summary>
    private void OnStreamOpenedLocked(long streamId)
    {
        if (_streamId < 0 && IsServer)
        {
            _streamId = streamId;
            _streamAnnounced = true;
            WakeSenderLocked();
        }
    }

    private unsafe int OnStreamData(uint flags, long streamId, byte* data, int length)
    {
        OnStreamOpenedLocked(streamId);

        if (streamId != _streamId)
        {
            return Ngtcp2.ErrCallbackFailure;
        }

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

        return 0;
    }

    private void OnStreamClosedLocked(ulong applicationError)
    {
        if (applicationError != 0)
        {
            _input.Writer.Complete(new TetherException(TetherErrorCode.ConnectionClosed,
                $"The link's QUIC stream closed with application error {applicationError}."));
        }

        WakeSenderLocked();
    }

    /// <summary>The reader consumed <paramref name="bytes"/>: give the peer that much more room (flow control).</summary>
    internal unsafe void OnConsumed(long bytes)
    {
        if (bytes <= 0 || Interlocked.Add(ref _unreportedCredit, bytes) < _creditThreshold)
        {
            return;
        }

        lock (_lock)
        {
            long credit = Interlocked.Exchange(ref _unreportedCredit, 0);
            if (_conn is null || _streamId < 0 || credit <= 0)
            {
                return;
            }

            if (Ngtcp2.conn_extend_max_stream_offset(_conn, _streamId, (ulong)credit) != 0)
            {
                return; // the stream is gone; nothing to extend
            }

            Ngtcp2.conn_extend_max_offset(_conn, (ulong)credit);
            WriteLocked();
            ArmTimerLocked();
        }
    }

    /// <summary>Makes the send loop look again (acknowledgements, more credit, a stream to send on, the end).</summary>
    private void WakeSenderLocked()
    {
        if (_writerDone || _terminated)
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

    private async Task SendLoopAsync()
    {
        PipeReader reader = _output.Reader;
        long bufferStart = 0; // stream offset of the first byte still in the pipe (everything before is acknowledged)
        Exception? failure = null;
        try
        {
            while (true)
            {
                // Only this loop sets _writerDone; a stale _terminated costs one extra pass (termination also cancels the read).
                ReadResult result;
                if (_writerDone || Volatile.Read(ref _terminated))
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
                lock (_lock)
                {
                    if (_terminated)
                    {
                        reader.AdvanceTo(buffer.Start, buffer.End);
                        break;
                    }

                    long acknowledged = Math.Min(_ackedOffset, bufferStart + buffer.Length);
                    ReleasePinsLocked(acknowledged);
                    _writerDone |= result.IsCompleted;
                    ReadOnlySequence<byte> unsent = buffer.Slice(_sentOffset - bufferStart);
                    bool burstEnded = false;
                    if (_streamId >= 0 && (!unsent.IsEmpty || (_writerDone && !_finSent)))
                    {
                        _sentOffset += WriteLocked(unsent, _sentOffset, _writerDone, out burstEnded);
                        ArmTimerLocked();
                    }

                    consumed = buffer.GetPosition(acknowledged - bufferStart);
                    bufferStart = acknowledged;
                    // Done when everything reached the peer, or (server) when the client never opened the stream.
                    finished = _writerDone && ((_finSent && _ackedOffset >= _sentOffset) || (_streamId < 0 && IsServer));
                    if (burstEnded && !_terminated)
                    {
                        WakeSenderLocked(); // more may fit at once: come straight back
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

        reader.Complete(failure ?? _closeError);
    }

    /// <summary>Pins the block under <paramref name="segment"/> the first time ngtcp2 is offered it.</summary>
    private unsafe byte* PinUntilAcknowledged(ReadOnlyMemory<byte> segment, long streamOffset)
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
        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        lock (_lock)
        {
            WakeSenderLocked();
        }

        try
        {
            // Graceful: what was written reaches the peer (acknowledged) before CONNECTION_CLOSE.
            await _sending.WaitAsync(_options.CloseTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        lock (_lock)
        {
            CloseLocked(null, 0);
        }

        await _sending.ConfigureAwait(false);
        await _inputReader.CompleteAsync().ConfigureAwait(false);
        // RemoteCertificate is not disposed here: the session it identifies outlives this link (resume compares it).
    }
}
