using System.Buffers;
using System.Buffers.Binary;
using Tether.Connections;
using Tether.Framing;
using Tether.Storage;

namespace Tether.Sessions.Durable;

/// <summary>
/// One engine's side of the session journal (docs/durability.md): it logs every sequenced frame the server sends
/// (before the frame may leave: <see cref="FrameOutput"/> flushes only what the log has written), and tracks how far
/// the client's frames are handled, which is as far as the server acknowledges them: a frame the client has had
/// acknowledged is one a restarted server will never need again.
/// </summary>
/// <remarks>
/// Incoming requests and one-way messages are open from their arrival until handled: a call once its final answer is
/// logged (the answer names the frame it answers, so answer and completion are one record), a one-way message once its
/// handler returned (with what it sent its own session meanwhile, <see cref="DeliveryScope"/>). A stream call stops
/// holding acknowledgements back once its start is logged; a restarted server ends it with
/// <see cref="TetherErrorCode.NotDelivered"/> instead of running it again. The output-side methods (suffix Locked)
/// run under the engine's output lock; the rest take this object's own lock.
/// </remarks>
internal sealed class DurableSession
{
    private readonly SessionJournal _journal;
    private readonly TetherConnection _engine;
    private readonly object _gate = new();
    private readonly SortedSet<ulong> _open = [];
    private readonly Dictionary<uint, ulong> _answering = []; // call id -> the request it answers
    private readonly Dictionary<ulong, DeliveryScope> _scopes = [];
    private readonly Dictionary<ulong, uint> _streams = []; // stream calls running, by request number
    private readonly HashSet<ulong> _completedBefore; // recovered: handled before a restart (not run again)
    private bool _collectUntilAnswer;
    private ulong _received;
    private ulong _journaledWatermark;

    // Output lock.
    private Task _tail = Task.CompletedTask;
    private List<(ulong Sequence, int Offset, int Length)>? _collecting;
    private byte[] _collected = [];
    private int _collectedLength;
    private ulong _collectingAnswers;

    public DurableSession(SessionJournal journal, Guid sessionId, TetherConnection engine, RecoveredSession? recovered)
    {
        _journal = journal;
        SessionId = sessionId;
        _engine = engine;
        _completedBefore = recovered?.Completed ?? [];
        if (recovered is not null)
        {
            _received = recovered.Watermark;
            _journaledWatermark = recovered.Watermark;
        }
    }

    public Guid SessionId { get; }

    /// <summary>The last record appended (output lock): the output flushes nothing before it is written.</summary>
    public Task Tail => _tail;

    /// <summary>A restored session's interrupted streams: the error that ends each is their answer (and completes them).</summary>
    public void RestoreStreams(IReadOnlyList<KeyValuePair<ulong, uint>> streams)
    {
        lock (_gate)
        {
            foreach ((ulong sequence, uint callId) in streams)
            {
                _answering[callId] = sequence;
                _streams[sequence] = callId;
            }
        }
    }

    // ---- Incoming (the receive loop) ----

    /// <summary>A request or one-way message arrived; false when it was handled before a restart (it is not run again: its answer is among the frames replayed).</summary>
    public bool OnIncoming(ulong sequence, in FrameHeader header)
    {
        lock (_gate)
        {
            _received = sequence;
            if (_completedBefore.Remove(sequence))
            {
                return false;
            }

            _open.Add(sequence);
            if (header.Type == FrameType.Request)
            {
                _answering[header.CallId] = sequence;
            }

            return true;
        }
    }

    /// <summary>Any other sequenced frame arrived: handled on arrival.</summary>
    public void OnOther(ulong sequence)
    {
        lock (_gate)
        {
            _received = sequence;
        }
    }

    /// <summary>
    /// The frame reached a handler: returns the outbox its sends to this session are held in (null for a stream, whose
    /// start is logged instead so it stops holding acknowledgements back).
    /// </summary>
    public DeliveryScope? Adopt(ulong sequence, uint callId, bool stream)
    {
        if (stream)
        {
            byte[] record = new byte[JournalRecords.PrefixSize + 12];
            JournalRecords.WriteNumber(record, JournalRecordKind.StreamStarted, SessionId, sequence);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(JournalRecords.PrefixSize + 8), callId);
            _engine.Output.AppendJournal(this, record);
            lock (_gate)
            {
                _streams[sequence] = callId;
                _open.Remove(sequence);
            }

            return null;
        }

        var scope = new DeliveryScope(this);
        lock (_gate)
        {
            _scopes[sequence] = scope;
        }

        return scope;
    }

    /// <summary>The frame did not reach a handler (refused or dropped; a refused call's error answer already completed it).</summary>
    public void Settle(ulong sequence)
    {
        lock (_gate)
        {
            if (!_scopes.ContainsKey(sequence) && !_streams.ContainsKey(sequence))
            {
                _open.Remove(sequence);
            }
        }
    }

    /// <summary>A one-way message's handler returned: logs its completion with what it sent its own session, then sends those.</summary>
    public void CompleteMessage(ulong sequence)
    {
        DeliveryScope? scope;
        lock (_gate)
        {
            _scopes.Remove(sequence, out scope);
        }

        ReadOnlyMemory<byte> held = scope?.Close() ?? ReadOnlyMemory<byte>.Empty;
        try
        {
            _engine.Output.WriteCompletion(this, sequence, held.Span);
        }
        finally
        {
            lock (_gate)
            {
                _open.Remove(sequence);
            }
        }
    }

    /// <summary>How far every incoming frame is handled.</summary>
    public ulong Watermark
    {
        get
        {
            lock (_gate)
            {
                return _open.Count == 0 ? _received : Math.Min(_received, _open.Min - 1);
            }
        }
    }

    // ---- Output (under the engine's output lock) ----

    /// <summary>Before the frame of <paramref name="callId"/> is reserved: a call's final answer first releases what its handler held, numbered before it.</summary>
    public ReadOnlyMemory<byte> TakeHeldBeforeAnswerLocked(FrameType type, uint callId)
    {
        if (callId == 0 || type is not (FrameType.Response or FrameType.End or FrameType.Error))
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        DeliveryScope? scope = null;
        lock (_gate)
        {
            if (_answering.TryGetValue(callId, out ulong request))
            {
                _scopes.Remove(request, out scope);
            }
        }

        ReadOnlyMemory<byte> held = scope?.Close() ?? ReadOnlyMemory<byte>.Empty;
        if (!held.IsEmpty)
        {
            StartCollectingLocked(0);
            _collectUntilAnswer = true; // the answer, reserved next, closes the record
        }

        return held;
    }

    /// <summary>
    /// The answer that was to close the record of held frames was dropped (its encoding failed): logs the held frames on
    /// their own, so the error answer that follows is its own record (and a frame of another call never joins this one).
    /// </summary>
    public void AnswerDroppedLocked()
    {
        if (_collectUntilAnswer)
        {
            _collectUntilAnswer = false;
            FinishCollectingLocked(JournalRecordKind.Frames, 0);
        }
    }

    /// <summary>Collects the frames committed from now until <see cref="FinishCollectingLocked"/> into one record.</summary>
    public void StartCollectingLocked(ulong completes)
    {
        _collecting = [];
        _collectedLength = 0;
        _collectingAnswers = completes;
    }

    /// <summary>A sequenced frame was numbered and kept: logs it (or adds it to the record being collected).</summary>
    public void OnFrameCommittedLocked(ulong sequence, ReadOnlySpan<byte> frame)
    {
        ulong answers = 0;
        var type = (FrameType)frame[FrameHeader.TypeOffset];
        uint callId = BinaryPrimitives.ReadUInt32LittleEndian(frame[FrameHeader.CallIdOffset..]);
        bool final = type is FrameType.Response or FrameType.End or FrameType.Error;
        if (callId != 0 && (final || type == FrameType.StreamItem))
        {
            lock (_gate)
            {
                if (_answering.TryGetValue(callId, out answers) && final)
                {
                    _answering.Remove(callId);
                    _open.Remove(answers);
                    _streams.Remove(answers);
                }
            }
        }

        if (_collecting is { } collecting)
        {
            EnsureCollected(frame.Length);
            frame.CopyTo(_collected.AsSpan(_collectedLength));
            collecting.Add((sequence, _collectedLength, frame.Length));
            _collectedLength += frame.Length;
            if (_collectUntilAnswer && final)
            {
                // The answer closes the record: its request is complete with everything its handler sent.
                _collectUntilAnswer = false;
                FinishCollectingLocked(JournalRecordKind.Frames, answers);
            }

            return;
        }

        int size = JournalRecords.PrefixSize + 8 + 12 + frame.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            Span<byte> record = buffer.AsSpan(0, size);
            JournalRecords.WriteNumber(record, JournalRecordKind.Frames, SessionId, answers);
            WriteFrame(record[(JournalRecords.PrefixSize + 8)..], sequence, frame);
            Append(record);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes the collected frames as one record of <paramref name="kind"/> that completes <paramref name="completes"/>.</summary>
    public void FinishCollectingLocked(JournalRecordKind kind, ulong completes)
    {
        List<(ulong Sequence, int Offset, int Length)> frames = _collecting ?? [];
        _collecting = null;
        int size = JournalRecords.PrefixSize + 8;
        foreach ((_, _, int length) in frames)
        {
            size += 12 + length;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            Span<byte> record = buffer.AsSpan(0, size);
            JournalRecords.WriteNumber(record, kind, SessionId, kind == JournalRecordKind.Completed ? _collectingAnswers : completes);
            int at = JournalRecords.PrefixSize + 8;
            foreach ((ulong sequence, int offset, int length) in frames)
            {
                WriteFrame(record[at..], sequence, _collected.AsSpan(offset, length));
                at += 12 + length;
            }

            Append(record);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The client acknowledged up to <paramref name="sequence"/>: those frames need not survive a restart.</summary>
    public void OnAcknowledgedLocked(ulong sequence)
    {
        Span<byte> record = stackalloc byte[JournalRecords.PrefixSize + 8];
        JournalRecords.WriteNumber(record, JournalRecordKind.Acknowledged, SessionId, sequence);
        Append(record);
    }

    /// <summary>About to acknowledge: logs how far the client's frames are handled, and returns that number (what may be acknowledged).</summary>
    public ulong PrepareAcknowledgementLocked()
    {
        ulong watermark = Watermark;
        if (watermark > _journaledWatermark)
        {
            Span<byte> record = stackalloc byte[JournalRecords.PrefixSize + 8];
            JournalRecords.WriteNumber(record, JournalRecordKind.Watermark, SessionId, watermark);
            Append(record);
            _journaledWatermark = watermark;
        }

        return _journaledWatermark;
    }

    public void Append(ReadOnlySpan<byte> record)
    {
        ValueTask written = _journal.Append(record);
        if (!written.IsCompletedSuccessfully)
        {
            _tail = written.AsTask();
        }
    }

    /// <summary>Writes this session's state for a snapshot (its ticket is written already).</summary>
    public void WriteSnapshot(SnapshotWriter writer) => _engine.Output.WriteSnapshot(this, writer);

    /// <summary>
    /// Writes this session whole into a shared journal: its ticket and current state, replacing what the store had (a
    /// compaction, or a rewrite after the store lost it). Issued under the output lock; null if there is nothing to write.
    /// </summary>
    public Task<bool>? Rewrite(ISessionJournalLog log, byte[] ticket)
    {
        var records = new List<byte[]>();
        Task<bool>? issued = null;
        using var writer = new SnapshotWriter(record => records.Add(record.ToArray()));
        _engine.Output.WriteSnapshot(this, writer, () => issued = log.RewriteAsync(SessionId, ticket, records));
        return issued;
    }

    /// <summary>Writes this session's state for a snapshot (called with the output lock held, by the output).</summary>
    public void WriteSnapshotLocked(SnapshotWriter writer, ulong acknowledged, ReplayFrames frames)
    {
        Span<byte> number = stackalloc byte[JournalRecords.PrefixSize + 12];
        JournalRecords.WriteNumber(number, JournalRecordKind.Acknowledged, SessionId, acknowledged);
        writer.Write(number[..(JournalRecords.PrefixSize + 8)]);
        frames.WriteTo(writer, SessionId);

        ulong watermark;
        ulong received;
        ulong[] completed;
        KeyValuePair<ulong, uint>[] streams;
        lock (_gate)
        {
            watermark = _open.Count == 0 ? _received : Math.Min(_received, _open.Min - 1);
            received = _received;
            completed = [.. _completedBefore.Where(s => s > watermark)];
            var open = _open;
            var after = new List<ulong>();
            for (ulong s = watermark + 1; s <= received; s++)
            {
                if (!open.Contains(s))
                {
                    after.Add(s);
                }
            }

            completed = [.. completed, .. after];
            streams = [.. _streams];
        }

        JournalRecords.WriteNumber(number, JournalRecordKind.Watermark, SessionId, watermark);
        writer.Write(number[..(JournalRecords.PrefixSize + 8)]);
        foreach (ulong sequence in completed)
        {
            JournalRecords.WriteNumber(number, JournalRecordKind.Completed, SessionId, sequence);
            writer.Write(number[..(JournalRecords.PrefixSize + 8)]);
        }

        foreach ((ulong sequence, uint callId) in streams)
        {
            JournalRecords.WriteNumber(number, JournalRecordKind.StreamStarted, SessionId, sequence);
            BinaryPrimitives.WriteUInt32LittleEndian(number[(JournalRecords.PrefixSize + 8)..], callId);
            writer.Write(number);
        }
    }

    private void EnsureCollected(int more)
    {
        if (_collected.Length - _collectedLength < more)
        {
            Array.Resize(ref _collected, Math.Max(_collected.Length * 2, _collectedLength + more));
        }
    }

    private static void WriteFrame(Span<byte> destination, ulong sequence, ReadOnlySpan<byte> frame)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, sequence);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], frame.Length);
        frame.CopyTo(destination[12..]);
    }
}

/// <summary>The frames a replay buffer keeps, handed to a snapshot under the output lock.</summary>
internal readonly struct ReplayFrames(ReplayBuffer? replay)
{
    public void WriteTo(SnapshotWriter writer, Guid session)
    {
        if (replay is not { Count: > 0 } kept)
        {
            return;
        }

        kept.ReplayAfter(kept.FirstSequence - 1, new SnapshotFrameWriter(writer, session, kept.FirstSequence), static (state, frame) => state.Write(frame));
    }

    private sealed class SnapshotFrameWriter(SnapshotWriter writer, Guid session, ulong first)
    {
        private ulong _next = first;
        private byte[] _record = new byte[1024];

        public void Write(ReadOnlySpan<byte> frame)
        {
            int size = JournalRecords.PrefixSize + 8 + 12 + frame.Length;
            if (_record.Length < size)
            {
                _record = new byte[size];
            }

            Span<byte> record = _record.AsSpan(0, size);
            JournalRecords.WriteNumber(record, JournalRecordKind.Frames, session, 0);
            BinaryPrimitives.WriteUInt64LittleEndian(record[(JournalRecords.PrefixSize + 8)..], _next++);
            BinaryPrimitives.WriteInt32LittleEndian(record[(JournalRecords.PrefixSize + 16)..], frame.Length);
            frame.CopyTo(record[(JournalRecords.PrefixSize + 20)..]);
            writer.Write(record);
        }
    }
}
