using System.Buffers;
using System.Buffers.Binary;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// One call stream's side of the <see cref="FrameReceiveLoop"/>: like the link's, but every frame must belong to the
/// stream's call, the stream numbers its own frames, and its acknowledgements travel on it.
/// </summary>
internal readonly struct LaneFrames(CallLanes lanes, Link link, CallLane lane) : IFrameReceiver
{
    public FrameOutput Output => lane.Output;

    public bool StopRequested => false; // the stream ends with its link (or its FIN), which ends the read

    public CancellationToken StopToken => link.Stop.Token;

    public bool Sequenced => lanes.Host.SequencedIn;

    public int MaxFrameSize => lanes.Settings.MaxFrameSize;

    public bool HoldsInput => false;

    // Callee: this call's replies cannot leave, and reading more of its frames would only queue more (this call only).
    public bool WaitsForOutput => !lane.Outgoing;

    public void OnInvalidHeader(FrameParseStatus status, in FrameHeader header)
    {
        (TetherErrorCode code, string detail) = FrameReceiveLoop.DescribeInvalidHeader(status, header, MaxFrameSize);
        lanes.Host.ProtocolError(code, detail);
    }

    public void OnInvalidPayload(TetherErrorCode code, string detail) => lanes.Host.ProtocolError(code, detail);

    public void OnPartialFrame(bool pending)
    {
        // The link's frame timeout covers the connection; a call's stream waits for its frames as long as the call does.
    }

    // A call stream's answers are published as they arrive: its batches are one call's frames.
    public void OnBatchStarting()
    {
    }

    public void OnBatchEnded()
    {
    }

    // A call stream's durations are recorded as its calls end (no batch defers them).
    public void OnBatchFlushed()
    {
    }

    // The lanes await the loop and handle its end and failure themselves.
    public void OnLoopEnded(ReceiveEnd end)
    {
    }

    public bool OnLoopFailed(Exception error) => false;

    public void OnBatchHandled()
    {
        if (lane.Inbound.TakeAckRequest())
        {
            // The peer asked: acknowledge the frames of the call received on its stream (the peer frees them).
            Span<byte> count = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(count, lane.Inbound.Received);
            CallLanes.TryWriteOn(lane.Output, FrameType.Ack, 0, count);
        }

        link.KeepAlive.Heard(lanes.Settings.TimeProvider.GetTimestamp());
    }

    public bool OnFrame(in FrameHeader header, in ReadOnlySequence<byte> payload, out ValueTask wait)
    {
        wait = default;
        ICallLaneHost host = lanes.Host;
        host.Counters.FrameReceived();
        if (!link.Negotiated)
        {
            host.ProtocolError(TetherErrorCode.ProtocolViolation, "A call's stream opened before the hello exchange finished.");
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
            if (host.SequencedIn && lane.Inbound.Accept(header) is { } problem)
            {
                host.ProtocolError(TetherErrorCode.ProtocolViolation, problem);
                return false;
            }
        }

        if (header.Type == FrameType.Ack)
        {
            if (payload.Length != 8 || !lane.Output.Acknowledge(ControlPayload.ReadUInt64(payload)))
            {
                host.ProtocolError(TetherErrorCode.ProtocolViolation, "A call stream's ack is malformed or acknowledges frames never sent.");
                return false;
            }

            return true;
        }

        // A request starts the lane's next call (the first, or one after an answered call); any other frame is the current call's.
        bool first = !lane.Outgoing && header.Type == FrameType.Request;
        if (first ? header.CallId == 0 : header.CallId != lane.CallId)
        {
            host.ProtocolError(TetherErrorCode.ProtocolViolation, $"A {header.Type} frame for call {header.CallId} arrived on the stream of call {lane.CallId}.");
            return false;
        }

        host.NotifyReceived(header);
        switch (header.Type)
        {
            case FrameType.Request when first:
                lanes.Table.Rekey(lane, header.CallId);
                lock (lane.Gate)
                {
                    lane.ActiveCalls++;
                }

                // The caller sends a lane's next request only after the previous answer arrived: nothing sent before is needed again.
                lane.Output.AcknowledgeAllSent();
                wait = host.OnIncomingCall(header, payload, lane);
                return true;
            case FrameType.Cancel when !lane.Outgoing:
                host.CancelIncomingCall(header.CallId);
                return true;
            case FrameType.InputItem or FrameType.InputEnd or FrameType.Credit when !lane.Outgoing:
                host.OnIncomingStreamFrame(header, payload);
                return true;
            case FrameType.InputCredit when lane.Outgoing:
                host.OnInputCredit(header);
                return true;
            case FrameType.Response when lane.Outgoing:
                if (host.TakePendingCall(header.CallId) is { } answered)
                {
                    // Kept before the caller resumes, so its next call can take this lane.
                    lanes.KeepForNextCall(lane);
                    host.DeliverResponse(answered, header, payload);
                }
                else
                {
                    lanes.EndOutput(lane); // cancelled or timed out: the lane ends with the call
                }

                return true;
            case FrameType.StreamItem when lane.Outgoing:
                wait = host.OnStreamItem(header, payload);
                return true;
            case FrameType.End when lane.Outgoing:
                if (host.TakePendingCall(header.CallId) is { } ended)
                {
                    host.DeliverEnd(ended, header, payload);
                }

                lanes.EndOutput(lane);
                return true;
            case FrameType.Error when lane.Outgoing:
                host.OnCallError(header, payload);
                lanes.EndOutput(lane);
                return true;
            default:
                host.ProtocolError(TetherErrorCode.ProtocolViolation, $"A {header.Type} frame does not belong on a call's stream.");
                return false;
        }
    }
}
