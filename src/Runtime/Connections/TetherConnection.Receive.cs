using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Tether.Framing;

namespace Tether.Connections;

internal sealed partial class TetherConnection
{
    /// <summary>
    /// Reads frames until the peer closes or a stop is requested. All frames already received are handled in one
    /// synchronous batch (replies written meanwhile leave in one flush); the loop only awaits to read, when the
    /// output is backpressured, when one-way messages hit the in-flight limit, or when a stream consumer is behind.
    /// </summary>
    private async Task ReceiveLoopAsync(Link link)
    {
        PipeReader input = link.Transport.Input;
        int maxFrame = _settings.MaxFrameSize;
        while (!link.StopRequested)
        {
            if (!input.TryRead(out ReadResult result))
            {
                result = await input.ReadAsync().ConfigureAwait(false);
            }

            ReadOnlySequence<byte> buffer = result.Buffer;
            SequencePosition consumed = buffer.Start;
            SequencePosition examined = buffer.End;
            ValueTask wait = default;
            Output.BeginBatch();
            try
            {
                while (!link.StopRequested)
                {
                    ReadOnlySequence<byte> remaining = buffer.Slice(consumed);
                    FrameParseStatus status = FrameParser.TryRead(remaining, maxFrame, _sequencedIn, ref consumed, ref examined, out FrameHeader header, out ReadOnlySequence<byte> payload);
                    if (status == FrameParseStatus.NeedMoreData)
                    {
                        // A frame has started but not finished: the frame timeout runs from here.
                        if (remaining.IsEmpty)
                        {
                            Volatile.Write(ref link.PartialFrameSince, -1);
                        }
                        else if (Volatile.Read(ref link.PartialFrameSince) < 0)
                        {
                            Volatile.Write(ref link.PartialFrameSince, _settings.TimeProvider.GetTimestamp());
                        }

                        break;
                    }

                    if (status != FrameParseStatus.Complete)
                    {
                        RejectHeader(status, header, maxFrame);
                        break;
                    }

                    Volatile.Write(ref link.PartialFrameSince, -1);
                    Counters.FrameReceived();
                    wait = HandleFrame(link, header, payload);
                    if (!wait.IsCompletedSuccessfully || link.HandoverPending)
                    {
                        break; // the frame is handled; resume after it once the wait is over
                    }
                }

                MaybeAck();
            }
            finally
            {
                Output.EndBatch();
            }

            link.KeepAlive.Heard(_settings.TimeProvider.GetTimestamp());

            // After a resume hello nothing past it has been looked at: the session that takes the link over reads on from there.
            input.AdvanceTo(consumed, link.HandoverPending ? consumed : examined);
            if (!wait.IsCompletedSuccessfully)
            {
                await wait.ConfigureAwait(false);
            }

            if (link.Handover is not null)
            {
                return;
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                if (result.IsCompleted && !buffer.Slice(consumed).IsEmpty)
                {
                    link.Failure ??= new TetherException(TetherErrorCode.ConnectionClosed, "The peer closed the connection in the middle of a frame.");
                }

                break;
            }

            // Backpressure: while our replies cannot leave, reading more requests would only queue more replies.
            if (_settings.IsServer && Output.IsBlocked)
            {
                await Output.WaitForSpaceAsync(includeReplay: false, link.Stop.Token).ConfigureAwait(false);
            }
        }
    }

    private void RejectHeader(FrameParseStatus status, in FrameHeader header, int maxFrame)
    {
        if (status == FrameParseStatus.FrameTooLarge)
        {
            ProtocolError(TetherErrorCode.FrameTooLarge, $"A frame header claims {(uint)header.PayloadLength:N0} bytes; the limit is {maxFrame:N0}.");
        }
        else
        {
            ProtocolError(TetherErrorCode.ProtocolViolation, $"Invalid frame header (type 0x{(byte)header.Type:X2}, flags 0x{(byte)header.Flags:X2}).");
        }
    }

    private ValueTask HandleFrame(Link link, in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        if (!link.Negotiated)
        {
            return OnHandshakeFrame(link, header, payload);
        }

        if (_sequencedIn && !AcceptSequence(header, _inbound))
        {
            return default;
        }

        if (link.UnconfirmedToken is { } token && header.Type == FrameType.Ack)
        {
            // The client acknowledges right after taking the new token from the server's hello. Any other frame may have
            // been written before that hello arrived (queued while the link was down): forgetting the old token on it
            // rejected the next resume when this link was cut before the hello reached the client.
            ConfirmResume(link, token);
        }

        if (IsRepeatOfMovedFrame(header))
        {
            return default; // already handled when it arrived on the call's own stream, before the link was lost
        }

        switch (header.Type)
        {
            case FrameType.Request:
                return OnIncomingCall(header, payload, expectsReply: true);
            case FrameType.Message:
                return OnIncomingCall(header, payload, expectsReply: false);
            case FrameType.Response:
                _pending.TryRemove(header.CallId)?.OnResponse(header, payload, _settings.DecodeOptions);
                return default;
            case FrameType.StreamItem:
                return OnStreamItem(header, payload);
            case FrameType.End:
                _pending.TryRemove(header.CallId)?.OnEnd();
                return default;
            case FrameType.Error:
                OnError(header, payload);
                return default;
            case FrameType.Cancel:
                CancelActiveCall(header.CallId);
                return default;
            case FrameType.Ping:
                OnPing(payload);
                return default;
            case FrameType.Pong:
                OnPong(payload);
                return default;
            case FrameType.Ack:
                OnAck(payload);
                return default;
            case FrameType.GoAway:
                OnGoAway(header, payload);
                return default;
            case FrameType.Moved:
                OnMoved(header, payload);
                return default;
            default:
                ProtocolError(TetherErrorCode.ProtocolViolation, $"Unexpected {header.Type} frame after the handshake.");
                return default;
        }
    }

    private ValueTask OnStreamItem(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        if (_pending.Find(header.CallId) is not { } call)
        {
            return default; // the caller gave up on this stream
        }

        try
        {
            return call.OnStreamItem(header, payload, _settings.DecodeOptions);
        }
        catch (Exception e) when (e is TetherException)
        {
            if (_pending.TryRemove(header.CallId) is { } removed)
            {
                SendCancel(header.CallId);
                removed.Fail(e);
            }

            return default;
        }
    }

    private void OnError(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        var error = new TetherException((TetherErrorCode)header.MessageId, ReadText(payload));
        if (header.CallId == 0)
        {
            // The peer is about to close the session; say why when it does, and do not try to resume it.
            _closeReason ??= error;
            Interlocked.Exchange(ref _sessionClosing, 1);
            return;
        }

        _pending.TryRemove(header.CallId)?.OnRemoteError(error);
    }

    private void OnGoAway(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        _peerGoingAway.TrySetResult();
        var code = (TetherErrorCode)header.MessageId;
        if (code != TetherErrorCode.GoingAway)
        {
            _closeReason ??= new TetherException(code, ReadText(payload));
        }

        // A goaway ends the session, not just the link: when the link closes, nothing resumes.
        Interlocked.Exchange(ref _sessionClosing, 1);

        ConnectionLog.PeerGoingAway(Logger, Id, code);
    }

    private void OnPing(in ReadOnlySequence<byte> payload)
    {
        Span<byte> echo = stackalloc byte[8];
        if (payload.Length != 8)
        {
            ProtocolError(TetherErrorCode.ProtocolViolation, "A ping must carry 8 bytes.");
            return;
        }

        payload.CopyTo(echo);
        TryWrite(FrameType.Pong, 0, 0, echo);
    }

    private static string ReadText(in ReadOnlySequence<byte> payload)
    {
        if (payload.Length > ProtocolConstants.MaxErrorTextBytes)
        {
            return "(error text too long)";
        }

        return System.Text.EncodingExtensions.GetString(System.Text.Encoding.UTF8, payload);
    }

    private void TrySendCancel(uint callId) => TryWrite(FrameType.Cancel, callId, 0, default);

    private void TryWrite(FrameType type, uint callId, int code, ReadOnlySpan<byte> payload)
    {
        try
        {
            Output.WriteControl(type, callId, code, payload);
        }
        catch (TetherException)
        {
            // The connection is closing; there is no one left to tell.
        }
    }

    private static ulong ReadUInt64(in ReadOnlySequence<byte> payload)
    {
        Span<byte> bytes = stackalloc byte[8];
        payload.Slice(0, 8).CopyTo(bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }
}
