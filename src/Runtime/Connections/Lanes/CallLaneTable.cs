using Tether.Transport;

namespace Tether.Connections;

/// <summary>How a caller's call finds a stream in the <see cref="CallLaneTable"/>.</summary>
internal enum LaneReuse
{
    /// <summary>No idle lane of the current link: open a stream.</summary>
    None,

    /// <summary>An idle lane now carries the call.</summary>
    Reused,

    /// <summary>The call's id is still the record of an idle lane (a recycled slot): the call goes on the link's stream.</summary>
    IdStillKept,
}

/// <summary>
/// The session's QUIC call lanes (wire format §8.1): each lane under the calls it is a record of (a caller's lane also under
/// its previous call until the current one is answered), the callers' idle lanes of the current link, and the
/// bookkeeping of moves across a lost link. One rule: a (call id, direction) names at most one lane, and an idle lane is
/// reused only on the link it was opened on. Every member takes the table's lock and nothing else under it (a leaf in
/// the lock order of <c>docs/architecture.md</c>); callers do the lanes' I/O after it returns.
/// </summary>
internal sealed class CallLaneTable(int maxIdleLanes)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(uint CallId, bool Outgoing), CallLane> _lanes = [];
    private readonly Stack<CallLane> _idle = new();
    private int _linkLosses;
    private bool _movesToAnnounce;
    private int _movedFramesToDrop; // lanes whose moved frames the peer still repeats (written under the lock)

    /// <summary>Records, lanes counted once per key (a lane may be under two calls).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _lanes.Count;
            }
        }
    }

    /// <summary>Idle lanes waiting for a caller's next call.</summary>
    public int IdleCount
    {
        get
        {
            lock (_lock)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>Caller: an idle lane of <paramref name="link"/> for call <paramref name="callId"/>, if one is left and the id is free.</summary>
    public LaneReuse TryReuse(uint callId, TransportConnection? link, out CallLane? lane)
    {
        lane = null;
        lock (_lock)
        {
            if (_lanes.ContainsKey((callId, true)))
            {
                // The id (a recycled slot, generations later) is still the record of an idle lane whose callee may move
                // that old call's answer after a link loss; keyed twice, the answer could not be told from this call's.
                return LaneReuse.IdStillKept;
            }

            while (_idle.TryPop(out CallLane? idle))
            {
                if (idle.LoopEnded || idle.OutputEnded || idle.LinkTransport != link)
                {
                    continue; // its stream ended while it waited (its loop retired it), or its link did
                }

                // The previous call stays a key until this one is answered: the callee may still keep its answer.
                idle.PreviousCallId = idle.CallId;
                idle.CallId = callId;
                _lanes[(callId, true)] = idle;
                lane = idle;
                return LaneReuse.Reused;
            }

            return LaneReuse.None;
        }
    }

    /// <summary>Records <paramref name="lane"/> under its call.</summary>
    public void Add(CallLane lane)
    {
        lock (_lock)
        {
            _lanes[(lane.CallId, lane.Outgoing)] = lane;
        }
    }

    /// <summary>Callee: the lane's next request names call <paramref name="callId"/>; the lane's record moves to it.</summary>
    public void Rekey(CallLane lane, uint callId)
    {
        lock (_lock)
        {
            RemoveKeyLocked(lane.CallId, lane);
            lane.CallId = callId;
            _lanes[(callId, lane.Outgoing)] = lane;
        }
    }

    /// <summary>The lane recorded under (<paramref name="callId"/>, <paramref name="outgoing"/>), if any.</summary>
    public CallLane? Find(uint callId, bool outgoing)
    {
        lock (_lock)
        {
            return _lanes.GetValueOrDefault((callId, outgoing));
        }
    }

    /// <summary>
    /// Caller: the call on <paramref name="lane"/> was answered. Its previous call's record goes; the lane waits for the next
    /// call when <paramref name="linkUsable"/>, it is still whole and fewer than the maximum wait. False: end the lane.
    /// </summary>
    public bool TryKeepIdle(CallLane lane, bool linkUsable)
    {
        lock (_lock)
        {
            // The callee had this call's request, so it dropped the previous call's answer: that key is done.
            RemoveKeyLocked(lane.PreviousCallId, lane);
            lane.PreviousCallId = 0;
            if (!linkUsable || lane.OutputEnded || lane.LoopEnded || _idle.Count >= maxIdleLanes)
            {
                return false;
            }

            _idle.Push(lane); // keyed by its call still: the callee keeps the answer until the next request
            return true;
        }
    }

    /// <summary>Both directions of <paramref name="lane"/> ended: its records go.</summary>
    public void Retire(CallLane lane)
    {
        lock (_lock)
        {
            RemoveKeyLocked(lane.CallId, lane);
            RemoveKeyLocked(lane.PreviousCallId, lane);
        }
    }

    /// <summary>
    /// The link was lost: no idle lane is reused any more, and the lanes are returned for the caller to detach (resumable:
    /// their records stay until the moves after the resume) or close (not resumable: the records go).
    /// </summary>
    public List<CallLane> LinkLost(bool resumable, bool linkHadStreams)
    {
        lock (_lock)
        {
            _idle.Clear();
            _linkLosses++;
            _movesToAnnounce |= linkHadStreams;
            List<CallLane> lanes = [.. _lanes.Values.Distinct()];
            if (!resumable)
            {
                _lanes.Clear();
            }

            return lanes;
        }
    }

    /// <summary>After a resume: the lanes to move to the link's stream, and how many link losses the session has had.</summary>
    public List<CallLane> LanesToMove(out int linkLosses)
    {
        lock (_lock)
        {
            linkLosses = _linkLosses;
            return [.. _lanes.Values.Distinct()];
        }
    }

    /// <summary>Whether this side must tell the peer its moves are complete (once after a link that had call streams).</summary>
    public bool TakeMovesToAnnounce()
    {
        lock (_lock)
        {
            bool announce = _movesToAnnounce;
            _movesToAnnounce = false;
            return announce;
        }
    }

    /// <summary>The peer's moves are complete: records of calls moved before the latest link loss, with nothing left to drop, go.</summary>
    public void ForgetCompletedMoves()
    {
        lock (_lock)
        {
            foreach (var (key, lane) in _lanes)
            {
                if (lane.MovedAtLoss >= 0 && lane.MovedAtLoss < _linkLosses && lane.Skip == 0)
                {
                    _lanes.Remove(key);
                }
            }
        }
    }

    /// <summary>The peer moved <paramref name="lane"/>'s call: the first <paramref name="skip"/> of its frames on the link's stream repeat ones this side had.</summary>
    public void SetSkip(CallLane lane, ulong skip)
    {
        lock (_lock)
        {
            if ((lane.Skip == 0) != (skip == 0))
            {
                _movedFramesToDrop += skip == 0 ? -1 : 1;
            }

            lane.Skip = skip;
        }
    }

    /// <summary>Whether a frame of call <paramref name="callId"/> on the link's stream repeats one that arrived on the call's own stream (and counts it dropped).</summary>
    public bool TryDropRepeat(uint callId, bool receiversCall)
    {
        if (Volatile.Read(ref _movedFramesToDrop) == 0)
        {
            return false; // the common case, also after resumes: no lock
        }

        lock (_lock)
        {
            if (!_lanes.TryGetValue((callId, receiversCall), out CallLane? lane) || lane.Skip == 0)
            {
                return false;
            }

            if (--lane.Skip == 0)
            {
                _movedFramesToDrop--;
            }

            return true;
        }
    }

    /// <summary>The session ended: every lane is returned (to close) and the table is empty.</summary>
    public List<CallLane> Clear()
    {
        lock (_lock)
        {
            List<CallLane> lanes = [.. _lanes.Values.Distinct()];
            _lanes.Clear();
            _idle.Clear();
            return lanes;
        }
    }

    // Removes the lane's record under callId, if it is still this lane's.
    private void RemoveKeyLocked(uint callId, CallLane lane)
    {
        if (callId != 0 && _lanes.TryGetValue((callId, lane.Outgoing), out CallLane? current) && current == lane)
        {
            _lanes.Remove((callId, lane.Outgoing));
        }
    }
}
