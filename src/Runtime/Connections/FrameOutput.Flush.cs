using System.Buffers.Binary;
using System.IO.Pipelines;
using Tether.Framing;
using Tether.Transport;

namespace Tether.Connections;

internal sealed partial class FrameOutput
{
    private long _blockedSince;
    private SendScheduler? _scheduler;
    private InboundSequence? _ackWithFlushes; // the link's inbound numbering, once negotiated: flushes acknowledge it

    /// <summary>How long the pipe has refused more (writers wait meanwhile); zero while it is not blocked. A client pool grows on it.</summary>
    public TimeSpan BlockedFor => IsBlocked ? System.Diagnostics.Stopwatch.GetElapsedTime(Volatile.Read(ref _blockedSince)) : TimeSpan.Zero;

    private static readonly Action<object?> s_scheduledFlush = static state => ((FrameOutput)state!).OnScheduledFlush();

    private void OnScheduledFlush()
    {
        lock (_lock)
        {
            _flushScheduled = false;
            if (_flushing || !_dirty || _closed)
            {
                return; // a running flush (or the receive loop's batch) takes these bytes
            }

            _flushing = true;
        }

        Flush();
    }

    /// <summary>The receive loop is about to process a batch of frames: their replies are flushed together at the end.</summary>
    public void BeginBatch()
    {
        lock (_lock)
        {
            _batching = true;
        }
    }

    /// <summary>Ends a batch and flushes what it wrote, unless a flush is already running (which will pick it up).</summary>
    public void EndBatch()
    {
        bool flushNow = false;
        lock (_lock)
        {
            _batching = false;
            if (_dirty && !_flushing && !_closed)
            {
                _flushing = true;
                flushNow = true;
            }
        }

        if (flushNow)
        {
            Flush();
        }
    }

    /// <summary>
    /// Flushes until nothing new was written meanwhile. The caller owns the flush (<c>_flushing</c> was set by it).
    /// A flush that does not complete synchronously hands over to <see cref="FlushSlowAsync"/> and marks the output blocked.
    /// </summary>
    private void Flush()
    {
        while (true)
        {
            ValueTask<FlushResult> flush = default;
            int link = 0;
            Task? journaling = null;
            lock (_lock)
            {
                if (_closed || _writer is null)
                {
                    _flushing = false;
                    return;
                }

                // A durable session: nothing leaves before the log has it (the flush stays ours). A write that already
                // failed is awaited too, so its failure ends the session instead of the frames leaving unlogged.
                if (_journal is { } journal && (!journal.Tail.IsCompleted || journal.Tail.IsFaulted))
                {
                    journaling = journal.Tail;
                }
                else
                {
                    if (_finishing && !_dirty)
                    {
                        _flushing = false;
                        CompleteWriterLocked();
                        return;
                    }

                    if (_dirty && _ackWithFlushes is { } inbound)
                    {
                        AppendAcknowledgementLocked(inbound);
                    }

                    _dirty = false;
                    _unflushed = 0;
                    link = _linkGeneration;
                    try
                    {
                        flush = _writer.FlushAsync();
                    }
                    catch (Exception e)
                    {
                        // The transport's send loop failed (a reset): the pipe rethrows its error here. The link is gone;
                        // the writer must not see it (its frame is written, and kept for replay on a resumable session).
                        flush = ValueTask.FromException<FlushResult>(e);
                    }

                    if (!flush.IsCompleted)
                    {
                        if (!_blocked)
                        {
                            _blockedSince = System.Diagnostics.Stopwatch.GetTimestamp();
                        }

                        _blocked = true;
                    }
                }
            }

            if (journaling is not null)
            {
                _ = FlushAfterJournalAsync(journaling);
                return;
            }

            if (!flush.IsCompleted)
            {
                _ = FlushSlowAsync(flush, link);
                return;
            }

            if (!Completed(PeerGone(flush), link))
            {
                return;
            }
        }
    }

    /// <summary>Whether flushes on the current link carry acknowledgements (<see cref="AcknowledgeWithFlushes"/>).</summary>
    public bool AcknowledgesWithFlushes => Volatile.Read(ref _ackWithFlushes) is not null;

    /// <summary>
    /// From now on, while <paramref name="link"/> is the link, every flush of frames ends with an acknowledgement of what
    /// <paramref name="inbound"/> received since the last one: it goes in the same send as the frames, so a call's answer
    /// acknowledges its request and the next request the answer, and neither side sends an acknowledgement alone (which
    /// costs the peer a wake-up for it) while frames flow. For a negotiated link only: after a resume hello the client's
    /// first acknowledgement also confirms its new token. Not on a durable session, which acknowledges what its journal holds.
    /// </summary>
    public void AcknowledgeWithFlushes(InboundSequence inbound, TransportConnection link)
    {
        if (Volatile.Read(ref _journal) is not null)
        {
            return; // asked again each tick: a durable session refuses without the lock
        }

        lock (_lock)
        {
            if (_transport == link && _journal is null)
            {
                _ackWithFlushes = inbound;
            }
        }
    }

    // Under the lock, with frames about to be flushed: the acknowledgement of what arrived since the last one goes last.
    private void AppendAcknowledgementLocked(InboundSequence inbound)
    {
        if (!inbound.HasUnacknowledged || _journal is not null)
        {
            return;
        }

        const int Length = FrameHeader.Size + sizeof(ulong);
        ulong received = inbound.Received;
        Span<byte> frame = _writer!.GetSpan(Length);
        new FrameHeader(sizeof(ulong), FrameType.Ack, FrameFlags.None, 0, 0).Write(frame);
        BinaryPrimitives.WriteUInt64LittleEndian(frame[FrameHeader.Size..], received);
        _writer.Advance(Length);
        _committed += Length;
        FramesWritten++;
        inbound.Acknowledged(received);
    }

    private static bool PeerGone(ValueTask<FlushResult> completedFlush)
    {
        try
        {
            FlushResult result = completedFlush.GetAwaiter().GetResult();
            return result.IsCompleted || result.IsCanceled;
        }
        catch (Exception)
        {
            return true;
        }
    }

    /// <summary>Returns true when the caller should flush again (more was written during this flush).</summary>
    private bool Completed(bool peerGone, int link)
    {
        TaskCompletionSource? space;
        bool again;
        lock (_lock)
        {
            if (link != _linkGeneration)
            {
                return false; // a flush of a link that is gone; the new link has its own flush state
            }

            _blocked = false;
            space = _space;
            _space = null;
            again = _dirty && !peerGone && !_closed;
            if (!again)
            {
                _flushing = false;
                if (_finishing && !_closed)
                {
                    CompleteWriterLocked();
                }
            }

            if (peerGone && _replay is null)
            {
                _closed = true; // a resumable session outlives its link: only the link is gone
            }
        }

        space?.TrySetResult();
        return again;
    }

    // A Task, not a pooled ValueTask: it is never awaited (a discarded pooled ValueTask never returns its box), and
    // it only runs under backpressure.
    private async Task FlushSlowAsync(ValueTask<FlushResult> flush, int link)
    {
        bool peerGone;
        try
        {
            FlushResult result = await flush.ConfigureAwait(false);
            peerGone = result.IsCompleted || result.IsCanceled;
        }
        catch (Exception)
        {
            peerGone = true;
        }

        if (Completed(peerGone, link))
        {
            Flush();
        }
    }

    /// <summary>Completes when the send queue (and on a resumable session the replay buffer) is below its bound again (at once when it is not blocked).</summary>
    /// <param name="includeReplay">Also wait for the peer to acknowledge when the replay buffer is full. The receive loop passes false: it must keep reading, or the acknowledgements it waits for would never arrive.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    public ValueTask WaitForSpaceAsync(bool includeReplay, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _redirect) is { } target)
        {
            return target.WaitForSpaceAsync(includeReplay, cancellationToken);
        }

        Task wait;
        lock (_lock)
        {
            if ((!_blocked && !(includeReplay && ReplayFullLocked)) || _closed)
            {
                return default;
            }

            // Allocates only under backpressure; the steady state never gets here.
            _space ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = _space.Task;
            _waitedForSpace = true;
            _firstWaitForSpace?.TrySetResult();
        }

        return new ValueTask(wait.WaitAsync(cancellationToken));
    }

    /// <summary>
    /// Completes once someone (the server's receive loop, under backpressure) has waited for this output to drain: how
    /// the flood tests know the server stopped reading a peer that does not read, without timing it.
    /// </summary>
    internal Task FirstWaitForSpace
    {
        get
        {
            lock (_lock)
            {
                return _waitedForSpace ? Task.CompletedTask : (_firstWaitForSpace ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
        }
    }

    /// <summary>Stops accepting frames; wakes anyone waiting for space. Bytes already written still leave.</summary>
    public void Close()
    {
        TaskCompletionSource? space;
        lock (_lock)
        {
            _closed = true;
            space = _space;
            _space = null;
        }

        space?.TrySetResult();
        Volatile.Read(ref _scheduler)?.ReleaseAll();
    }

    /// <summary>The order in which senders waiting for room get it (by priority; decision 0025), made when first needed.</summary>
    public SendScheduler Scheduler => Volatile.Read(ref _scheduler) ?? CreateScheduler();

    /// <summary>Whether senders hold or wait for the turn: a new sender must queue rather than write (false before anyone ever had to).</summary>
    public bool IsSchedulerBusy => Volatile.Read(ref _scheduler) is { IsBusy: true };

    // Most connections never wait for room, and each has an output: the scheduler is part of the idle cost until made.
    private SendScheduler CreateScheduler()
    {
        var created = new SendScheduler();
        return Interlocked.CompareExchange(ref _scheduler, created, null) ?? created;
    }
}
