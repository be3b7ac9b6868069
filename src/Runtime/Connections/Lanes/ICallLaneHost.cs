using System.Buffers;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// What <see cref="CallLanes"/> needs of the session that owns them (<see cref="TetherConnection"/>): its current link
/// and output, and the handling every call frame gets whichever stream it came on.
/// </summary>
internal interface ICallLaneHost
{
    /// <summary>The link now carrying the session, or null between links.</summary>
    Link? CurrentLink { get; }

    /// <summary>The session's state.</summary>
    SessionState State { get; }

    /// <summary>The output of the link's own stream (lanes take its peer frame size and sequencing; moved calls continue there).</summary>
    FrameOutput Output { get; }

    /// <summary>Whether received frames carry sequence numbers.</summary>
    bool SequencedIn { get; }

    /// <summary>The session's counters.</summary>
    ConnectionCounters Counters { get; }

    /// <summary>Limits for decoding replies.</summary>
    DecodeOptions DecodeOptions { get; }

    /// <summary>The peer broke the protocol: the session ends.</summary>
    void ProtocolError(TetherErrorCode code, string detail);

    /// <summary>An application frame arrived on a call's stream (for the message-received hook).</summary>
    void NotifyReceived(in FrameHeader header);

    /// <summary>A request arrived on <paramref name="lane"/>: dispatch it as any incoming call.</summary>
    ValueTask OnIncomingCall(in FrameHeader header, in ReadOnlySequence<byte> payload, CallLane lane);

    /// <summary>The caller cancelled incoming call <paramref name="callId"/>.</summary>
    void CancelIncomingCall(uint callId);

    /// <summary>Removes and returns the pending outgoing call <paramref name="callId"/>, if it is still pending.</summary>
    PendingCall? TakePendingCall(uint callId);

    /// <summary>An item of the outgoing stream call the header names.</summary>
    ValueTask OnStreamItem(in FrameHeader header, in ReadOnlySequence<byte> payload);

    /// <summary>A reply to <paramref name="call"/> (already removed from the pending calls): trailing metadata, then the reply.</summary>
    void DeliverResponse(PendingCall call, in FrameHeader header, in ReadOnlySequence<byte> payload);

    /// <summary>The end of <paramref name="call"/>'s stream (already removed from the pending calls), after its trailing metadata.</summary>
    void DeliverEnd(PendingCall call, in FrameHeader header, in ReadOnlySequence<byte> payload);

    /// <summary>An error frame answering an outgoing call.</summary>
    void OnCallError(in FrameHeader header, in ReadOnlySequence<byte> payload);

    /// <summary>Sends a cancel for <paramref name="callId"/> on the link's stream (the call has no stream of its own).</summary>
    void SendLinkCancel(uint callId);

    /// <summary>Callee: a stream-flow frame of an incoming call (credit for its stream, an input item, the input's end).</summary>
    void OnIncomingStreamFrame(in FrameHeader header, in ReadOnlySequence<byte> payload);

    /// <summary>Caller: the callee can take more of the call's input items.</summary>
    void OnInputCredit(in FrameHeader header);
}
