using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// One-way messages sent in batches (decision 0029): consecutive frames written under one hold of the output and
/// flushed once by the sender itself, where single sends leave their flush to a pass on another thread.
/// </summary>
internal sealed partial class TetherConnection
{
    /// <summary>Sends <paramref name="messages"/> as one-way messages, in order, waiting while the send queue is full.</summary>
    public ValueTask SendBatchAsync<T>(int methodId, ReadOnlyMemory<T> messages, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        ThrowIfCannotCall(cancellationToken);
        if (_durable is not null)
        {
            return SendEachAsync(methodId, messages, cancellationToken); // each one held by its handler's delivery scope
        }

        int written = Output.IsSchedulerBusy ? 0 : Output.TryWriteMessages(methodId, messages.Span);
        return written == messages.Length ? default : SendBatchInTurnAsync(methodId, messages[written..], cancellationToken);
    }

    /// <summary>Sends the first of <paramref name="messages"/> the send queue has room for, never waiting.</summary>
    /// <returns>How many were sent (the first ones); each one not sent counts as a dropped push.</returns>
    public int TrySendBatch<T>(int methodId, ReadOnlySpan<T> messages)
        where T : IMessage<T>
    {
        int written = 0;
        if (_durable is not null)
        {
            while (written < messages.Length && TrySend(methodId, in messages[written]))
            {
                written++;
            }

            if (written < messages.Length)
            {
                // TrySend counted the message it refused; the rest of the batch is dropped with it.
                Counters.PushesDroppedBy(messages.Length - written - 1);
            }

            return written;
        }

        if (!Output.IsFull && !Output.IsClosed)
        {
            try
            {
                written = Output.TryWriteMessages(methodId, messages);
            }
            catch (TetherException e) when (e.Code == TetherErrorCode.ConnectionClosed)
            {
                // Closed part-way: what was written before stays written (and counted).
            }
        }

        Counters.PushesDroppedBy(messages.Length - written);
        return written;
    }

    /// <summary>Copies already framed one-way messages (a batched broadcast); returns how many frames the send queue took.</summary>
    public int TrySendFramedRun(ReadOnlySpan<byte> frames, int count)
    {
        int written = Output.TryWriteFramedRun(frames); // each frame checks for room itself
        Counters.PushesDroppedBy(count - written);
        return written;
    }

    /// <summary>The rest of a batch that found no room (or others waiting): it waits its turn, then for room, as often as it needs.</summary>
    private async ValueTask SendBatchInTurnAsync<T>(int methodId, ReadOnlyMemory<T> messages, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        SendScheduler scheduler = Output.Scheduler;
        await scheduler.WaitTurnAsync(OutgoingCallHeaders.None.Priority, cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                messages = messages[Output.TryWriteMessages(methodId, messages.Span)..];
                if (messages.IsEmpty)
                {
                    return;
                }

                await Output.WaitForSpaceAsync(includeReplay: true, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            scheduler.Pass();
        }
    }

    private async ValueTask SendEachAsync<T>(int methodId, ReadOnlyMemory<T> messages, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        for (int i = 0; i < messages.Length; i++)
        {
            await SendAsync(methodId, messages.Span[i], cancellationToken).ConfigureAwait(false);
        }
    }
}
