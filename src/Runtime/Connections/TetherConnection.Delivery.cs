using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// Nothing disappears silently (SPEC R4.5): acknowledged sends, and at the end of a session that did not resume, every
/// call and one-way message the peer never acknowledged fails or is reported by name, as
/// <see cref="TetherErrorCode.NeverSent"/> (it never left this process) or <see cref="TetherErrorCode.NotDelivered"/>.
/// </summary>
internal sealed partial class TetherConnection
{
    private SemaphoreSlim? _acknowledgedSlots;

    /// <summary>Raised once, as the session ends without resuming, with the one-way messages the peer never acknowledged (not raised when there were none).</summary>
    public event Action<TetherConnection, IReadOnlyList<UndeliveredMessage>>? Undelivered;

    /// <summary>Sends a one-way message and completes once the peer acknowledged it (<see cref="CallOptions.WaitForAcknowledgement"/>).</summary>
    private async ValueTask SendAcknowledgedAsync<T>(int methodId, T message, OutgoingCallHeaders headers, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        if (!Output.IsSequenced)
        {
            throw new InvalidOperationException("An acknowledged send needs a resumable session: only its frames are numbered and acknowledged (TetherClientOptions.Resumable).");
        }

        SemaphoreSlim slots = LazyInitializer.EnsureInitialized(ref _acknowledgedSlots, () => new SemaphoreSlim(_settings.MaxUnacknowledgedSends));
        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var acknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // Asking for the acknowledgement on this frame: the peer answers at the end of the receive batch it arrives in.
            // Without room it waits its turn by priority, as other one-way sends do (decision 0025).
            if (Output.IsSchedulerBusy
                || !Output.WriteCall(FrameType.Message, FrameFlags.AckRequested, 0, methodId, in message, headers, requireRoom: true, acknowledged))
            {
                await Output.Scheduler.WaitTurnAsync(headers.Priority, cancellationToken).ConfigureAwait(false);
                try
                {
                    while (!Output.WriteCall(FrameType.Message, FrameFlags.AckRequested, 0, methodId, in message, headers, requireRoom: true, acknowledged))
                    {
                        await Output.WaitForSpaceAsync(includeReplay: true, cancellationToken).ConfigureAwait(false);
                    }
                }
                finally
                {
                    Output.Scheduler.Pass();
                }
            }

            await acknowledged.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>
    /// At the end of the session: takes the frames the peer never acknowledged, fails the pending calls among them by
    /// what became of their request, and reports the one-way messages.
    /// </summary>
    private void FailUnacknowledged(TetherException closedError, List<PendingCall> pending)
    {
        IReadOnlyList<UnacknowledgedFrame> frames = Output.IsSequenced ? Output.TakeUnacknowledged(closedError) : [];
        Dictionary<uint, UnacknowledgedFrame>? requests = null;
        List<UndeliveredMessage>? messages = null;
        foreach (UnacknowledgedFrame frame in frames)
        {
            if (frame.Type == FrameType.Request)
            {
                (requests ??= [])[frame.CallId] = frame;
            }
            else if (frame.Type == FrameType.Message)
            {
                (messages ??= []).Add(UndeliveredMessage.From(frame, closedError));
            }
        }

        foreach (PendingCall call in pending)
        {
            // A request never acknowledged: the call failed because of what became of it (never sent: retryable).
            // One acknowledged but unanswered reached the peer: it fails with why the session ended.
            call.Fail(requests is not null && requests.TryGetValue(call.CallId, out UnacknowledgedFrame? request) ? request.Error(closedError) : closedError);
        }

        if (messages is not null)
        {
            ConnectionLog.MessagesUndelivered(Logger, Id, messages.Count, messages.Count(m => m.Error.Code == TetherErrorCode.NeverSent));
            try
            {
                Undelivered?.Invoke(this, messages);
            }
            catch (Exception e)
            {
                ConnectionLog.SessionEventFailedForConnection(Logger, Id, e);
            }
        }
    }
}
