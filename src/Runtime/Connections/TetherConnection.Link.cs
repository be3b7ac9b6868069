using Tether.Transport;

namespace Tether.Connections;

internal sealed partial class TetherConnection
{
    private Link? _link;

    // The last link begun. _link is cleared as soon as a link starts ending; this one stays, so waiting for a link's
    // end also covers one that is still deciding what follows (Resuming or closed).
    private Link? _latestLink;
    private string _lastTransportName = "";
    private System.Net.EndPoint? _lastRemoteEndPoint;
    private long _bytesSentBefore;
    private long _bytesReceivedBefore;
    private long _resumingSince;

    /// <summary>
    /// Raised when a link failed without the session ending (no goaway, no local close): with <c>true</c> when the
    /// session is now <see cref="SessionState.Resuming"/>, with <c>false</c> when it could not resume and closed.
    /// The owner reconnects (client) or starts the resume window (server).
    /// </summary>
    public event Action<TetherConnection, Exception, bool>? LinkLost;

    /// <summary>Completes when the latest link (if any) has ended and the session has decided what follows.</summary>
    public Task WaitForLinkEndAsync() => Volatile.Read(ref _latestLink)?.Ended.Task ?? Task.CompletedTask;

    private Link BeginLink(TransportConnection transport)
    {
        long now = _settings.TimeProvider.GetTimestamp();
        var link = new Link(transport, now + ToTimestampTicks(_settings.HandshakeTimeout),
            new KeepAlive(_settings.HeartbeatInterval, _settings.HeartbeatMisses, _settings.TimeProvider.TimestampFrequency, now));
        _link = link;
        Volatile.Write(ref _latestLink, link);
        return link;
    }

    /// <summary>
    /// Reads the link's frames until the peer closes or a stop is requested (<see cref="FrameReceiveLoop"/>), then ends the
    /// link. The loop tells its receiver how it ended (<see cref="OnLinkLoopEnded"/>) instead of being awaited: an idle
    /// link holds only the loop's own suspended state, not a second method waiting for it.
    /// </summary>
    private void RunLink(Link link) => _ = FrameReceiveLoop.RunAsync(link.Transport.Input, new LinkFrames(this, link));

    private void OnLinkLoopEnded(Link link, ReceiveEnd end, Exception? error)
    {
        if (end == ReceiveEnd.CompletedMidFrame)
        {
            link.Failure ??= new TetherException(TetherErrorCode.ConnectionClosed, "The peer closed the connection in the middle of a frame.");
        }

        _ = EndLinkAsync(link, error); // its failures stay in its task, as they did in the method that awaited it
    }

    /// <summary>Fails the current link (a dead peer, or a test cutting it); a resumable session then resumes.</summary>
    public void AbortLink(Exception reason)
    {
        if (_link is { } link)
        {
            link.Failure ??= reason;
            link.RequestStop();
            link.Transport.Abort(reason);
        }
    }

    /// <summary>After a link's receive loop stopped: hand its transport over, or release it and decide whether the session resumes or ends.</summary>
    private async Task EndLinkAsync(Link link, Exception? error)
    {
        Interlocked.CompareExchange(ref _link, null, link);
        if (link.Handover is { } handover)
        {
            // A resume hello for another session: its transport continues there. This engine never became a session.
            link.Ready.TrySetException(new TetherException(TetherErrorCode.ConnectionClosed, "The link moved to a resumed session."));
            _closeReason ??= new TetherException(TetherErrorCode.ConnectionClosed, "The link moved to a resumed session.");
            handover(link.Transport);
            await FinishAsync().ConfigureAwait(false);
            link.Ended.TrySetResult();
            return;
        }

        _lastTransportName = link.Transport.TransportName;
        _lastRemoteEndPoint = link.Transport.RemoteEndPoint;
        Exception failure = link.Failure ?? error ?? new TetherException(TetherErrorCode.ConnectionClosed, "The link was lost.");
        bool resumable = Contract is { Resumable: true } && !SessionClosing && State is SessionState.Active or SessionState.Negotiating && _handshake.IsCompletedSuccessfully;
        if (resumable)
        {
            Output.Detach();
        }
        else
        {
            Output.Close();
        }

        _lanes.Detach(resumable, link.Transport.SupportsStreams);

        try
        {
            if (!SessionClosing)
            {
                // The link failed: what is still queued for it can never arrive (a resumable session replays it on the
                // next link). Abort rather than let a graceful close wait out its timeout before the session moves on.
                link.Transport.Abort(failure);
            }

            await link.Transport.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            ConnectionLog.TransportCloseFailed(Logger, Id, e);
        }

        Interlocked.Add(ref _bytesSentBefore, link.Transport.BytesSent);
        Interlocked.Add(ref _bytesReceivedBefore, link.Transport.BytesReceived);
        var linkError = failure as TetherException ?? new TetherException(TetherErrorCode.ConnectionClosed, failure.Message, failure);
        bool linkFailed = !SessionClosing;
        if (resumable && Machine.TryMoveTo(SessionState.Resuming, failure.Message))
        {
            _resumingSince = _settings.TimeProvider.GetTimestamp();
            ConnectionLog.LinkLost(Logger, Id, failure.Message);
            link.Ready.TrySetException(linkError);
            link.Ended.TrySetResult();
            RaiseLinkLost(failure, resuming: true);
            return;
        }

        if (linkFailed)
        {
            _closeReason ??= failure;
        }

        await FinishAsync().ConfigureAwait(false);
        link.Ready.TrySetException(_closeReason as TetherException ?? linkError);
        link.Ended.TrySetResult();
        if (linkFailed && _handshake.IsCompletedSuccessfully)
        {
            RaiseLinkLost(failure, resuming: false);
        }
    }

    private void RaiseLinkLost(Exception failure, bool resuming)
    {
        try
        {
            LinkLost?.Invoke(this, failure, resuming);
        }
        catch (Exception e)
        {
            ConnectionLog.SessionEventFailedForConnection(Logger, Id, e);
        }
    }

    /// <summary>The timer's work for the current link: handshake and frame timeouts, heartbeats, acknowledgements.</summary>
    private void TickLink(Link link, long now)
    {
        if (!link.Negotiated)
        {
            // Once the session is ending (a hello that never came already got its goaway), the link is on its way
            // out: a later tick must not abort it and cut off that goaway before it is delivered.
            if (now >= link.HandshakeDeadline && !SessionClosing)
            {
                if (_handshake.IsCompleted)
                {
                    // A resume attempt that got no answer: only this link fails; the session stays resumable.
                    AbortLink(new TetherException(TetherErrorCode.FrameTimeout, "The resume hello was not answered in time."));
                }
                else
                {
                    ProtocolError(TetherErrorCode.FrameTimeout, "The hello did not arrive within the handshake timeout.");
                }
            }

            return;
        }

        long partial = link.PartialFrameSince;
        if (partial >= 0 && now - partial >= ToTimestampTicks(_settings.FrameTimeout))
        {
            ProtocolError(TetherErrorCode.FrameTimeout, $"A frame did not arrive completely within {_settings.FrameTimeout.TotalSeconds:0.#} s.");
            return;
        }

        TickHeartbeat(link, now);
        if (_settings.IsServer)
        {
            CheckCredentialsExpiry(now);
        }
        else
        {
            MaybeRefreshCredentials(now);
        }

        if (_sequencedIn)
        {
            if (!Output.AcknowledgesWithFlushes)
            {
                // A negotiated link (after a resume, the client's first ack, which confirms its new token, went first).
                Output.AcknowledgeWithFlushes(_inbound, link.Transport);
            }

            // Without riding (a durable session acknowledges what its journal holds), every tick acknowledges, as before.
            if (_inbound.AckDueAtTick(Output.AcknowledgesWithFlushes ? FramesAcknowledgedAtOnce : 1))
            {
                SendAck(); // nothing left since these frames arrived (or many did): the acknowledgement goes alone
            }
        }
    }
}
