using System.Buffers.Binary;
using Tether.Framing;
using Tether.Sessions;
using Tether.Sessions.Durable;
using Tether.Storage;

namespace Tether.Connections;

/// <summary>
/// The output of a durable session (docs/durability.md): every sequenced frame is logged as it is numbered, under the
/// output lock so the log's order is the wire's, and nothing is flushed to the link before the log has written it
/// (in <see cref="DurabilityMode.Always"/>, flushed it to disk): a frame the client holds is a frame a restarted server
/// holds too. A handler's sends to its own session, held meanwhile, are numbered and logged with its completion.
/// </summary>
internal sealed partial class FrameOutput
{
    private DurableSession? _journal;

    /// <summary>Raised (under no lock) when the log failed to write: the session cannot keep its promise and must end.</summary>
    public event Action<Exception>? JournalFailed;

    /// <summary>Logs every sequenced frame from now on to <paramref name="journal"/>.</summary>
    public void AttachJournal(DurableSession journal)
    {
        lock (_lock)
        {
            _journal = journal;
        }
    }

    /// <summary>Before a frame's span is reserved (lock held): a call's final answer first numbers what its handler held.</summary>
    private void BeforeReserveLocked(FrameType type, uint callId)
    {
        if (_journal is { } journal && callId != 0)
        {
            ReadOnlyMemory<byte> held = journal.TakeHeldBeforeAnswerLocked(type, callId);
            if (!held.IsEmpty)
            {
                WriteHeldLocked(held.Span);
            }
        }
    }

    /// <summary>Numbers, keeps and (while frames flow) writes frames a handler held, back to back (lock held).</summary>
    private void WriteHeldLocked(ReadOnlySpan<byte> frames)
    {
        while (frames.Length >= FrameHeader.Size)
        {
            int total = FrameHeader.Size + (int)BinaryPrimitives.ReadUInt32LittleEndian(frames);
            frames[..total].CopyTo(_replay!.Reserve(total));
            FramesWritten++;
            if (CommitSequenced(total))
            {
                _committed += total;
                _dirty = true;
                _unflushed += total;
            }

            frames = frames[total..];
        }
    }

    /// <summary>A one-way message's handler returned: logs its completion with the frames it held, and sends those.</summary>
    public void WriteCompletion(DurableSession journal, ulong incoming, ReadOnlySpan<byte> held)
    {
        bool schedule;
        lock (_lock)
        {
            if (_replay is null || _replayOverflowed || _closed || _finishing)
            {
                return; // the session is over (its replay buffer may be gone): nothing to keep
            }

            journal.StartCollectingLocked(incoming);
            WriteHeldLocked(held);
            journal.FinishCollectingLocked(JournalRecordKind.Completed, incoming);
            schedule = ScheduleFlushLocked();
        }

        if (schedule)
        {
            _flushScheduler.Schedule(s_scheduledFlush, this);
        }
    }

    /// <summary>Appends a record of <paramref name="journal"/>'s in the wire's order.</summary>
    public void AppendJournal(DurableSession journal, ReadOnlySpan<byte> record)
    {
        lock (_lock)
        {
            journal.Append(record);
        }
    }

    /// <summary>Writes an acknowledgement: on a durable session of how far the peer's frames are handled (logged first), else of <paramref name="received"/>.</summary>
    /// <returns>The number acknowledged.</returns>
    public ulong WriteAcknowledgement(ulong received)
    {
        using FrameReservation frame = Begin(FrameType.Ack, FrameFlags.None, 0, 0, 8, out Span<byte> payload);
        if (_journal is { } journal)
        {
            received = journal.PrepareAcknowledgementLocked();
        }

        BinaryPrimitives.WriteUInt64LittleEndian(payload, received);
        frame.Commit();
        return received;
    }

    /// <summary>Logs how far the peer's frames are handled and returns it (what a resuming durable session tells its peer it has).</summary>
    public ulong LogWatermark(DurableSession journal)
    {
        lock (_lock)
        {
            return journal.PrepareAcknowledgementLocked();
        }
    }

    /// <summary>Writes this session's state into a snapshot of the journal.</summary>
    public void WriteSnapshot(DurableSession journal, SnapshotWriter writer, Action? whileLocked = null)
    {
        lock (_lock)
        {
            if (_replay is null || _replayOverflowed)
            {
                return;
            }

            journal.WriteSnapshotLocked(writer, _replay.FirstSequence - 1, new ReplayFrames(_replay));
            whileLocked?.Invoke(); // a shared journal issues its compaction here, in order with the appends
        }
    }

    /// <summary>A recovered session: numbering resumes after <paramref name="acknowledged"/> with the frames kept (not logged again).</summary>
    public void Restore(ulong acknowledged, IEnumerable<KeyValuePair<ulong, byte[]>> frames)
    {
        lock (_lock)
        {
            ReplayBuffer replay = _replay!;
            replay.StartAt(acknowledged + 1);
            foreach ((ulong sequence, byte[] frame) in frames)
            {
                if (sequence != replay.NextSequence)
                {
                    throw new TetherException(TetherErrorCode.StoreCorrupted, $"The journal lacks frame {replay.NextSequence} of the session (it has {sequence} next).");
                }

                frame.CopyTo(replay.Reserve(frame.Length));
                replay.Commit(frame.Length);
            }
        }
    }

    /// <summary>Lock held: whether the caller should schedule a flush for what it wrote.</summary>
    private bool ScheduleFlushLocked()
    {
        if (!_dirty || _batching || _flushing || _flushScheduled)
        {
            return false;
        }

        _flushScheduled = true;
        return true;
    }

    /// <summary>The log has not written everything the pipe holds: flush once it has.</summary>
    private async Task FlushAfterJournalAsync(Task tail)
    {
        try
        {
            await tail.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            lock (_lock)
            {
                _flushing = false;
                _journal = null; // the session ends: what it wrote may leave (it will not resume), with the goaway that says why
            }

            JournalFailed?.Invoke(e);
            return;
        }

        Flush();
    }
}
