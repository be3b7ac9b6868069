using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// What became of each sequenced frame (SPEC R4.5: nothing disappears silently): how far frames were written to a link,
/// the acknowledged sends waiting for the peer's acknowledgement, and, when the session ends without resuming, the
/// frames the peer never acknowledged, each with whether it ever left this process.
/// </summary>
internal sealed partial class FrameOutput
{
    private ulong _sentThrough; // the highest sequence number copied to a link
    private TaskCompletionSource? _commitWaiter; // set between Begin and Commit of an acknowledged send
    private Queue<(ulong Sequence, TaskCompletionSource Done)>? _ackWaiters;
    private IReadOnlyList<UnacknowledgedFrame>? _lostToOverflow;

    /// <summary>Asks for the frame being written (the lock is held, between its Begin and Commit) to complete <paramref name="done"/> once the peer acknowledges it.</summary>
    private void ExpectAcknowledgementLocked(TaskCompletionSource done) => _commitWaiter = done;

    /// <summary>In <see cref="CommitSequenced"/>: registers the waiter of the frame just numbered.</summary>
    private void RegisterWaiterLocked(ulong sequence)
    {
        if (_commitWaiter is { } done)
        {
            _commitWaiter = null;
            (_ackWaiters ??= new()).Enqueue((sequence, done));
        }
    }

    /// <summary>
    /// Completes once the peer acknowledged every sequenced frame written so far (at once when none is outstanding); fails
    /// with the frames' fate if the session ends first (<see cref="TakeUnacknowledged"/>). A closing session waits on it.
    /// </summary>
    public Task WhenAllAcknowledged()
    {
        lock (_lock)
        {
            if (_replay is not { Count: > 0 } replay)
            {
                return Task.CompletedTask;
            }

            // Every waiter queued before is for an earlier frame, and every one queued later for a later one: still in order.
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (_ackWaiters ??= new()).Enqueue((replay.NextSequence - 1, done));
            return done.Task;
        }
    }

    /// <summary>Under the lock: the waiters acknowledged up to <paramref name="sequence"/>, to complete outside it.</summary>
    private List<TaskCompletionSource>? TakeAcknowledgedLocked(ulong sequence)
    {
        List<TaskCompletionSource>? done = null;
        while (_ackWaiters is { Count: > 0 } waiters && waiters.Peek().Sequence <= sequence)
        {
            (done ??= []).Add(waiters.Dequeue().Done);
        }

        return done;
    }

    private static void Complete(List<TaskCompletionSource>? done)
    {
        if (done is not null)
        {
            foreach (TaskCompletionSource waiter in done)
            {
                waiter.TrySetResult();
            }
        }
    }

    /// <summary>
    /// The session ended without resuming: the sequenced frames the peer never acknowledged, oldest first (payloads
    /// of one-way messages copied out), and the acknowledged sends among them failed with
    /// <see cref="TetherErrorCode.NeverSent"/> or <see cref="TetherErrorCode.NotDelivered"/>. Call once, before the
    /// replay buffer is disposed.
    /// </summary>
    public IReadOnlyList<UnacknowledgedFrame> TakeUnacknowledged(Exception reason)
    {
        List<UnacknowledgedFrame> frames;
        Queue<(ulong Sequence, TaskCompletionSource Done)>? waiters;
        lock (_lock)
        {
            frames = _lostToOverflow is { } overflowed ? [.. overflowed] : CollectLocked(keepPayloads: true);
            waiters = _ackWaiters;
            _ackWaiters = null;
        }

        if (waiters is not null)
        {
            foreach ((ulong sequence, TaskCompletionSource done) in waiters)
            {
                UnacknowledgedFrame? frame = frames.Find(f => f.Sequence == sequence);
                done.TrySetException(frame?.Error(reason) ?? UnacknowledgedFrame.NotDeliveredError(sequence, reason));
            }
        }

        return frames;
    }

    /// <summary>The frames kept for replay, described (under the lock).</summary>
    private List<UnacknowledgedFrame> CollectLocked(bool keepPayloads)
    {
        var frames = new List<UnacknowledgedFrame>();
        if (_replay is not { Count: > 0 } replay)
        {
            return frames;
        }

        ulong sequence = replay.FirstSequence;
        replay.ReplayAfter(sequence - 1, (frames, this, keepPayloads), static (state, frame) =>
        {
            (List<UnacknowledgedFrame> list, FrameOutput output, bool keep) = state;
            FrameHeader header = FrameHeader.Read(frame, out _);
            ulong number = list.Count == 0 ? output._replay!.FirstSequence : list[^1].Sequence + 1;
            byte[] payload = keep && header.Type == FrameType.Message ? frame[FrameHeader.Size..].ToArray() : [];
            list.Add(new UnacknowledgedFrame(number, header.Type, header.Flags, header.CallId, header.MessageId, number <= output._sentThrough, payload));
        });
        return frames;
    }

    /// <summary>Before an overflow drops the replay buffer: keeps what it held, described without payloads, to report when the session ends.</summary>
    private void RememberOverflowedLocked() => _lostToOverflow = CollectLocked(keepPayloads: false);
}

/// <summary>A sequenced frame the peer never acknowledged before its session ended.</summary>
/// <param name="Sequence">Its number in the session.</param>
/// <param name="Type">Its frame type.</param>
/// <param name="Flags">Its flags.</param>
/// <param name="CallId">The call it belongs to (0 for a one-way message).</param>
/// <param name="MethodId">The method (or, sent by type, the message id) it was for.</param>
/// <param name="Sent">Whether it was ever written to a link (if not, the peer provably never had it).</param>
/// <param name="Payload">A one-way message's payload (call headers included); empty otherwise, or after a replay overflow.</param>
internal sealed record UnacknowledgedFrame(ulong Sequence, FrameType Type, FrameFlags Flags, uint CallId, int MethodId, bool Sent, byte[] Payload)
{
    public TetherException Error(Exception reason) => Sent
        ? NotDeliveredError(Sequence, reason)
        : new TetherException(TetherErrorCode.NeverSent,
            $"Frame {Sequence} of the session ({Type}) never left this process before the session ended ({reason.Message}); the peer does not have it.", reason);

    public static TetherException NotDeliveredError(ulong sequence, Exception reason) =>
        new(TetherErrorCode.NotDelivered,
            $"Frame {sequence} of the session was sent but never acknowledged before the session ended ({reason.Message}); the peer may or may not have it.", reason);
}
