using System.Buffers;
using System.Buffers.Binary;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>Heartbeats (SPEC R4.3) and cumulative acknowledgements of sequenced frames (R4.5).</summary>
internal sealed partial class TetherConnection
{
    // Written by the receive loop only; read by the timer.
    private ulong _received;
    private ulong _ackedTo;
    private bool _sequencedIn;
    private bool _ackRequested;

    /// <summary>Last sequenced frame received in order (what this side would tell a resuming peer).</summary>
    public ulong LastReceivedSequence => Volatile.Read(ref _received);

    /// <summary>
    /// Sends a ping every heartbeat interval and declares the peer dead after the configured number of intervals
    /// without hearing anything from it (pongs, or any other frame: traffic is proof of life too).
    /// </summary>
    private void TickHeartbeat(Link link, long now)
    {
        TimeSpan interval = _settings.HeartbeatInterval;
        if (interval == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        long intervalTicks = ToTimestampTicks(interval);
        long silent = now - Volatile.Read(ref link.LastHeard);
        if (silent >= intervalTicks * _settings.HeartbeatMisses)
        {
            var dead = new TetherException(TetherErrorCode.PeerUnresponsive,
                $"Nothing was heard from the peer for {_settings.HeartbeatMisses} heartbeat intervals of {interval.TotalSeconds:0.###} s.");
            ConnectionLog.PeerUnresponsive(Logger, Id, _settings.HeartbeatMisses);
            if (!(Contract?.Resumable ?? false))
            {
                _closeReason ??= dead;
            }

            AbortLink(dead);
            return;
        }

        if (now - link.LastPingSent >= intervalTicks)
        {
            link.LastPingSent = now;
            Span<byte> stamp = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(stamp, now);
            TryWrite(FrameType.Ping, 0, 0, stamp);
        }
    }

    /// <summary>Counts a sequenced frame of the link, or refuses one out of order. False means the link broke the protocol (already handled).</summary>
    private bool AcceptSequence(in FrameHeader header) => AcceptSequence(header, ref _received, ref _ackRequested);

    /// <summary>Counts a sequenced frame against <paramref name="received"/> (the link's count, or a call stream's), or refuses one out of order.</summary>
    private bool AcceptSequence(in FrameHeader header, ref ulong received, ref bool ackRequested)
    {
        if (FrameParser.IsSequenced(header.Type, header.CallId))
        {
            ulong expected = received + 1;
            if (header.Sequence != (ushort)expected)
            {
                ProtocolError(TetherErrorCode.ProtocolViolation,
                    $"A {header.Type} frame carries sequence {header.Sequence} where {(ushort)expected} was due (a frame was lost or repeated).");
                return false;
            }

            Volatile.Write(ref received, expected);
            ackRequested |= (header.Flags & FrameFlags.AckRequested) != 0;
            return true;
        }

        if (header.Sequence != 0 || (header.Flags & FrameFlags.AckRequested) != 0)
        {
            ProtocolError(TetherErrorCode.ProtocolViolation, $"A {header.Type} frame is not sequenced but carries a sequence number or an acknowledgement request.");
            return false;
        }

        return true;
    }

    /// <summary>
    /// At the end of a receive batch: acknowledge when the peer asked (its replay buffer grew by an eighth of its
    /// bounds). Otherwise the timer acknowledges what arrived since its last tick: an acknowledgement per batch costs
    /// the peer a wake-up and this side a send, which a bulk one-way stream felt as a fifth of its throughput.
    /// </summary>
    private void MaybeAck()
    {
        if (_ackRequested)
        {
            _ackRequested = false;
            SendAck();
        }
    }

    private void SendAck()
    {
        ulong received = Volatile.Read(ref _received);
        Span<byte> payload = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(payload, received);
        try
        {
            Output.WriteControl(FrameType.Ack, 0, 0, payload);
            Volatile.Write(ref _ackedTo, received);
        }
        catch (TetherException)
        {
            // No link: the resume hello carries the same number.
        }
    }

    private void OnAck(in ReadOnlySequence<byte> payload)
    {
        if (payload.Length != 8)
        {
            ProtocolError(TetherErrorCode.ProtocolViolation, "An ack must carry 8 bytes.");
            return;
        }

        if (!Output.IsSequenced)
        {
            return; // a plain link ignores acks (wire format §6.2)
        }

        ulong acknowledged = ReadUInt64(payload);
        if (!Output.Acknowledge(acknowledged))
        {
            ProtocolError(TetherErrorCode.ProtocolViolation, $"The peer acknowledged frame {acknowledged}, which was never sent.");
        }
    }
}
