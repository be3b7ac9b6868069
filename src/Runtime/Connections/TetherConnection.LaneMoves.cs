using System.Buffers;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// Call streams across a lost link: each keeps what it holds; after the resume the calls they carried continue on the
/// link's stream (wire format §8.1, "Sessions with call streams"), and the receiver drops the frames it already had.
/// </summary>
internal sealed partial class TetherConnection
{
    /// <summary>The link was lost on a resumable session: every call stream keeps what it holds until the resume moves it.</summary>
    private void DetachLanes(bool resumable, bool linkHadStreams)
    {
        foreach (CallLane lane in _laneTable.LinkLost(resumable, linkHadStreams))
        {
            lock (lane.Gate)
            {
                lane.Detached = true;
            }

            if (resumable)
            {
                lane.Output.Detach();
            }
            else
            {
                lane.Output.Close();
                lane.Output.DisposeReplay();
            }
        }
    }

    /// <summary>
    /// After a resume (the link's own frames already replayed): each call that was on a stream of its own continues on
    /// the link's stream, its kept frames first; then a marker that this side's moves are complete.
    /// </summary>
    private void MoveLanesToLink()
    {
        List<CallLane> lanes = _laneTable.LanesToMove(out int loss);
        try
        {
            foreach (CallLane lane in lanes)
            {
                if (lane.MovedAtLoss < 0)
                {
                    lane.MovedAtLoss = loss;
                    lane.Output.FoldInto(Output, lane.CallId, senderIsCaller: lane.Outgoing);
                }
            }

            if (_laneTable.TakeMovesToAnnounce())
            {
                // Only after a link that had call streams: the peer may hold records of them until it hears this.
                Output.WriteControl(FrameType.Moved, 0, 0, stackalloc byte[8]);
            }
        }
        catch (TetherException)
        {
            // The new link failed already: the frames are kept in the session's replay buffer for the next one.
        }
    }

    /// <summary>
    /// A <see cref="FrameType.Moved"/> marker on the link's stream: the peer's frames of a call continue here, starting
    /// with its frame number <c>first</c>; the ones this side already had are dropped. Call id 0: the peer's moves are
    /// complete, so records of calls moved before this side's latest link loss are no longer needed.
    /// </summary>
    private void OnMoved(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        if (payload.Length != 8 || header.MessageId is not (0 or 1))
        {
            ProtocolError(TetherErrorCode.ProtocolViolation, "A moved marker must carry 8 bytes and say whose call it is.");
            return;
        }

        if (header.CallId == 0)
        {
            _laneTable.ForgetCompletedMoves();
            return;
        }

        ulong first = ReadUInt64(payload);
        bool receiversCall = header.MessageId == 1; // the peer says: this is your call
        CallLane? moved = _laneTable.Find(header.CallId, receiversCall);
        if (moved is null)
        {
            return; // nothing of it arrived on its stream: every frame that follows is new
        }

        ulong received;
        lock (moved.Gate)
        {
            received = moved.Inbound.Received;
        }

        if (first == 0 || first > received + 1)
        {
            ProtocolError(TetherErrorCode.ProtocolViolation, $"Call {header.CallId} moved from frame {first}, but only {received} of its frames arrived.");
            return;
        }

        _laneTable.SetSkip(moved, received + 1 - first);
    }

    /// <summary>Whether a call frame on the link's stream repeats one that already arrived on the call's own stream before a resume.</summary>
    private bool IsRepeatOfMovedFrame(in FrameHeader header)
    {
        bool receiversCall = header.Type is FrameType.Response or FrameType.StreamItem or FrameType.End or FrameType.Error;
        return header.CallId != 0 && _laneTable.TryDropRepeat(header.CallId, receiversCall);
    }
}
