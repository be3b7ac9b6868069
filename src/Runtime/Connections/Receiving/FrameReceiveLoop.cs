using System.Buffers;
using System.IO.Pipelines;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>How a <see cref="FrameReceiveLoop"/> ended.</summary>
internal enum ReceiveEnd
{
    /// <summary>The receiver stopped it (a stop request, a protocol error, a handover).</summary>
    Stopped,

    /// <summary>The peer ended its direction after a whole frame.</summary>
    Completed,

    /// <summary>The peer ended its direction in the middle of a frame.</summary>
    CompletedMidFrame,
}

/// <summary>
/// The one receive loop of the link and of each call stream: reads frames until the peer ends its direction or the
/// receiver stops. All frames already received are handled in one synchronous batch (replies written meanwhile leave
/// in one flush); the loop only awaits to read, when the receiver must wait (one-way messages at the in-flight
/// limit, a stream consumer behind), or when its output is blocked.
/// </summary>
internal static class FrameReceiveLoop
{
    /// <summary>
    /// Runs the loop until the peer ends its direction or the receiver stops it. The receiver hears how it ended
    /// (<see cref="IFrameReceiver.OnLoopEnded"/>, or <see cref="IFrameReceiver.OnLoopFailed"/> for an exception it may
    /// take over), so a caller that only needs that need not await the task: an idle link then holds no second
    /// suspended method waiting for this one.
    /// </summary>
    public static async Task<ReceiveEnd> RunAsync<TReceiver>(PipeReader input, TReceiver receiver)
        where TReceiver : struct, IFrameReceiver
    {
        try
        {
            int maxFrame = receiver.MaxFrameSize;
            while (!receiver.StopRequested)
            {
                if (!input.TryRead(out ReadResult result))
                {
                    result = await input.ReadAsync().ConfigureAwait(false);
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                FrameOutput output = receiver.Output;
                SequencePosition consumed = buffer.Start;
                SequencePosition examined = buffer.End;
                bool stop = HandleBatch(receiver, output, buffer, maxFrame, ref consumed, ref examined, out ValueTask wait, out bool parsedAll);

                // After a resume hello nothing past it has been looked at: the session that takes the input over reads on from there.
                bool holds = receiver.HoldsInput;
                input.AdvanceTo(consumed, holds ? consumed : examined);
                if (!wait.IsCompletedSuccessfully)
                {
                    await wait.ConfigureAwait(false);
                }

                if (stop || holds)
                {
                    return Ended(receiver, ReceiveEnd.Stopped);
                }

                if (result.IsCanceled)
                {
                    continue; // a stop request cancels the pending read; the loop's condition ends it
                }

                if (result.IsCompleted && parsedAll)
                {
                    return Ended(receiver, buffer.Slice(consumed).IsEmpty ? ReceiveEnd.Completed : ReceiveEnd.CompletedMidFrame);
                }

                // Backpressure: while our replies cannot leave, reading more requests would only queue more replies.
                if (receiver.WaitsForOutput && output.IsBlocked)
                {
                    await output.WaitForSpaceAsync(includeReplay: false, receiver.StopToken).ConfigureAwait(false);
                }
            }

            return Ended(receiver, ReceiveEnd.Stopped);
        }
        catch (Exception e)
        {
            // A catch, not a filter: a filter would run before the batch's finally blocks (its end and flush).
            if (receiver.OnLoopFailed(e))
            {
                return ReceiveEnd.Stopped; // the receiver took the failure over
            }

            throw;
        }
    }

    /// <summary>
    /// Handles every whole frame of one read as a batch on the calling thread (announced, ended and flushed even when a
    /// frame fails); true when the loop must stop (a broken frame, a refusal). Synchronous, so the loop's own state
    /// stays small and shallow.
    /// </summary>
    private static bool HandleBatch<TReceiver>(TReceiver receiver, FrameOutput output, in ReadOnlySequence<byte> buffer, int maxFrame,
        ref SequencePosition consumed, ref SequencePosition examined, out ValueTask wait, out bool parsedAll)
        where TReceiver : struct, IFrameReceiver
    {
        wait = default;
        parsedAll = false;
        bool stop = false;
        output.BeginBatch();
        receiver.OnBatchStarting();
        try
        {
            while (!receiver.StopRequested)
            {
                // Sequencing is read each frame: the hello turns it on for the frames after it.
                ReadOnlySequence<byte> remaining = buffer.Slice(consumed);
                FrameParseStatus status = FrameParser.TryRead(remaining, maxFrame, receiver.Sequenced, ref consumed, ref examined, out FrameHeader header, out ReadOnlySequence<byte> payload);
                if (status == FrameParseStatus.NeedMoreData)
                {
                    receiver.OnPartialFrame(pending: !remaining.IsEmpty);
                    parsedAll = true;
                    break;
                }

                if (status != FrameParseStatus.Complete)
                {
                    receiver.OnInvalidHeader(status, header);
                    stop = true;
                    break;
                }

                receiver.OnPartialFrame(pending: false);
                bool handled;
                if ((header.Flags & FrameFlags.Compressed) == 0)
                {
                    handled = receiver.OnFrame(header, payload, out wait);
                }
                else if (!TryHandleCompressed(receiver, header, payload, maxFrame, out handled, out wait))
                {
                    stop = true;
                    break;
                }

                if (!handled)
                {
                    stop = true;
                    break;
                }

                if (!wait.IsCompletedSuccessfully || receiver.HoldsInput)
                {
                    break; // the frame is handled; go on after it once the wait is over
                }
            }

            receiver.OnBatchHandled();
        }
        finally
        {
            try
            {
                // Before the flush: callers resumed by the batch's answers write their next requests into it.
                receiver.OnBatchEnded();
            }
            finally
            {
                try
                {
                    output.EndBatch();
                }
                finally
                {
                    receiver.OnBatchFlushed();
                }
            }
        }

        return stop;
    }

    private static ReceiveEnd Ended<TReceiver>(TReceiver receiver, ReceiveEnd end)
        where TReceiver : struct, IFrameReceiver
    {
        receiver.OnLoopEnded(end);
        return end;
    }

    /// <summary>
    /// Inflates a compressed frame (decision 0023) and hands the receiver the frame as it was before compression; the
    /// inflated copy goes back to the pool once the receiver returns (receivers copy what they keep). False when the
    /// payload cannot be inflated: the receiver has ended the session.
    /// </summary>
    private static bool TryHandleCompressed<TReceiver>(TReceiver receiver, in FrameHeader header, in ReadOnlySequence<byte> payload, int maxFrame, out bool handled, out ValueTask wait)
        where TReceiver : struct, IFrameReceiver
    {
        TetherErrorCode problem = Compression.FrameCompression.TryInflate(payload, maxFrame, out byte[]? inflated, out int length, out string? detail);
        if (problem != TetherErrorCode.None)
        {
            receiver.OnInvalidPayload(problem, detail!);
            handled = false;
            wait = default;
            return false;
        }

        try
        {
            FrameHeader plain = header with { PayloadLength = length, Flags = header.Flags & ~FrameFlags.Compressed };
            handled = receiver.OnFrame(plain, new ReadOnlySequence<byte>(inflated!, 0, length), out wait);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(inflated!);
        }
    }

    /// <summary>Why a header the parser refused ends the session: the error code and the text the peer is told.</summary>
    public static (TetherErrorCode Code, string Detail) DescribeInvalidHeader(FrameParseStatus status, in FrameHeader header, int maxFrame) =>
        status == FrameParseStatus.FrameTooLarge
            ? (TetherErrorCode.FrameTooLarge, $"A frame header claims {(uint)header.PayloadLength:N0} bytes; the limit is {maxFrame:N0}.")
            : (TetherErrorCode.ProtocolViolation, $"Invalid frame header (type 0x{(byte)header.Type:X2}, flags 0x{(byte)header.Flags:X2}).");
}
