using System.IO.Pipelines;
using System.Net;
using Tether.Connections;
using Tether.Runtime.Tests.Support;
using Tether.Transport;

namespace Tether.Runtime.Tests.Connections;

/// <summary>The QUIC lane table on its own: records per call, idle lanes per link, and the bookkeeping of moves.</summary>
public sealed class CallLaneTableTests
{
    private readonly PipeLink _link = new();

    [Fact]
    public void An_answered_callers_lane_carries_its_next_call_and_keeps_the_previous_id_until_then()
    {
        var table = new CallLaneTable(maxIdleLanes: 4);
        CallLane lane = Lane(callId: 7);
        table.Add(lane);

        Assert.True(table.TryKeepIdle(lane, linkUsable: true));
        Assert.Equal(LaneReuse.Reused, table.TryReuse(8, _link, out CallLane? reused));

        Assert.Same(lane, reused);
        Assert.Equal(8u, lane.CallId);
        Assert.Equal(7u, lane.PreviousCallId);
        Assert.Same(lane, table.Find(7, outgoing: true)); // the callee may still move call 7's answer
        Assert.Same(lane, table.Find(8, outgoing: true));

        Assert.True(table.TryKeepIdle(lane, linkUsable: true)); // call 8 answered: 7's record goes
        Assert.Null(table.Find(7, outgoing: true));
        Assert.Equal(0u, lane.PreviousCallId);
    }

    [Fact]
    public void A_call_whose_id_is_still_an_idle_lanes_record_goes_on_the_link()
    {
        var table = new CallLaneTable(maxIdleLanes: 4);
        CallLane lane = Lane(callId: 7);
        table.Add(lane);
        Assert.True(table.TryKeepIdle(lane, linkUsable: true));

        Assert.Equal(LaneReuse.IdStillKept, table.TryReuse(7, _link, out CallLane? reused));
        Assert.Null(reused);
    }

    [Fact]
    public void Idle_lanes_are_bounded_and_reused_only_on_their_own_link()
    {
        var table = new CallLaneTable(maxIdleLanes: 2);
        CallLane[] lanes = [Lane(1), Lane(2), Lane(3)];
        foreach (CallLane lane in lanes)
        {
            table.Add(lane);
        }

        Assert.True(table.TryKeepIdle(lanes[0], linkUsable: true));
        Assert.True(table.TryKeepIdle(lanes[1], linkUsable: true));
        Assert.False(table.TryKeepIdle(lanes[2], linkUsable: true)); // past the bound: the caller ends it
        Assert.Equal(2, table.IdleCount);

        Assert.Equal(LaneReuse.None, table.TryReuse(10, new PipeLink(), out _)); // another link's lanes are skipped
        Assert.Equal(0, table.IdleCount);
    }

    [Fact]
    public void A_lost_link_leaves_no_idle_lane_and_keeps_records_only_when_the_session_resumes()
    {
        var table = new CallLaneTable(maxIdleLanes: 4);
        CallLane lane = Lane(5);
        table.Add(lane);
        Assert.True(table.TryKeepIdle(lane, linkUsable: true));

        Assert.Equal([lane], table.LinkLost(resumable: true, linkHadStreams: true));
        Assert.Equal(0, table.IdleCount);
        Assert.Same(lane, table.Find(5, outgoing: true));
        Assert.True(table.TakeMovesToAnnounce());
        Assert.False(table.TakeMovesToAnnounce());

        Assert.Equal([lane], table.LinkLost(resumable: false, linkHadStreams: false));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Repeated_frames_of_a_moved_call_are_dropped_as_many_times_as_announced()
    {
        var table = new CallLaneTable(maxIdleLanes: 4);
        CallLane lane = Lane(9, outgoing: false);
        table.Add(lane);

        Assert.False(table.TryDropRepeat(9, receiversCall: false)); // nothing announced: no lookup at all
        table.SetSkip(lane, 2);
        Assert.True(table.TryDropRepeat(9, receiversCall: false));
        Assert.True(table.TryDropRepeat(9, receiversCall: false));
        Assert.False(table.TryDropRepeat(9, receiversCall: false));
        Assert.False(table.TryDropRepeat(9, receiversCall: true)); // the other direction's call 9 is another call
    }

    [Fact]
    public void Completed_moves_forget_the_calls_moved_before_the_latest_loss()
    {
        var table = new CallLaneTable(maxIdleLanes: 4);
        CallLane before = Lane(1);
        CallLane pending = Lane(2);
        table.Add(before);
        table.Add(pending);
        table.LinkLost(resumable: true, linkHadStreams: true);
        List<CallLane> moved = table.LanesToMove(out int losses);
        Assert.Equal(2, moved.Count);
        before.MovedAtLoss = losses - 1;
        pending.MovedAtLoss = losses - 1;
        table.SetSkip(pending, 1); // the peer still repeats one of its frames
        table.LinkLost(resumable: true, linkHadStreams: false);

        table.ForgetCompletedMoves();

        Assert.Null(table.Find(1, outgoing: true));
        Assert.Same(pending, table.Find(2, outgoing: true));
    }

    [Fact]
    public void A_retired_lane_loses_both_records_and_a_rekeyed_one_moves()
    {
        var table = new CallLaneTable(maxIdleLanes: 4);
        CallLane callee = Lane(0, outgoing: false);
        table.Rekey(callee, 11);
        Assert.Same(callee, table.Find(11, outgoing: false));
        table.Rekey(callee, 12);
        Assert.Null(table.Find(11, outgoing: false));

        table.Retire(callee);
        Assert.Equal(0, table.Count);
        Assert.Empty(table.Clear());
    }

    private CallLane Lane(uint callId, bool outgoing = true) =>
        new(new FakeStream(), _link, outgoing, callId, peerMaxFrameSize: 1 << 20, sendQueueLimit: 1 << 20);

    private sealed class FakeStream : TransportSubstream
    {
        private readonly Pipe _in = new(), _out = new();

        public override long Id => 0;

        public override PipeReader Input => _in.Reader;

        public override PipeWriter Output => _out.Writer;

        public override void Abort()
        {
        }
    }
}
