using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// Where a receiver stands in one sequenced stream of frames (a resumable session's link, or one of its QUIC call
/// streams; wire format §7.3): the last number received in order, the last one acknowledged, and whether the sender
/// asked for an acknowledgement. One rule: a sequenced frame must carry the low 16 bits of the next number, and an
/// unsequenced frame none. <see cref="Accept"/> runs on the stream's receive loop only; the timer reads
/// <see cref="Received"/> (volatile) to acknowledge.
/// </summary>
internal sealed class InboundSequence
{
    private ulong _received;
    private ulong _acknowledged;
    private bool _ackRequested;
    private ulong _seenAtLastTick; // the timer's own: what had arrived when it last looked

    /// <summary>The last sequenced frame received in order (what a resuming peer is told).</summary>
    public ulong Received => Volatile.Read(ref _received);

    /// <summary>Whether frames arrived since the last acknowledgement this side sent.</summary>
    public bool HasUnacknowledged => Volatile.Read(ref _received) != Volatile.Read(ref _acknowledged);

    /// <summary>Counts <paramref name="header"/>, or says why it breaks the sequence (null when it is accepted).</summary>
    public string? Accept(in FrameHeader header)
    {
        if (FrameParser.IsSequenced(header.Type, header.CallId))
        {
            ulong expected = _received + 1;
            if (header.Sequence != (ushort)expected)
            {
                return $"A {header.Type} frame carries sequence {header.Sequence} where {(ushort)expected} was due (a frame was lost or repeated).";
            }

            Volatile.Write(ref _received, expected);
            _ackRequested |= (header.Flags & FrameFlags.AckRequested) != 0;
            return null;
        }

        return header.Sequence != 0 || (header.Flags & FrameFlags.AckRequested) != 0
            ? $"A {header.Type} frame is not sequenced but carries a sequence number or an acknowledgement request."
            : null;
    }

    /// <summary>A session rebuilt from the durable journal: everything up to <paramref name="received"/> was handled (and acknowledged).</summary>
    public void Restore(ulong received)
    {
        Volatile.Write(ref _received, received);
        Volatile.Write(ref _acknowledged, received);
    }

    /// <summary>
    /// A durable session resuming: counts again from <paramref name="handled"/>, what it tells the peer it has, so the
    /// peer sends again what was received but not yet handled (and kept it: it was never acknowledged).
    /// </summary>
    public void Rewind(ulong handled)
    {
        Volatile.Write(ref _received, handled);
        Volatile.Write(ref _acknowledged, handled);
    }

    /// <summary>
    /// Called by the timer each tick: whether to acknowledge now, alone. Frames that arrived since the last tick get one
    /// tick to ride with frames this side sends (a call's answer, the next request); what the last tick already found
    /// unacknowledged and still is (nothing was sent since) is due, and so are <paramref name="atOnce"/> frames or more.
    /// </summary>
    public bool AckDueAtTick(ulong atOnce)
    {
        ulong received = Received;
        ulong acknowledged = Volatile.Read(ref _acknowledged);
        bool due = received != acknowledged && (received - acknowledged >= atOnce || acknowledged < _seenAtLastTick);
        _seenAtLastTick = received;
        return due;
    }

    /// <summary>
    /// Asks for an acknowledgement at the end of the current receive batch, as a frame with the flag does (receive loop
    /// only): the peer sent a goaway, and its close waits for what arrived to be acknowledged.
    /// </summary>
    public void RequestAck() => _ackRequested = true;

    /// <summary>Whether the sender asked for an acknowledgement since the last call; clears the request.</summary>
    public bool TakeAckRequest()
    {
        bool requested = _ackRequested;
        _ackRequested = false;
        return requested;
    }

    /// <summary>An acknowledgement up to <paramref name="received"/> was sent.</summary>
    public void Acknowledged(ulong received) => Volatile.Write(ref _acknowledged, received);
}
