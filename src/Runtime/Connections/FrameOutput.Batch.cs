using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// Batched writes (decision 0029): many one-way frames under one hold of the lock, so that no flush and no other
/// writer comes between them and they leave in one send. The lock is re-entrant: each frame still takes and releases
/// it through <see cref="Reserve"/> and <see cref="CommitCore"/>, while the batch's own hold keeps it until the end.
/// </summary>
internal sealed partial class FrameOutput
{
    private bool _holdingBatch; // under the lock: commits neither flush nor schedule one; the batch's end does

    /// <summary>
    /// Writes <paramref name="values"/> as consecutive one-way frames, in order, and flushes them once; stops at the first
    /// that finds no room (the send queue blocked, or a resumable session's replay buffer full).
    /// </summary>
    /// <returns>How many were written (the first ones); fewer than all means wait for room and write the rest.</returns>
    /// <exception cref="TetherException">A message exceeds the peer's frame size, or the output is closed; those before it were written.</exception>
    public int TryWriteMessages<T>(int methodId, ReadOnlySpan<T> values)
        where T : IMessage<T>
    {
        if (!CanHoldBatch)
        {
            // A listener on committed frames runs outside the lock, and a durable journal orders each frame with its
            // handler's completion: frame by frame for those (still one scheduled flush for the lot).
            int each = 0;
            while (each < values.Length && TryWriteMessageWithRoom(methodId, in values[each]))
            {
                each++;
            }

            return each;
        }

        int written = 0;
        while (written < values.Length)
        {
            bool roomLeft = true;
            _lock.Enter();
            _holdingBatch = true;
            long start = _committed;
            try
            {
                // Past the inline-flush size the bytes go out before more are written, as single frames would (counted
                // per hold: bytes a receive loop's batch holds back must not stop this one making progress).
                while (written < values.Length && _committed - start < InlineFlushBytes)
                {
                    if (!TryWriteMessageWithRoom(methodId, in values[written]))
                    {
                        roomLeft = false;
                        break;
                    }

                    written++;
                }
            }
            finally
            {
                EndHeldBatch();
            }

            if (!roomLeft)
            {
                break;
            }
        }

        return written;
    }

    /// <summary>
    /// Copies already framed one-way messages (<paramref name="frames"/>: whole frames back to back, as a batched broadcast
    /// encodes them once) and flushes them once; stops at the first that finds the send queue full.
    /// </summary>
    /// <returns>How many frames were written (the first ones).</returns>
    public int TryWriteFramedRun(ReadOnlySpan<byte> frames)
    {
        if (!CanHoldBatch)
        {
            return TryWriteFramedEach(frames);
        }

        _lock.Enter();
        _holdingBatch = true;
        try
        {
            return TryWriteFramedEach(frames);
        }
        finally
        {
            EndHeldBatch();
        }
    }

    private int TryWriteFramedEach(ReadOnlySpan<byte> frames)
    {
        int written = 0;
        while (!frames.IsEmpty)
        {
            int length = FrameHeader.Size + FrameHeader.Read(frames, out _).PayloadLength;
            if (!TryWriteFramed(frames[..length]))
            {
                break;
            }

            written++;
            frames = frames[length..];
        }

        return written;
    }

    private bool CanHoldBatch => Committed is null && Volatile.Read(ref _journal) is null && Volatile.Read(ref _redirect) is null;

    /// <summary>Ends a held batch (the lock is held once more than the frames took it): flushes what it wrote, inline.</summary>
    private void EndHeldBatch()
    {
        _holdingBatch = false;
        bool flushNow = false;
        if (_dirty && !_batching && !_flushing && !_closed)
        {
            // Inline, not deferred: the batch is the unit the caller chose to send, so no other thread needs waking.
            _flushing = true;
            flushNow = true;
        }

        _lock.Exit();
        if (flushNow)
        {
            Flush();
        }
    }
}
