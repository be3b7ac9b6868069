using System.Buffers;
using Tether.Framing;
using Tether.Transport;

namespace Tether.Connections;

/// <summary>
/// Calls on streams of their own (QUIC; wire format §8.1): the caller opens a stream per call, the callee accepts it.
/// Each stream has its own receive loop (<see cref="LaneFrames"/>), output and flow control, so a call whose consumer
/// is behind, or whose packet was lost, holds up no other. Owns the lanes' table and their lives: opened, kept idle
/// for the next call, ended, retired, and across a lost link moved to the link's stream.
/// </summary>
internal sealed class CallLanes
{
    // Kept per call stream on a resumable session: small chunks, since most calls keep one or two small frames.
    private const int LaneReplayChunkSize = 1024;

    // Lanes kept open for later calls once their call was answered: enough for the callers a connection usually has at
    // once, few enough that a burst of thousands of calls does not keep thousands of streams (and their loops) open.
    private const int MaxIdleLanes = 64;

    // Made when the first lane needs it: a session over TCP, or an idle one, never has a lane and holds no table.
    private CallLaneTable? _table;
    private readonly ICallLaneHost _host;
    private readonly ConnectionSettings _settings;

    public CallLanes(ICallLaneHost host, ConnectionSettings settings)
    {
        _host = host;
        _settings = settings;
    }

    internal ICallLaneHost Host => _host;

    internal ConnectionSettings Settings => _settings;

    /// <summary>Whether the lane table was made: a session whose links never carried call streams has none.</summary>
    internal bool HasTable => Volatile.Read(ref _table) is not null;

    internal CallLaneTable Table => _table ?? LazyInitializer.EnsureInitialized(ref _table, static () => new CallLaneTable(MaxIdleLanes));

    /// <summary>Caller: a stream of its own for call <paramref name="callId"/>, or null to use the link's (no streams, none free, no link).</summary>
    public FrameOutput? TryOpen(uint callId)
    {
        Link? current = _host.CurrentLink;
        if (Volatile.Read(ref _table) is null && current is not { Transport.SupportsStreams: true })
        {
            return null; // TCP (or no link) and never a lane: no table to make, nothing to reuse, no lock per call
        }

        switch (Table.TryReuse(callId, current?.Transport, out CallLane? idle))
        {
            case LaneReuse.Reused:
                return idle!.Output;
            case LaneReuse.IdStillKept:
                return null;
        }

        if (current is not { Negotiated: true } link || !link.Transport.SupportsStreams || _host.State != SessionState.Active
            || link.Transport.TryOpenStream() is not { } stream)
        {
            return null;
        }

        CallLane lane = Create(link, stream, outgoing: true, callId);
        Table.Add(lane);
        _ = RunAsync(link, lane);
        return lane.Output;
    }

    private CallLane Create(Link link, TransportSubstream stream, bool outgoing, uint callId)
    {
        FrameOutput linkOutput = _host.Output;
        var lane = new CallLane(stream, link.Transport, outgoing, callId, linkOutput.PeerMaxFrameSize, _settings.SendQueueLimit);
        lane.Output.Committed = linkOutput.Committed; // the message hook, when one is set
        lane.Output.Compression = linkOutput.Compression;
        if (linkOutput.IsSequenced)
        {
            lane.Output.EnableSequencing(_settings.MemoryPool, _settings.ReplayBufferBytes, _settings.ReplayBufferFrames, LaneReplayChunkSize);
        }

        return lane;
    }

    /// <summary>Callee: takes the streams the peer opens for its calls until the link ends.</summary>
    public void StartAccepting(Link link)
    {
        if (link.Transport.SupportsStreams)
        {
            _ = AcceptAsync(link);
        }
    }

    private async Task AcceptAsync(Link link)
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

                _ = RunAsync(link, Create(link, stream, outgoing: false, callId: 0));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One call stream's receive loop; when the peer ends its direction, this side ends its own once no call needs it.</summary>
    private async Task RunAsync(Link link, CallLane lane)
    {
        ReceiveEnd end;
        try
        {
            end = await FrameReceiveLoop.RunAsync(lane.Stream.Input, new LaneFrames(this, link, lane)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The stream failed with the link (or was reset): a resumable session moves the call to the next link.
            end = ReceiveEnd.Stopped;
        }

        lane.LoopEnded = true;
        if (end == ReceiveEnd.CompletedMidFrame)
        {
            _host.ProtocolError(TetherErrorCode.ProtocolViolation, "A call's stream ended in the middle of a frame.");
        }
        else if (end == ReceiveEnd.Completed)
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
                EndOutput(lane);
            }
            else
            {
                TryRetire(lane);
            }
        }
    }

    /// <summary>
    /// Caller: the call on <paramref name="lane"/> was answered, so the callee has every frame this side sent on it. The
    /// lane waits for this side's next call (or ends, when it is not kept).
    /// </summary>
    internal void KeepForNextCall(CallLane lane)
    {
        lane.Output.AcknowledgeAllSent();
        bool linkUsable = _host.CurrentLink is { StopRequested: false } link && link.Transport == lane.LinkTransport && _host.State == SessionState.Active;
        if (!Table.TryKeepIdle(lane, linkUsable))
        {
            EndOutput(lane);
        }
    }

    /// <summary>Callee: a call on <paramref name="lane"/> finished; the lane ends once the caller ended its direction and no call is left.</summary>
    public void FinishCall(CallLane lane)
    {
        bool end;
        lock (lane.Gate)
        {
            end = --lane.ActiveCalls == 0 && lane.InputEnded;
        }

        if (end)
        {
            EndOutput(lane);
        }
    }

    /// <summary>This side is done with the call on <paramref name="lane"/>: its direction ends (FIN).</summary>
    public void EndOutput(CallLane lane)
    {
        if (lane.Outgoing)
        {
            // The call is over for its caller: nothing it sent is worth sending again (a cancel that a lost link swallowed
            // only lets a finished handler finish).
            lane.Output.DisposeReplay();
        }

        lane.EndOutput();
        TryRetire(lane);
    }

    /// <summary>Both directions ended: the call's stream is finished and its record goes.</summary>
    private void TryRetire(CallLane lane)
    {
        if (!lane.InputEnded || !lane.OutputEnded)
        {
            return;
        }

        Table.Retire(lane);
        lane.Output.DisposeReplay();
        lane.Stream.Input.Complete();
    }

    /// <summary>Tells the callee this side gave up on call <paramref name="callId"/>, on the call's stream when it has one (which then ends).</summary>
    public void SendCancel(uint callId)
    {
        CallLane? lane = _table?.Find(callId, outgoing: true);
        if (lane is null)
        {
            _host.SendLinkCancel(callId);
            return;
        }

        TryWriteOn(lane.Output, FrameType.Cancel, callId, default);
        EndOutput(lane);
    }

    /// <summary>The session ended: every call stream stops and returns what it kept.</summary>
    public void Close()
    {
        foreach (CallLane lane in _table?.Clear() ?? [])
        {
            lane.Output.Close();
            lane.Output.DisposeReplay();
        }
    }

    /// <summary>The link was lost: on a resumable session every call stream keeps what it holds until the resume moves it.</summary>
    public void Detach(bool resumable, bool linkHadStreams)
    {
        if (Volatile.Read(ref _table) is null && !linkHadStreams)
        {
            return; // never a lane and none to announce: a TCP session stays without a table (and its lock per call)
        }

        foreach (CallLane lane in Table.LinkLost(resumable, linkHadStreams))
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
    /// the link's stream (wire format §8.1, "Sessions with call streams"), its kept frames first; then a marker that
    /// this side's moves are complete.
    /// </summary>
    public void MoveToLink()
    {
        if (Volatile.Read(ref _table) is null)
        {
            return; // no lane ever, and no link with call streams was lost (Detach makes the table for that)
        }

        FrameOutput linkOutput = _host.Output;
        List<CallLane> lanes = Table.LanesToMove(out int loss);
        try
        {
            foreach (CallLane lane in lanes)
            {
                if (lane.MovedAtLoss < 0)
                {
                    lane.MovedAtLoss = loss;
                    lane.Output.FoldInto(linkOutput, lane.CallId, senderIsCaller: lane.Outgoing);
                }
            }

            if (Table.TakeMovesToAnnounce())
            {
                // Only after a link that had call streams: the peer may hold records of them until it hears this.
                linkOutput.WriteControl(FrameType.Moved, 0, 0, stackalloc byte[8]);
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
    public void OnMoved(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        if (payload.Length != 8 || header.MessageId is not (0 or 1))
        {
            _host.ProtocolError(TetherErrorCode.ProtocolViolation, "A moved marker must carry 8 bytes and say whose call it is.");
            return;
        }

        if (header.CallId == 0)
        {
            Table.ForgetCompletedMoves();
            return;
        }

        ulong first = ControlPayload.ReadUInt64(payload);
        bool receiversCall = header.MessageId == 1; // the peer says: this is your call
        CallLane? moved = Table.Find(header.CallId, receiversCall);
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
            _host.ProtocolError(TetherErrorCode.ProtocolViolation, $"Call {header.CallId} moved from frame {first}, but only {received} of its frames arrived.");
            return;
        }

        Table.SetSkip(moved, received + 1 - first);
    }

    /// <summary>Whether a call frame on the link's stream repeats one that already arrived on the call's own stream before a resume.</summary>
    public bool IsRepeatOfMovedFrame(in FrameHeader header)
    {
        bool receiversCall = header.Type is FrameType.Response or FrameType.StreamItem or FrameType.End or FrameType.Error;
        return header.CallId != 0 && _table is { } table && table.TryDropRepeat(header.CallId, receiversCall);
    }

    /// <summary>Writes a control frame on a call's stream, unless it (or the link) is already closing: then there is no one left to tell.</summary>
    internal static void TryWriteOn(FrameOutput output, FrameType type, uint callId, ReadOnlySpan<byte> payload)
    {
        try
        {
            output.WriteControl(type, callId, 0, payload);
        }
        catch (TetherException)
        {
        }
    }
}
