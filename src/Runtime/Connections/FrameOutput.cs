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
    private TaskCompletionSource? _firstWaitForSpace; // FirstWaitForSpace, made only when a test asks
    private bool _waitedForSpace;
    private int _frameTokens;
    private int _openFrame;
    private FrameHeader _openHeader; // the open frame's header, for the message hook

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

    /// <summary>Creates the output of a session that has no link yet (one rebuilt from the durable journal).</summary>
    public FrameOutput(int peerMaxFrameSize, long sendQueueLimit)
    {
        _sendQueueLimit = sendQueueLimit;
        PeerMaxFrameSize = peerMaxFrameSize;
        _flushScheduler = Internal.IOQueue.Next();
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
    /// Opens a frame whose payload is exactly <paramref name="payloadLength"/> bytes: the header is written, the lock is
    /// held, and <paramref name="payload"/> is where the payload goes. <c>using FrameReservation frame = Begin(...);</c>
    /// then <see cref="FrameReservation.Commit"/>: disposing a frame not committed drops it (nothing is sent).
    /// </summary>
    /// <exception cref="TetherException">The payload exceeds the peer's frame size, or the output is closed.</exception>
    public FrameReservation Begin(FrameType type, FrameFlags flags, uint callId, int messageId, int payloadLength, out Span<byte> payload)
    {
        FrameReservation frame = BeginCore(type, flags, callId, messageId, payloadLength, requireRoom: false, out payload, stage: true);
        if (!frame.IsEmpty)
        {
            payload = payload[..payloadLength];
        }

        return frame;
    }

    /// <summary>
    /// As <see cref="Begin"/>, but <paramref name="room"/> is the payload followed by whatever free space the send or
    /// replay buffer has after it: scratch an encoder may write past the payload (<see cref="TetherCodec.EncodeSized"/>),
    /// never sent. Only the first <paramref name="payloadLength"/> bytes are committed.
    /// </summary>
    public FrameReservation BeginWithRoom(FrameType type, FrameFlags flags, uint callId, int messageId, int payloadLength, out Span<byte> room) =>
        BeginCore(type, flags, callId, messageId, payloadLength, requireRoom: false, out room, stage: true);

    /// <summary>As <see cref="BeginWithRoom"/>; with <paramref name="requireRoom"/>, an empty reservation (nothing held) while the pipe is blocked or the replay buffer full.</summary>
    /// <remarks>
    /// <paramref name="payload"/> holds at least <paramref name="payloadLength"/> bytes; past them it is scratch.
    /// With <paramref name="stage"/>, a payload compression applies to is staged (<see cref="CommitStaged"/>) instead;
    /// callers that need the lock held until the commit pass false.
    /// </remarks>
    private FrameReservation BeginCore(FrameType type, FrameFlags flags, uint callId, int messageId, int payloadLength, bool requireRoom, out Span<byte> payload, bool stage)
    {
        if (payloadLength > PeerMaxFrameSize)
        {
            throw new TetherException(TetherErrorCode.MessageTooLarge,
                $"A {payloadLength:N0}-byte message exceeds the peer's maximum frame size of {PeerMaxFrameSize:N0} bytes.");
        }

        if (stage && Compression is { } compression && compression.Applies(type, payloadLength))
        {
            return Stage(type, flags, callId, messageId, payloadLength, requireRoom, out payload);
        }

        FrameReservation frame = Reserve(FrameHeader.Size + payloadLength, FrameParser.IsSequenced(type, callId), requireRoom, type, callId, out Span<byte> span);
        if (frame.IsEmpty)
        {
            payload = default;
            return frame;
        }

        var header = new FrameHeader(payloadLength, type, flags, callId, messageId);
        header.Write(span);
        _openHeader = header;
        payload = span.Slice(FrameHeader.Size);
        return frame;
    }

    /// <summary>
    /// Writes a one-way message unless the send queue is blocked or the replay buffer is full, deciding under the
    /// lock so that concurrent senders cannot both squeeze into the last slot; false means wait and try again.
    /// </summary>
    public bool TryWriteMessageWithRoom<T>(int methodId, in T value)
        where T : IMessage<T>
        => WriteMessageCore(FrameType.Message, FrameFlags.None, 0, methodId, in value, requireRoom: true);

    /// <summary>
    /// Takes the lock and reserves where the next frame goes: the replay buffer for a sequenced frame of a resumable
    /// session, else the link's pipe. The reservation belongs to the output that took the lock: this one, or the
    /// link's output when this call's output was moved there (<see cref="FoldInto"/>), so its commit needs no redirect.
    /// </summary>
    /// <param name="totalLength">Header and payload.</param>
    /// <param name="sequenced">Whether the frame is numbered and kept for replay on a resumable session.</param>
    /// <param name="requireRoom">Return an empty reservation (lock released) instead when the pipe is blocked or the replay buffer full.</param>
    /// <param name="type">The frame's type (a durable session's answers release what their handler held first).</param>
    /// <param name="callId">The frame's call.</param>
    /// <param name="frame">Where the frame goes: at least <paramref name="totalLength"/> bytes, then the buffer's free space after it (scratch).</param>
    private FrameReservation Reserve(int totalLength, bool sequenced, bool requireRoom, FrameType type, uint callId, out Span<byte> frame)
    {
        _lock.Enter();
        if (_redirect is { } target)
        {
            // The call moved to the link's output while this writer was on its way in (FoldInto).
            _lock.Exit();
            return target.Reserve(totalLength, sequenced, requireRoom, type, callId, out frame);
        }

        if (_closed || _finishing)
        {
            _lock.Exit();
            throw new TetherException(TetherErrorCode.ConnectionClosed);
        }

        if (requireRoom && (_blocked || ReplayFullLocked))
        {
            _lock.Exit();
            frame = default;
            return default;
        }

        if (sequenced && _replay is not null)
        {
            if (_replayOverflowed)
            {
                _lock.Exit();
                throw new TetherException(TetherErrorCode.ReplayBufferOverflow);
            }

            if (_journal is not null)
            {
                BeforeReserveLocked(type, callId);
            }

            _pendingSequenced = true;
            frame = _replay.Reserve(totalLength);
        }
        else if (_writer is null)
        {
            // No link: a link-level frame (ping, ack, goaway) has no one to go to.
            _lock.Exit();
            throw new TetherException(TetherErrorCode.ConnectionClosed, "The session has no link at the moment.");
        }
        else
        {
            frame = _writer.GetSpan(totalLength);
        }

        // Tokens tell this frame's reservation from later ones: a disposed reservation releases the lock only if its
        // own frame is still the open one (never 0, which means none is).
        int token = unchecked(++_frameTokens);
        if (token == 0)
        {
            token = ++_frameTokens;
        }

        _openFrame = token;
        return new FrameReservation(this, totalLength - FrameHeader.Size, token);
    }

    /// <summary>Called after each frame is committed, outside the lock (set only when a message hook listens).</summary>
    public Observability.FrameCommitted? Committed { get; set; }

    /// <summary>Commits the open frame <paramref name="token"/>, releases the lock and flushes unless a flush or batch will.</summary>
    internal void Commit(int token, int payloadLength)
    {
        if (Committed is not { } committed)
        {
            CommitCore(token, payloadLength);
            return;
        }

        FrameHeader header = _openHeader; // still under the lock, as the frame it describes
        CommitCore(token, payloadLength);
        committed(header.Type, header.CallId, header.MessageId, payloadLength);
    }

    private void CommitCore(int token, int payloadLength)
    {
        if (_openFrame != token)
        {
            throw new InvalidOperationException("This frame was already committed or dropped.");
        }

        _openFrame = 0;
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
            _commitWaiter?.TrySetException(new InvalidOperationException("An acknowledged send needs a resumable session."));
            _commitWaiter = null;
        }

        _committed += total;
        _dirty = true;
        _unflushed += total;
        bool flushNow = false;
        bool schedule = false;
        if (!_batching && !_flushing && !_holdingBatch)
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

    /// <summary>Drops frame <paramref name="token"/> if it is still open: releases the lock without committing (nothing was advanced, so nothing is sent).</summary>
    internal void DropIfOpen(int token)
    {
        // Only the thread holding the lock can find its own token here; after a commit it reads 0 or a later frame's.
        if (Volatile.Read(ref _openFrame) != token)
        {
            return;
        }

        _openFrame = 0;
        if (!_pendingSequenced)
        {
            _writer?.Advance(0); // the span is given up: a writer may hold its block only while someone writes into it
        }

        _pendingSequenced = false;
        _commitWaiter = null;
        _journal?.AnswerDroppedLocked();
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
    private bool WriteMessageCore<T>(FrameType type, FrameFlags flags, uint callId, int methodId, in T value, bool requireRoom, TaskCompletionSource? acknowledged = null)
        where T : IMessage<T>
    {
        int length = TetherCodec.GetEncodedSize(in value);
        if (methodId == 0)
        {
            methodId = T.MessageId;
            flags |= FrameFlags.ByMessageType;
        }

        using FrameReservation frame = BeginCore(type, flags, callId, methodId, length, requireRoom, out Span<byte> body, stage: acknowledged is null);
        if (frame.IsEmpty)
        {
            return false; // no room: nothing was begun, the lock is released
        }

        if (acknowledged is not null)
        {
            ExpectAcknowledgementLocked(acknowledged);
        }

        TetherCodec.EncodeSized(body, length, in value);
        frame.Commit();
        return true;
    }

    /// <summary>
    /// Writes a call (request or one-way) whose payload is <paramref name="headers"/>' block followed by the encoded
    /// <paramref name="value"/> (flag <see cref="FrameFlags.Headers"/>); with empty headers, exactly <see cref="WriteMessage"/>.
    /// With <paramref name="requireRoom"/>, false (nothing written) while the output has no room. With
    /// <paramref name="acknowledged"/>, the frame completes it once the peer acknowledges it (sequenced frames only).
    /// </summary>
    public bool WriteCall<T>(FrameType type, FrameFlags flags, uint callId, int methodId, in T value, in OutgoingCallHeaders headers, bool requireRoom = false, TaskCompletionSource? acknowledged = null)
        where T : IMessage<T>
    {
        if (headers.IsEmpty)
        {
            return WriteMessageCore(type, flags, callId, methodId, in value, requireRoom, acknowledged);
        }

        int bodyLength = TetherCodec.GetEncodedSize(in value);
        int blockSize = CallHeaderCodec.GetBlockSize(headers);
        int headerLength = CallHeaderCodec.GetPrefixedSize(blockSize);
        if (methodId == 0)
        {
            methodId = T.MessageId;
            flags |= FrameFlags.ByMessageType;
        }

        using FrameReservation frame = BeginCore(type, flags | FrameFlags.Headers, callId, methodId, headerLength + bodyLength, requireRoom, out Span<byte> payload, stage: acknowledged is null);
        if (frame.IsEmpty)
        {
            return false;
        }

        if (acknowledged is not null)
        {
            ExpectAcknowledgementLocked(acknowledged);
        }

        CallHeaderCodec.Write(payload, headers, blockSize);
        TetherCodec.EncodeSized(payload[headerLength..], bodyLength, in value);
        frame.Commit();
        return true;
    }

    /// <summary>Writes an answer frame (empty response, end, error) whose payload is a trailing-metadata block and then <paramref name="rest"/>.</summary>
    public void WriteWithTrailers(FrameType type, FrameFlags flags, uint callId, int messageIdOrCode, CallMetadata trailers, ReadOnlySpan<byte> rest)
    {
        var headers = new OutgoingCallHeaders { Metadata = trailers, Priority = -1 };
        int blockSize = CallHeaderCodec.GetBlockSize(headers);
        int headerLength = CallHeaderCodec.GetPrefixedSize(blockSize);
        using FrameReservation frame = Begin(type, flags | FrameFlags.Headers, callId, messageIdOrCode, headerLength + rest.Length, out Span<byte> payload);
        CallHeaderCodec.Write(payload, headers, blockSize);
        rest.CopyTo(payload[headerLength..]);
        frame.Commit();
    }

    /// <summary>Writes a frame whose payload is <paramref name="headers"/>' block alone (a request that opens an input stream: its items follow).</summary>
    public void WriteHeadersOnly(FrameType type, FrameFlags flags, uint callId, int methodId, in OutgoingCallHeaders headers)
    {
        if (headers.IsEmpty)
        {
            WriteControl(type, callId, methodId, default, flags);
            return;
        }

        int blockSize = CallHeaderCodec.GetBlockSize(headers);
        int headerLength = CallHeaderCodec.GetPrefixedSize(blockSize);
        using FrameReservation frame = Begin(type, flags | FrameFlags.Headers, callId, methodId, headerLength, out Span<byte> payload);
        CallHeaderCodec.Write(payload, headers, blockSize);
        frame.Commit();
    }

    /// <summary>Writes a frame with a small literal payload (control frames).</summary>
    public void WriteControl(FrameType type, uint callId, int messageIdOrCode, ReadOnlySpan<byte> payload = default, FrameFlags flags = FrameFlags.None)
    {
        using FrameReservation frame = Begin(type, flags, callId, messageIdOrCode, payload.Length, out Span<byte> body);
        payload.CopyTo(body);
        frame.Commit();
    }

    /// <summary>Writes an error frame: code in the message-id field, text (truncated to the protocol's limit) as payload, after the trailing metadata if there is any.</summary>
    public void WriteError(FrameType type, uint callId, TetherErrorCode code, string message, CallMetadata? trailers = null)
    {
        Span<byte> text = stackalloc byte[ProtocolConstants.MaxErrorTextBytes];
        int length = TruncatedUtf8(message, text);
        if (trailers is { Count: > 0 })
        {
            WriteWithTrailers(type, FrameFlags.None, callId, (int)code, trailers, text.Slice(0, length));
        }
        else
        {
            WriteControl(type, callId, (int)code, text.Slice(0, length));
        }
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

        FrameReservation reservation;
        Span<byte> destination;
        try
        {
            reservation = Reserve(frame.Length, sequenced: true, requireRoom: true, FrameType.Message, 0, out destination);
        }
        catch (TetherException)
        {
            return false; // closed meanwhile
        }

        if (reservation.IsEmpty)
        {
            return false; // no room (nothing is held)
        }

        frame.CopyTo(destination);
        if (Committed is not null)
        {
            _openHeader = FrameHeader.Read(frame, out _); // a broadcast's header, as Begin would have kept it
        }

        reservation.Commit();
        return true;
    }

    private static int TruncatedUtf8(string message, Span<byte> destination)
    {
        System.Text.Unicode.Utf8.FromUtf16(message, destination, out _, out int written, replaceInvalidSequences: true, isFinalBlock: true);
        return written;
    }
}
