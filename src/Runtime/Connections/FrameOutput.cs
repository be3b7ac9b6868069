using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Tether.Framing;
using Tether.Transport;

namespace Tether.Connections;

/// <summary>
/// Writes frames into a connection's output pipe. Many threads write (handler replies, callers, broadcasts);
/// each frame is sized first and encoded once, in place, under a short lock. Flushing coalesces: the receive loop
/// flushes once per batch of incoming frames, other writers schedule one deferred flush on the connection's
/// IOQueue (or flush at once past 32 KiB unflushed), so frames written meanwhile leave together in one send.
/// </summary>
/// <remarks>
/// A flush that does not complete synchronously means the send queue reached its bound (the pipe's pause
/// threshold, <see cref="TransportConnectionOptions.SendBufferLimit"/>): the output is then <see cref="IsBlocked"/>
/// until it drains. Writers that can wait call <see cref="WaitForSpaceAsync"/>; pushes and broadcasts are refused
/// once the bytes written but not yet sent reach the bound (<see cref="IsFull"/>), so a peer that stops reading
/// cannot grow our memory.
/// </remarks>
internal sealed partial class FrameOutput
{
    private readonly Lock _lock = new();
    private readonly long _sendQueueLimit;
    private PipeWriter? _writer;
    private TransportConnection? _transport;
    private PipeScheduler _flushScheduler;
    private long _committed;
    private long _unflushed;
    private bool _batching;
    private bool _flushing;
    private bool _flushScheduled;
    private bool _dirty;
    private bool _blocked;
    private bool _closed;
    private TaskCompletionSource? _space;

    private const int InlineFlushBytes = 32 * 1024;

    /// <summary>Creates the output of a link that is already open (the session's first).</summary>
    /// <param name="transport">The link (or a call's stream, shaped as one).</param>
    /// <param name="peerMaxFrameSize">Largest payload the peer accepts.</param>
    /// <param name="sendQueueLimit">Bytes written but not yet sent at which pushes are refused.</param>
    /// <param name="flushScheduler">Where a deferred flush runs; null: an IOQueue (or the transport's own queue).</param>
    public FrameOutput(TransportConnection transport, int peerMaxFrameSize, long sendQueueLimit, PipeScheduler? flushScheduler = null)
    {
        _sendQueueLimit = sendQueueLimit;
        PeerMaxFrameSize = peerMaxFrameSize;
        _flushScheduler = flushScheduler ?? Internal.IOQueue.Next();
        AttachLocked(transport, sequencedFlowing: true);
    }

    /// <summary>Largest payload the peer accepts (from its hello).</summary>
    public int PeerMaxFrameSize { get; set; }

    /// <summary>Bytes written but not yet handed to the network (on the current link).</summary>
    public long QueuedBytes => Volatile.Read(ref _transport) is { } transport ? Math.Max(0, Volatile.Read(ref _committed) - transport.BytesSent) : 0;

    /// <summary>Frames written so far.</summary>
    public long FramesWritten { get; private set; }

    /// <summary>True while the pipe refuses more (a flush did not complete): writers that can wait, wait.</summary>
    public bool IsBlocked => Volatile.Read(ref _redirect) is { } target ? target.IsBlocked : Volatile.Read(ref _blocked);

    /// <summary>
    /// True when the send queue (written and not yet handed to the network) is at its bound, or on a resumable session
    /// the replay buffer is: pushes are refused.
    /// </summary>
    public bool IsFull => Volatile.Read(ref _redirect) is { } target ? target.IsFull : IsBlocked || IsReplayFull || QueuedBytes >= _sendQueueLimit;

    public bool IsClosed => Volatile.Read(ref _closed);

    /// <summary>
    /// Takes the lock and returns the span for a frame's payload of exactly <paramref name="payloadLength"/> bytes,
    /// with the header already written. Must be followed by <see cref="EndFrame"/> or <see cref="AbortFrame"/>.
    /// </summary>
    public Span<byte> BeginFrame(FrameType type, FrameFlags flags, uint callId, int messageId, int payloadLength) =>
        BeginFrameCore(type, flags, callId, messageId, payloadLength, requireRoom: false);

    /// <summary>As above; with <paramref name="requireRoom"/>, returns an empty span (lock released) while the pipe is blocked or the replay buffer full.</summary>
    private Span<byte> BeginFrameCore(FrameType type, FrameFlags flags, uint callId, int messageId, int payloadLength, bool requireRoom)
    {
        if (payloadLength > PeerMaxFrameSize)
        {
            throw new TetherException(TetherErrorCode.MessageTooLarge,
                $"A {payloadLength:N0}-byte message exceeds the peer's maximum frame size of {PeerMaxFrameSize:N0} bytes.");
        }

        if (_redirect is { } target)
        {
            return target.BeginFrameCore(type, flags, callId, messageId, payloadLength, requireRoom); // a call moved to the link's stream (see FoldInto)
        }

        Span<byte> span = BeginRaw(FrameHeader.Size + payloadLength, FrameParser.IsSequenced(type, callId), requireRoom);
        if (span.IsEmpty)
        {
            return span;
        }

        new FrameHeader(payloadLength, type, flags, callId, messageId).Write(span);
        return span.Slice(FrameHeader.Size, payloadLength);
    }

    /// <summary>
    /// Writes a one-way message unless the send queue is blocked or the replay buffer is full, deciding under the
    /// lock so that concurrent senders cannot both squeeze into the last slot; false means wait and try again.
    /// </summary>
    public bool TryWriteMessageWithRoom<T>(int methodId, in T value)
        where T : IMessage<T>
        => WriteMessageCore(FrameType.Message, FrameFlags.None, 0, methodId, in value, requireRoom: true);

    /// <summary>Takes the lock and returns where the next frame goes: the replay buffer for a sequenced frame of a resumable session, else the link's pipe.</summary>
    /// <param name="totalLength">Header and payload.</param>
    /// <param name="sequenced">Whether the frame is numbered and kept for replay on a resumable session.</param>
    /// <param name="requireRoom">Return an empty span (lock released) instead when the pipe is blocked or the replay buffer full.</param>
    private Span<byte> BeginRaw(int totalLength, bool sequenced, bool requireRoom)
    {
        _lock.Enter();
        if (_redirect is { } target)
        {
            // The call moved to the link's output while this writer was on its way in (FoldInto).
            _lock.Exit();
            return target.BeginRaw(totalLength, sequenced, requireRoom);
        }

        if (_closed || _finishing)
        {
            _lock.Exit();
            throw new TetherException(TetherErrorCode.ConnectionClosed);
        }

        if (requireRoom && (_blocked || ReplayFullLocked))
        {
            _lock.Exit();
            return default;
        }

        if (sequenced && _replay is not null)
        {
            if (_replayOverflowed)
            {
                _lock.Exit();
                throw new TetherException(TetherErrorCode.ReplayBufferOverflow);
            }

            _pendingSequenced = true;
            return _replay.Reserve(totalLength);
        }

        if (_writer is null)
        {
            // No link: a link-level frame (ping, ack, goaway) has no one to go to.
            _lock.Exit();
            throw new TetherException(TetherErrorCode.ConnectionClosed, "The session has no link at the moment.");
        }

        return _writer.GetSpan(totalLength).Slice(0, totalLength);
    }

    /// <summary>Commits the frame opened by <see cref="BeginFrame"/>, releases the lock and flushes unless a flush or batch will.</summary>
    public void EndFrame(int payloadLength)
    {
        // Set only under this lock while no frame is open here: a frame begun after it was set was begun there.
        if (_redirect is { } target)
        {
            target.EndFrame(payloadLength);
            return;
        }

        int total = FrameHeader.Size + payloadLength;
        FramesWritten++;
        if (_pendingSequenced)
        {
            _pendingSequenced = false;
            if (!CommitSequenced(total))
            {
                _lock.Exit();
                return; // kept for replay only: no link, or a resume has not caught up yet
            }
        }
        else
        {
            _writer!.Advance(total);
        }

        _committed += total;
        _dirty = true;
        _unflushed += total;
        bool flushNow = false;
        bool schedule = false;
        if (!_batching && !_flushing)
        {
            // Enough for a full send: flush now rather than let unflushed bytes pile up past the queue bound.
            if (_unflushed >= InlineFlushBytes)
            {
                _flushing = true;
                flushNow = true;
            }
            else if (!_flushScheduled)
            {
                _flushScheduled = true;
                schedule = true;
            }
        }

        _lock.Exit();
        if (flushNow)
        {
            Flush();
        }
        else if (schedule)
        {
            // Deferred, not inline: every frame written by this and other threads until the flush runs leaves in
            // the same send (a burst of one-way sends, or many callers' requests, costs one flush).
            _flushScheduler.Schedule(s_scheduledFlush, this);
        }
    }

    /// <summary>Releases the lock without committing the frame (nothing was advanced, so nothing is sent).</summary>
    public void AbortFrame()
    {
        if (_redirect is { } target)
        {
            target.AbortFrame();
            return;
        }

        _pendingSequenced = false;
        _lock.Exit();
    }

    /// <summary>Writes a call (request or one-way) whose payload is the encoded <paramref name="value"/>.</summary>
    /// <param name="type">Request or message.</param>
    /// <param name="flags">The frame's flags.</param>
    /// <param name="callId">The call, or 0.</param>
    /// <param name="methodId">The method called, or 0 to send by message type (<see cref="FrameFlags.ByMessageType"/>).</param>
    /// <param name="value">The message.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteMessage<T>(FrameType type, FrameFlags flags, uint callId, int methodId, in T value)
        where T : IMessage<T>
        => WriteMessageCore(type, flags, callId, methodId, in value, requireRoom: false);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool WriteMessageCore<T>(FrameType type, FrameFlags flags, uint callId, int methodId, in T value, bool requireRoom)
        where T : IMessage<T>
    {
        int length = TetherCodec.GetEncodedSize(in value);
        if (methodId == 0)
        {
            methodId = T.MessageId;
            flags |= FrameFlags.ByMessageType;
        }

        Span<byte> body = BeginFrameCore(type, flags, callId, methodId, length, requireRoom);
        if (body.IsEmpty && requireRoom)
        {
            return false; // no room: nothing was begun, the lock is released
        }

        try
        {
            TetherCodec.Encode(body, in value);
        }
        catch
        {
            AbortFrame();
            throw;
        }

        EndFrame(length);
        return true;
    }

    /// <summary>Writes a frame with a small literal payload (control frames).</summary>
    public void WriteControl(FrameType type, uint callId, int messageIdOrCode, ReadOnlySpan<byte> payload = default, FrameFlags flags = FrameFlags.None)
    {
        Span<byte> body = BeginFrame(type, flags, callId, messageIdOrCode, payload.Length);
        payload.CopyTo(body);
        EndFrame(payload.Length);
    }

    /// <summary>Writes an error frame: code in the message-id field, text (truncated to the protocol's limit) as payload.</summary>
    public void WriteError(FrameType type, uint callId, TetherErrorCode code, string message)
    {
        Span<byte> text = stackalloc byte[ProtocolConstants.MaxErrorTextBytes];
        int length = TruncatedUtf8(message, text);
        WriteControl(type, callId, (int)code, text.Slice(0, length));
    }

    /// <summary>Copies an already framed message (a broadcast encoded once) unless the send queue is full.</summary>
    public bool TryWriteFramed(ReadOnlySpan<byte> frame)
    {
        if (IsFull)
        {
            return false;
        }

        int payloadLength = frame.Length - FrameHeader.Size;
        if (payloadLength > PeerMaxFrameSize)
        {
            return false;
        }

        Span<byte> destination;
        try
        {
            destination = BeginRaw(frame.Length, sequenced: true, requireRoom: true);
        }
        catch (TetherException)
        {
            return false; // closed meanwhile
        }

        if (destination.IsEmpty)
        {
            return false; // no room (BeginRaw released the lock)
        }

        frame.CopyTo(destination);
        EndFrame(payloadLength);
        return true;
    }

    private static int TruncatedUtf8(string message, Span<byte> destination)
    {
        System.Text.Unicode.Utf8.FromUtf16(message, destination, out _, out int written, replaceInvalidSequences: true, isFinalBlock: true);
        return written;
    }
}
