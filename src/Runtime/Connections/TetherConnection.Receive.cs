using System.Buffers;
using System.Buffers.Binary;
using Tether.Framing;

namespace Tether.Connections;

internal sealed partial class TetherConnection
{
    /// <summary>The link's side of the receive loop.</summary>
    private readonly struct LinkFrames(TetherConnection connection, Link link) : IFrameReceiver
    {
        public FrameOutput Output => connection.Output;

        public bool StopRequested => link.StopRequested;

        public CancellationToken StopToken => link.Stop.Token;

        public bool Sequenced => connection._sequencedIn;

        public int MaxFrameSize => connection._settings.MaxFrameSize;

        public bool HoldsInput => link.HandoverPending;

        public bool WaitsForOutput => connection._settings.IsServer;

        public bool OnFrame(in FrameHeader header, in ReadOnlySequence<byte> payload, out ValueTask wait)
        {
            connection.Counters.FrameReceived();
            wait = connection.HandleFrame(link, header, payload);
            return true; // a protocol error requests the stop, which ends the loop
        }

        public void OnInvalidHeader(FrameParseStatus status, in FrameHeader header) => connection.RejectHeader(status, header);

        public void OnInvalidPayload(TetherErrorCode code, string detail) => connection.ProtocolError(code, detail);

        public void OnPartialFrame(bool pending) => link.OnPartialFrame(pending, connection._settings.TimeProvider);

        public void OnBatchHandled()
        {
            connection.MaybeAck();
            link.KeepAlive.Heard(connection._settings.TimeProvider.GetTimestamp());
        }

        public void OnBatchStarting()
        {
            connection.Completions.Begin();
            connection.Metrics.BeginBatch();
        }

        public void OnBatchEnded()
        {
            connection.Metrics.BatchAnswered();
            connection.Completions.End();
        }

        public void OnBatchFlushed() => connection.Metrics.EndBatch();

        public void OnLoopEnded(ReceiveEnd end) => connection.OnLinkLoopEnded(link, end, error: null);

        public bool OnLoopFailed(Exception error)
        {
            connection.OnLinkLoopEnded(link, ReceiveEnd.Stopped, error);
            return true; // the link's end handles it; nobody awaits the loop's task
        }
    }

    private void RejectHeader(FrameParseStatus status, in FrameHeader header)
    {
        (TetherErrorCode code, string detail) = FrameReceiveLoop.DescribeInvalidHeader(status, header, _settings.MaxFrameSize);
        ProtocolError(code, detail);
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

        if (_lanes.IsRepeatOfMovedFrame(header))
        {
            return default; // already handled when it arrived on the call's own stream, before the link was lost
        }

        if (_durable is not null && _inbound.Received <= _durableSkipThrough && _sequencedIn && FrameParser.IsSequenced(header.Type, header.CallId))
        {
            return default; // sent again after a resume of a durable session: it had it already (not news to hooks either)
        }

        Hooks?.Received(Peer, header);
        if (_durable is { } durable && _sequencedIn && FrameParser.IsSequenced(header.Type, header.CallId))
        {
            if (header.Type is FrameType.Request or FrameType.Message && (header.Flags & FrameFlags.InputStream) == 0)
            {
                return OnDurableIncoming(durable, header, payload);
            }

            durable.OnOther(_inbound.Received);
        }

        switch (header.Type)
        {
            case FrameType.Request:
                return Incoming.OnIncomingCall(header, payload, expectsReply: true);
            case FrameType.Message:
                return Incoming.OnIncomingCall(header, payload, expectsReply: false);
            case FrameType.Response:
                if (_pending.TryRemove(header.CallId) is { } answered)
                {
                    DeliverResponse(answered, header, payload);
                }

                return default;
            case FrameType.StreamItem:
                return OnStreamItem(header, payload);
            case FrameType.End:
                if (_pending.TryRemove(header.CallId) is { } ended)
                {
                    DeliverEnd(ended, header, payload);
                }

                return default;
            case FrameType.Error:
                OnError(header, payload);
                return default;
            case FrameType.Cancel:
                Incoming.Cancel(header.CallId);
                return default;
            case FrameType.InputItem or FrameType.InputEnd or FrameType.Credit:
                OnIncomingStreamFrame(header, payload);
                return default;
            case FrameType.InputCredit:
                OnInputCredit(header);
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
                _lanes.OnMoved(header, payload);
                return default;
            case FrameType.Authenticate:
                return OnAuthenticateFrame(header, payload);
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
                _lanes.SendCancel(header.CallId);
                removed.Fail(e);
            }

            return default;
        }
    }

    /// <summary>Callee: credit for an incoming call's stream, one of its input items, or its input's end (decision 0026).</summary>
    private void OnIncomingStreamFrame(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        if (header.Type == FrameType.InputItem)
        {
            Incoming.OnInputItem(header, payload);
        }
        else if (payload.Length != 0 || (header.Type == FrameType.Credit && header.MessageId < 1))
        {
            ProtocolError(TetherErrorCode.ProtocolViolation, $"A {header.Type} frame carries no payload, and a credit grants at least one item.");
        }
        else if (header.Type == FrameType.Credit)
        {
            Incoming.OnCredit(header.CallId, header.MessageId);
        }
        else
        {
            Incoming.OnInputEnd(header.CallId);
        }
    }

    /// <summary>Caller: the callee can take more of a call's input items.</summary>
    private void OnInputCredit(in FrameHeader header)
    {
        if (header.PayloadLength != 0 || header.MessageId < 1)
        {
            ProtocolError(TetherErrorCode.ProtocolViolation, "An input-credit frame carries no payload and grants at least one item.");
            return;
        }

        _pending.Find(header.CallId)?.Input?.Credit.Grant(header.MessageId);
    }

    private void OnError(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        if (header.CallId == 0)
        {
            // The peer is about to close the session; say why when it does, and do not try to resume it.
            _closeReason ??= TetherErrors.FromPeer(header.MessageId, ControlPayload.ReadText(payload));
            Interlocked.Exchange(ref _sessionClosing, 1);
            return;
        }

        if (_pending.TryRemove(header.CallId) is not { } call)
        {
            return;
        }

        ReadOnlySequence<byte> text = payload;
        if (TakeTrailers(call, header, ref text, out CallMetadata? trailers))
        {
            string message = ControlPayload.ReadText(text);
            if ((TetherErrorCode)header.MessageId == TetherErrorCode.CallTimedOut)
            {
                call.OnRemoteError(new DeadlineExceededException(serverGaveUp: true, message));
                return;
            }

            call.OnRemoteError(TetherErrors.FromPeer(header.MessageId, message, RetryAfterOf(trailers)));
        }
    }

    /// <summary>A reply to <paramref name="call"/>: its trailing metadata (if any) first, then the reply itself.</summary>
    private void DeliverResponse(PendingCall call, in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        ReadOnlySequence<byte> body = payload;
        if (TakeTrailers(call, header, ref body))
        {
            call.OnResponse(header, body, _settings.DecodeOptions);
        }
    }

    /// <summary>The end of <paramref name="call"/>'s stream, after its trailing metadata (if any).</summary>
    private void DeliverEnd(PendingCall call, in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        ReadOnlySequence<byte> rest = payload;
        if (TakeTrailers(call, header, ref rest))
        {
            call.OnEnd();
        }
    }

    /// <summary>
    /// Moves an answer's trailing metadata into the caller's <see cref="CallOptions.ResponseTrailers"/> and leaves what
    /// follows it in <paramref name="payload"/>; false when the block is invalid (the call then fails with why).
    /// </summary>
    private bool TakeTrailers(PendingCall call, in FrameHeader header, ref ReadOnlySequence<byte> payload) =>
        TakeTrailers(call, header, ref payload, out _);

    private bool TakeTrailers(PendingCall call, in FrameHeader header, ref ReadOnlySequence<byte> payload, out CallMetadata? received)
    {
        received = null;
        if ((header.Flags & FrameFlags.Headers) == 0)
        {
            return true;
        }

        if (Framing.CallHeaderCodec.TryRead(payload, _settings.CallHeaderLimits, out Framing.IncomingCallHeaders? trailers, out ReadOnlySequence<byte> rest, out string? problem)
            is not TetherErrorCode.None and var invalid)
        {
            call.Fail(new TetherException(invalid, $"The answer's trailing metadata was refused: {problem}"));
            return false;
        }

        call.TrailersSink?.SetAll(trailers!.Metadata);
        received = trailers!.Metadata;
        payload = rest;
        return true;
    }

    /// <summary>The wait a rate-limit refusal asked for (<see cref="CallMetadata.RetryAfterKey"/>), or null.</summary>
    private static TimeSpan? RetryAfterOf(CallMetadata? trailers) =>
        trailers is not null && trailers.TryGetEntry(CallMetadata.RetryAfterKey, out CallMetadataEntry entry)
            && long.TryParse(entry.Text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long milliseconds)
            ? TimeSpan.FromMilliseconds(Math.Min(milliseconds, (long)TimeSpan.FromDays(1).TotalMilliseconds))
            : null;

    private void OnGoAway(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        PeerGoingAwaySignal.TrySetResult();
        var code = (TetherErrorCode)header.MessageId;
        if (code != TetherErrorCode.GoingAway)
        {
            _closeReason ??= TetherErrors.FromPeer(header.MessageId, ControlPayload.ReadText(payload));
        }

        // A goaway ends the session, not just the link: when the link closes, nothing resumes.
        Interlocked.Exchange(ref _sessionClosing, 1);

        // The peer's close waits (bounded) until what it sent is acknowledged, so that what arrived is not reported
        // to it as undelivered: acknowledge at the end of this batch, without waiting for the timer.
        if (_sequencedIn)
        {
            _inbound.RequestAck();
        }

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

    // What the call lanes ask of the session (ICallLaneHost): the same handling as frames on the link's stream.
    Link? ICallLaneHost.CurrentLink => _link;

    bool ICallLaneHost.SequencedIn => _sequencedIn;

    void ICallLaneHost.ProtocolError(TetherErrorCode code, string detail) => ProtocolError(code, detail);

    ValueTask ICallLaneHost.OnIncomingCall(in FrameHeader header, in ReadOnlySequence<byte> payload, CallLane lane) =>
        Incoming.OnIncomingCall(header, payload, expectsReply: true, lane);

    void ICallLaneHost.CancelIncomingCall(uint callId) => Incoming.Cancel(callId);

    PendingCall? ICallLaneHost.TakePendingCall(uint callId) => _pending.TryRemove(callId);

    ValueTask ICallLaneHost.OnStreamItem(in FrameHeader header, in ReadOnlySequence<byte> payload) => OnStreamItem(header, payload);

    void ICallLaneHost.OnCallError(in FrameHeader header, in ReadOnlySequence<byte> payload) => OnError(header, payload);

    void ICallLaneHost.DeliverResponse(PendingCall call, in FrameHeader header, in ReadOnlySequence<byte> payload) => DeliverResponse(call, header, payload);

    void ICallLaneHost.DeliverEnd(PendingCall call, in FrameHeader header, in ReadOnlySequence<byte> payload) => DeliverEnd(call, header, payload);

    void ICallLaneHost.SendLinkCancel(uint callId) => TryWrite(FrameType.Cancel, callId, 0, default);

    void ICallLaneHost.OnIncomingStreamFrame(in FrameHeader header, in ReadOnlySequence<byte> payload) => OnIncomingStreamFrame(header, payload);

    void ICallLaneHost.OnInputCredit(in FrameHeader header) => OnInputCredit(header);

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

}
