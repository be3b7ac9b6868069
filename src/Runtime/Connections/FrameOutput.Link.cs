using System.Buffers;
using System.IO.Pipelines;
using Tether.Framing;
using Tether.Sessions;
using Tether.Transport;

namespace Tether.Connections;

/// <summary>
/// The output's link and, on a resumable session, its sequencing: every sequenced frame is encoded into the replay
/// buffer, numbered, and copied to the link's pipe while sequenced frames flow. Without a link (or while a resume
/// has not caught up) frames are only kept; <see cref="ResumeSequenced"/> sends what the peer lacks, in order,
/// before anything newer, all under the output lock so no writer can slip in between.
/// </summary>
internal sealed partial class FrameOutput
{
    private ReplayBuffer? _replay;
    private bool _pendingSequenced;
    private bool _sequencedFlowing;
    private bool _replayOverflowed;
    private int _linkGeneration;

    /// <summary>
    /// Told (on the thread pool, under no lock) when frames were kept without a link past the replay buffer's bounds. An
    /// owner rather than an event: a connection's subscription was a delegate every idle session held.
    /// </summary>
    public IReplayOverflowListener? OverflowListener { get; set; }

    /// <summary>Whether frames are sequenced (a resumable session).</summary>
    public bool IsSequenced => Volatile.Read(ref _replay) is not null;

    /// <summary>True when the replay buffer is at its bound while a link is up: one-way sends wait for acknowledgements.</summary>
    public bool IsReplayFull => Volatile.Read(ref _redirect) is { } target ? target.IsReplayFull : Volatile.Read(ref _replay) is { } replay && replay.IsFull;

    private bool ReplayFullLocked => _replay is { IsFull: true };

    /// <summary>Whether the session lost frames to an overflow while it had no link (it cannot resume).</summary>
    public bool HasOverflowed => Volatile.Read(ref _replayOverflowed);

    /// <summary>Frames kept for replay and their bytes.</summary>
    public (int Frames, long Bytes) ReplayBacklog
    {
        get
        {
            lock (_lock)
            {
                return _replay is null ? (0, 0) : (_replay.Count, _replay.Bytes);
            }
        }
    }

    /// <summary>Numbers sequenced frames from now on and keeps them until acknowledged.</summary>
    public void EnableSequencing(MemoryPool<byte> pool, long maxBytes, int maxFrames, int chunkSize = ReplayBuffer.DefaultChunkSize)
    {
        lock (_lock)
        {
            _replay ??= new ReplayBuffer(pool, maxBytes, maxFrames, chunkSize);
        }
    }

    /// <summary>Points the output at a new link. Sequenced frames only reach it once <see cref="ResumeSequenced"/> has run.</summary>
    public void Attach(TransportConnection transport)
    {
        lock (_lock)
        {
            AttachLocked(transport, sequencedFlowing: _replay is null);
        }
    }

    private void AttachLocked(TransportConnection transport, bool sequencedFlowing)
    {
        _linkGeneration++;
        _ackWithFlushes = null; // until this link is negotiated (after a resume hello an acknowledgement means more)
        _transport = transport;
        _writer = transport.Output;
        // The queue that also runs the send loop: a scheduled flush and the send it wakes run in one pass.
        _flushScheduler = (transport as PipeTransportConnection)?.Scheduler ?? _flushScheduler;
        _committed = 0;
        _unflushed = 0;
        _dirty = false;
        _blocked = false;
        _flushing = false;
        _flushScheduled = false;
        _sequencedFlowing = sequencedFlowing;
    }

    /// <summary>Forgets the link (it failed); sequenced frames are kept for the next one. Wakes writers waiting for space.</summary>
    public void Detach()
    {
        TaskCompletionSource? space;
        lock (_lock)
        {
            _linkGeneration++;
            _ackWithFlushes = null;
            _transport = null;
            _writer = null;
            _sequencedFlowing = false;
            _blocked = false;
            _flushing = false;
            space = _space;
            _space = null;
        }

        space?.TrySetResult();
    }

    /// <summary>
    /// The peer has every frame up to <paramref name="peerHas"/>: forget those, send the rest again, then let new
    /// sequenced frames flow. False when frames the peer lacks are no longer kept (the session cannot resume).
    /// </summary>
    public bool ResumeSequenced(ulong peerHas, out int replayed)
    {
        replayed = 0;
        bool flushNow;
        List<TaskCompletionSource>? acknowledged;
        lock (_lock)
        {
            if (_replay is null || _writer is null || _closed || _replayOverflowed || !_replay.CanReplayAfter(peerHas))
            {
                return false;
            }

            _replay.Acknowledge(peerHas);
            _journal?.OnAcknowledgedLocked(peerHas);
            acknowledged = TakeAcknowledgedLocked(peerHas);
            replayed = _replay.ReplayAfter(peerHas, this, static (output, frame) =>
            {
                output.CopyToPipe(frame);
                output._committed += frame.Length;
                output._dirty = true;
            });
            _sequencedFlowing = true;
            _sentThrough = _replay.NextSequence - 1;
            flushNow = _dirty && !_flushing && !_batching;
            if (flushNow)
            {
                _flushing = true;
            }
        }

        Complete(acknowledged);
        if (flushNow)
        {
            Flush();
        }

        return true;
    }

    /// <summary>Whether the frames after <paramref name="peerHas"/> are all still kept.</summary>
    public bool CanReplayAfter(ulong peerHas)
    {
        lock (_lock)
        {
            return _replay is not null && !_replayOverflowed && _replay.CanReplayAfter(peerHas);
        }
    }

    /// <summary>The peer has every frame sent so far (it answered or asked after them): none is kept for replay.</summary>
    public void AcknowledgeAllSent()
    {
        List<TaskCompletionSource>? acknowledged = null;
        lock (_lock)
        {
            if (_replay is { NextSequence: > 1 } replay)
            {
                replay.Acknowledge(replay.NextSequence - 1);
                acknowledged = TakeAcknowledgedLocked(replay.NextSequence - 1);
            }
        }

        Complete(acknowledged);
    }

    /// <summary>Returns the replay buffer's memory (the session ended).</summary>
    public void DisposeReplay()
    {
        lock (_lock)
        {
            _replay?.Dispose();
        }
    }

    /// <summary>The peer acknowledged every frame up to <paramref name="sequence"/>; false if it acknowledged frames never sent.</summary>
    public bool Acknowledge(ulong sequence)
    {
        TaskCompletionSource? space = null;
        List<TaskCompletionSource>? acknowledged;
        lock (_lock)
        {
            if (_replay is null)
            {
                return true;
            }

            bool wasFull = _replay.IsFull;
            if (!_replay.Acknowledge(sequence))
            {
                return false;
            }

            _journal?.OnAcknowledgedLocked(sequence);
            acknowledged = TakeAcknowledgedLocked(sequence);

            if (wasFull && !_replay.IsFull && !_blocked)
            {
                space = _space;
                _space = null;
            }
        }

        space?.TrySetResult();
        Complete(acknowledged);
        return true;
    }

    /// <summary>Numbers and keeps the frame just written into the replay buffer; true when it should also go to the link now.</summary>
    private bool CommitSequenced(int total)
    {
        ReplayBuffer replay = _replay!;
        bool overflows = replay.WouldOverflow(total);
        ulong sequence = replay.Commit(total);
        RegisterWaiterLocked(sequence);
        _journal?.OnFrameCommittedLocked(sequence, replay.LastCommitted(total));
        if (_sequencedFlowing && _writer is not null)
        {
            CopyToPipe(replay.LastCommitted(total));
            _sentThrough = sequence;
            return true;
        }

        // Writers that can wait (one-way sends) stop at three quarters; a call, reply or stream item that passes
        // the bound itself while there is no link means the peer could never get everything back.
        if (_writer is null && overflows && !_replayOverflowed)
        {
            // Kept without a link past the bound: the peer can never get all of it back. Give the memory back now;
            // the session refuses to resume (documented refusal) instead of resuming with a gap.
            _replayOverflowed = true;
            RememberOverflowedLocked();
            replay.Dispose();
            ThreadPool.UnsafeQueueUserWorkItem(static output => output.OverflowListener?.OnReplayOverflowed(), this, preferLocal: false);
        }

        return false;
    }

    /// <summary>Copies a kept frame to the link (the caller counts it as written).</summary>
    private void CopyToPipe(ReadOnlySpan<byte> frame)
    {
        PipeWriter writer = _writer!;
        frame.CopyTo(writer.GetSpan(frame.Length));
        writer.Advance(frame.Length);
    }
}
