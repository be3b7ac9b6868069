using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Tether.Framing;
using Tether.Transport;

namespace Tether.Connections;

/// <summary>
/// Calls on streams of their own (QUIC; wire format §8.1): the caller opens a stream per call, the callee accepts it.
/// Each stream has its own receive loop, output and flow control, so a call whose consumer is behind, or whose packet
/// was lost, holds up no other. After a resume, calls that were on streams continue on the link's stream.
/// </summary>
internal sealed partial class TetherConnection
{
    // Kept per call stream on a resumable session: small chunks, since most calls keep one or two small frames.
    private const int LaneReplayChunkSize = 1024;

    // Lanes kept open for later calls once their call was answered: enough for the callers a connection usually has at
    // once, few enough that a burst of thousands of calls does not keep thousands of streams (and their loops) open.
    private const int MaxIdleLanes = 64;

    private readonly CallLaneTable _laneTable = new(MaxIdleLanes);

    /// <summary>Caller: a stream of its own for call <paramref name="callId"/>, or null to use the link's (no streams, none free, no link).</summary>
    private FrameOutput? TryOpenLane(uint callId)
    {
        switch (_laneTable.TryReuse(callId, _link?.Transport, out CallLane? idle))
        {
            case LaneReuse.Reused:
                return idle!.Output;
            case LaneReuse.IdStillKept:
                return null;
        }

        if (_link is not { Negotiated: true } link || !link.Transport.SupportsStreams || State != SessionState.Active
            || link.Transport.TryOpenStream() is not { } stream)
        {
            return null;
        }

        CallLane lane = CreateLane(link, stream, outgoing: true, callId);
        _laneTable.Add(lane);
        _ = RunLaneAsync(link, lane);
        return lane.Output;
    }

    private CallLane CreateLane(Link link, TransportSubstream stream, bool outgoing, uint callId)
    {
        var lane = new CallLane(stream, link.Transport, outgoing, callId, Output.PeerMaxFrameSize, _settings.SendQueueLimit);
        if (Output.IsSequenced)
        {
            lane.Output.EnableSequencing(_settings.MemoryPool, _settings.ReplayBufferBytes, _settings.ReplayBufferFrames, LaneReplayChunkSize);
        }

        return lane;
    }

    /// <summary>Callee: takes the streams the peer opens for its calls until the link ends.</summary>
    private void StartAcceptingLanes(Link link)
    {
        if (link.Transport.SupportsStreams)
        {
            _ = AcceptLanesAsync(link);
        }
    }

    private async Task AcceptLanesAsync(Link link)
    {
        try
        {
            while (!link.StopRequested)
            {
                TransportSubstream? stream = await link.Transport.AcceptStreamAsync(link.Stop.Token).ConfigureAwait(false);
                if (stream is null)
                {
                    return;
                }

                CallLane lane = CreateLane(link, stream, outgoing: false, callId: 0);
                _ = RunLaneAsync(link, lane);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One call stream's receive loop: like the link's, but every frame must belong to the stream's call.</summary>
    private async Task RunLaneAsync(Link link, CallLane lane)
    {
        PipeReader input = lane.Stream.Input;
        int maxFrame = _settings.MaxFrameSize;
        bool graceful = false;
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync().ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                SequencePosition consumed = buffer.Start;
                SequencePosition examined = buffer.End;
                ValueTask wait = default;
                bool stop = false;
                bool parsedAll = false;
                lane.Output.BeginBatch();
                try
                {
                    while (true)
                    {
                        FrameParseStatus status = FrameParser.TryRead(buffer.Slice(consumed), maxFrame, _sequencedIn, ref consumed, ref examined, out FrameHeader header, out ReadOnlySequence<byte> payload);
                        if (status == FrameParseStatus.NeedMoreData)
                        {
                            parsedAll = true;
                            break;
                        }

                        if (status != FrameParseStatus.Complete)
                        {
                            RejectHeader(status, header, maxFrame);
                            stop = true;
                            break;
                        }

                        Counters.FrameReceived();
                        if (!TryHandleLaneFrame(link, lane, header, payload, out wait))
                        {
                            stop = true;
                            break;
                        }

                        if (!wait.IsCompletedSuccessfully)
                        {
                            break;
                        }
                    }

                    if (lane.Inbound.TakeAckRequest())
                    {
                        AckLane(lane);
                    }
                }
                finally
                {
                    lane.Output.EndBatch();
                }

                link.KeepAlive.Heard(_settings.TimeProvider.GetTimestamp());
                input.AdvanceTo(consumed, examined);
                if (!wait.IsCompletedSuccessfully)
                {
                    await wait.ConfigureAwait(false);
                }

                if (stop)
                {
                    break;
                }

                if (result.IsCompleted && parsedAll)
                {
                    if (!buffer.Slice(consumed).IsEmpty)
                    {
                        ProtocolError(TetherErrorCode.ProtocolViolation, "A call's stream ended in the middle of a frame.");
                        break;
                    }

                    graceful = true;
                    break;
                }

                if (lane.Output.IsBlocked && !lane.Outgoing)
                {
                    // This call's replies cannot leave: reading more of its frames would only queue more (this call only).
                    await lane.Output.WaitForSpaceAsync(includeReplay: false, link.Stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception)
        {
            // The stream failed with the link (or was reset): a resumable session moves the call to the next link.
        }
        lane.LoopEnded = true;
        if (graceful)
        {
            // The peer ended its direction: so does this side, unless (callee) a call on the lane is still running.
            bool endOutput;
            lock (lane.Gate)
            {
                lane.InputEnded = true;
                endOutput = lane.Outgoing || lane.ActiveCalls == 0;
            }

            if (endOutput)
            {
                EndLaneOutput(lane);
            }
            else
            {
                TryRetireLane(lane);
            }
        }
    }

    /// <summary>The peer asked: acknowledge the frames of the call received on its stream (the peer frees them).</summary>
    private static void AckLane(CallLane lane)
    {
        Span<byte> count = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(count, lane.Inbound.Received);
        TryWriteOn(lane.Output, FrameType.Ack, 0, 0, count);
    }

    /// <summary>Handles one frame of a call stream; false when it broke the protocol (the session is ending).</summary>
    private bool TryHandleLaneFrame(Link link, CallLane lane, in FrameHeader header, in ReadOnlySequence<byte> payload, out ValueTask wait)
    {
        wait = default;
        if (!link.Negotiated)
        {
            ProtocolError(TetherErrorCode.ProtocolViolation, "A call's stream opened before the hello exchange finished.");
            return false;
        }

        lock (lane.Gate)
        {
            if (lane.Detached)
            {
                return false; // the link is gone: the peer sends this frame again after the resume
            }

            // The call's stream has its own numbering; the link's checks apply unchanged (the parser already refused
            // sequence numbers and acknowledgement requests on a session that is not sequenced).
            if (_sequencedIn && !AcceptSequence(header, lane.Inbound))
            {
                return false;
            }
        }

        if (header.Type == FrameType.Ack)
        {
            if (payload.Length != 8 || !lane.Output.Acknowledge(ReadUInt64(payload)))
            {
                ProtocolError(TetherErrorCode.ProtocolViolation, "A call stream's ack is malformed or acknowledges frames never sent.");
                return false;
            }

            return true;
        }

        // A request starts the lane's next call (the first, or one after an answered call); any other frame is the current call's.
        bool first = !lane.Outgoing && header.Type == FrameType.Request;
        if (first ? header.CallId == 0 : header.CallId != lane.CallId)
        {
            ProtocolError(TetherErrorCode.ProtocolViolation, $"A {header.Type} frame for call {header.CallId} arrived on the stream of call {lane.CallId}.");
            return false;
        }

        switch (header.Type)
        {
            case FrameType.Request when first:
                _laneTable.Rekey(lane, header.CallId);

                lock (lane.Gate)
                {
                    lane.ActiveCalls++;
                }

                // The caller sends a lane's next request only after the previous answer arrived: nothing sent before is needed again.
                lane.Output.AcknowledgeAllSent();

                wait = OnIncomingCall(header, payload, expectsReply: true, lane);
                return true;
            case FrameType.Cancel when !lane.Outgoing:
                CancelActiveCall(header.CallId);
                return true;
            case FrameType.Response when lane.Outgoing:
                if (_pending.TryRemove(header.CallId) is { } answered)
                {
                    // Kept before the caller resumes, so its next call can take this lane.
                    KeepLaneForNextCall(lane);
                    answered.OnResponse(header, payload, _settings.DecodeOptions);
                }
                else
                {
                    EndLaneOutput(lane); // cancelled or timed out: the lane ends with the call
                }

                return true;
            case FrameType.StreamItem when lane.Outgoing:
                wait = OnStreamItem(header, payload);
                return true;
            case FrameType.End when lane.Outgoing:
                _pending.TryRemove(header.CallId)?.OnEnd();
                EndLaneOutput(lane);
                return true;
            case FrameType.Error when lane.Outgoing:
                OnError(header, payload);
                EndLaneOutput(lane);
                return true;
            default:
                ProtocolError(TetherErrorCode.ProtocolViolation, $"A {header.Type} frame does not belong on a call's stream.");
                return false;
        }
    }

    /// <summary>
    /// Caller: the call on <paramref name="lane"/> was answered, so the callee has every frame this side sent on it. The
    /// lane waits for this side's next call (or ends, when it is not kept).
    /// </summary>
    private void KeepLaneForNextCall(CallLane lane)
    {
        lane.Output.AcknowledgeAllSent();
        bool linkUsable = _link is { StopRequested: false } link && link.Transport == lane.LinkTransport && State == SessionState.Active;
        if (!_laneTable.TryKeepIdle(lane, linkUsable))
        {
            EndLaneOutput(lane);
        }
    }

    /// <summary>Callee: a call on <paramref name="lane"/> finished; the lane ends once the caller ended its direction and no call is left.</summary>
    private void FinishLaneCall(CallLane lane)
    {
        bool end;
        lock (lane.Gate)
        {
            end = --lane.ActiveCalls == 0 && lane.InputEnded;
        }

        if (end)
        {
            EndLaneOutput(lane);
        }
    }

    /// <summary>This side is done with the call on <paramref name="lane"/>: its direction ends (FIN).</summary>
    private void EndLaneOutput(CallLane lane)
    {
        if (lane.Outgoing)
        {
            // The call is over for its caller: nothing it sent is worth sending again (a cancel that a lost link swallowed
            // only lets a finished handler finish).
            lane.Output.DisposeReplay();
        }

        lane.EndOutput();
        TryRetireLane(lane);
    }

    /// <summary>Both directions ended: the call's stream is finished and its record goes.</summary>
    private void TryRetireLane(CallLane lane)
    {
        if (!lane.InputEnded || !lane.OutputEnded)
        {
            return;
        }

        _laneTable.Retire(lane);
        lane.Output.DisposeReplay();
        lane.Stream.Input.Complete();
    }

    /// <summary>Tells the callee this side gave up on call <paramref name="callId"/>, on the call's stream when it has one (which then ends).</summary>
    private void SendCancel(uint callId)
    {
        CallLane? lane = _laneTable.Find(callId, outgoing: true);
        if (lane is null)
        {
            TrySendCancel(callId);
            return;
        }

        TryWriteOn(lane.Output, FrameType.Cancel, callId, 0, default);
        EndLaneOutput(lane);
    }

    /// <summary>The session ended: every call stream stops and returns what it kept.</summary>
    private void CloseLanes()
    {
        foreach (CallLane lane in _laneTable.Clear())
        {
            lane.Output.Close();
            lane.Output.DisposeReplay();
        }
    }

    private static void TryWriteOn(FrameOutput output, FrameType type, uint callId, int code, ReadOnlySpan<byte> payload)
    {
        try
        {
            output.WriteControl(type, callId, code, payload);
        }
        catch (TetherException)
        {
            // The call's stream (or the link) is closing; there is no one left to tell.
        }
    }
}
