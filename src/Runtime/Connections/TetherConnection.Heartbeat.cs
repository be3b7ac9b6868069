using System.Buffers;
using System.Buffers.Binary;
using Tether.Framing;

namespace Tether.Connections;

/// <summary>Heartbeats (SPEC R4.3) and cumulative acknowledgements of sequenced frames (R4.5).</summary>
internal sealed partial class TetherConnection
{
    // The link's numbering (its call streams have their own, CallLane.Inbound); counted by the receive loop, read by the timer.
    private readonly InboundSequence _inbound = new();
    private bool _sequencedIn;

    // A busy link that sends nothing back (a one-way stream's receiver) frees its peer's replay buffer every tick.
    private const ulong FramesAcknowledgedAtOnce = 64;

    /// <summary>Last sequenced frame received in order (what this side would tell a resuming peer).</summary>
    public ulong LastReceivedSequence => _inbound.Received;

    /// <summary>
    /// Sends a ping every heartbeat interval and declares the peer dead after the configured number of intervals
    /// without hearing anything from it (pongs, or any other frame: traffic is proof of life too).
    /// </summary>
    private void TickHeartbeat(Link link, long now)
    {
        KeepAliveAction action = link.KeepAlive.Tick(now);
        if (action == KeepAliveAction.PeerDead)
        {
            var dead = new TetherException(TetherErrorCode.PeerUnresponsive,
                $"Nothing was heard from the peer for {_settings.HeartbeatMisses} heartbeat intervals of {_settings.HeartbeatInterval.TotalSeconds:0.###} s.");
            ConnectionLog.PeerUnresponsive(Logger, Id, _settings.HeartbeatMisses);
            Hooks?.HeartbeatTimedOut(Peer, dead);
            if (!(Contract?.Resumable ?? false))
            {
                _closeReason ??= dead;
            }

            AbortLink(dead);
            return;
        }

        if (action == KeepAliveAction.SendPing)
        {
            Span<byte> stamp = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(stamp, now);
            TryWrite(FrameType.Ping, 0, 0, stamp);
        }
    }

    /// <summary>Counts a frame against <paramref name="inbound"/> (the link's numbering, or a call stream's), or refuses one out of order. False means it broke the protocol (already handled).</summary>
    private bool AcceptSequence(in FrameHeader header, InboundSequence inbound)
    {
        if (inbound.Accept(header) is { } problem)
        {
            ProtocolError(TetherErrorCode.ProtocolViolation, problem);
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
        if (_inbound.TakeAckRequest())
        {
            SendAck();
        }
    }

    private void SendAck()
    {
        ulong received = _inbound.Received;
        try
        {
            // A durable session acknowledges only what it has handled and logged (its client then may forget it).
            ulong acknowledged = Output.WriteAcknowledgement(received);
            if (acknowledged == received)
            {
                _inbound.Acknowledged(received);
            }
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

        ulong acknowledged = ControlPayload.ReadUInt64(payload);
        if (!Output.Acknowledge(acknowledged))
        {
            ProtocolError(TetherErrorCode.ProtocolViolation, $"The peer acknowledged frame {acknowledged}, which was never sent.");
        }
    }
}
