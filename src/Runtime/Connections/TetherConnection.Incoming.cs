using System.Buffers;
using Tether.Framing;

namespace Tether.Connections;

internal sealed partial class TetherConnection
{
    // The calls running now (count, waiters for a slot, drain); _callsLock guards the call objects: those a cancel frame
    // can reach, and the pool of idle ones.
    private readonly IncomingCallSlots _slots;
    private readonly Lock _callsLock = new();
    private readonly Dictionary<uint, IncomingCall> _active = [];
    private readonly Stack<IncomingCall> _idleCalls = new();
    private IncomingCall? _receiveLoopCall;

    /// <summary>Calls being handled now.</summary>
    public int InFlight => _slots.Count;

    private readonly TaskCompletionSource _peerGoingAway = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The peer sent a goaway: it takes no new calls.</summary>
    public bool PeerGoingAway => _peerGoingAway.Task.IsCompleted;

    /// <summary>Completes when the peer sends a goaway.</summary>
    public Task PeerGoingAwayTask => _peerGoingAway.Task;

    /// <summary>
    /// Dispatches a request or one-way message to the generated handler table. The payload is decoded before
    /// dispatch returns, so the pipe can advance past it at once. A handler that completes synchronously is
    /// answered here, in the same batch; otherwise its completion answers it later.
    /// </summary>
    /// <param name="header">The frame.</param>
    /// <param name="payload">Its payload.</param>
    /// <param name="expectsReply">A request, not a one-way message.</param>
    /// <param name="lane">The call's own stream, or null when it came on the link's.</param>
    private ValueTask OnIncomingCall(in FrameHeader header, in ReadOnlySequence<byte> payload, bool expectsReply, CallLane? lane = null)
    {
        bool stream = (header.Flags & FrameFlags.Stream) != 0;
        if (expectsReply && header.CallId == 0)
        {
            ProtocolError(TetherErrorCode.ProtocolViolation, "A request must carry a call id.");
            return default;
        }

        if (_slots.IsDraining)
        {
            RefuseCall(header, expectsReply, TetherErrorCode.GoingAway, "The server is shutting down and takes no new calls.", lane);
            return default;
        }

        if (_settings.Handlers.TryGetRoute(header, out HandlerRoute route) is not TetherErrorCode.None and var unroutable)
        {
            RefuseCall(header, expectsReply, unroutable, HandlerRegistry.Describe(unroutable, header), lane);
            return default;
        }

        // A stream call needs a stream method, and only it does; a request may call a one-way method (it is answered empty
        // once the handler ran: an acknowledged send) and a one-way message a unary one (its reply is dropped).
        if (stream != (route.Kind == MethodKind.ServerStreaming))
        {
            RefuseCall(header, expectsReply, TetherErrorCode.UnexpectedReply,
                stream ? $"Method {route.MethodId} is a {route.Kind} method, not a stream." : $"Method {route.MethodId} is a stream; call it as one.", lane);
            return default;
        }

        if (_slots.IsFull)
        {
            if (expectsReply)
            {
                RefuseCall(header, expectsReply, TetherErrorCode.InFlightCallsExceeded,
                    $"The session already runs {_settings.MaxInFlightCalls} calls.", lane);
                return default;
            }

            // One-way messages have no one to refuse to: stop reading until a call finishes (nothing is lost).
            return WaitForInFlightBelowLimitThenDispatchAsync(header, payload.ToArray());
        }

        Dispatch(header, payload, expectsReply, stream, route, lane);
        return default;
    }

    private void RefuseCall(in FrameHeader header, bool expectsReply, TetherErrorCode code, string message, CallLane? lane = null)
    {
        if (lane is not null)
        {
            try
            {
                lane.Output.WriteError(FrameType.Error, header.CallId, code, message);
            }
            catch (TetherException)
            {
            }

            _lanes.EndOutput(lane);
        }
        else if (expectsReply)
        {
            TryWriteCallError(header.CallId, code, message);
        }
        else
        {
            ConnectionLog.MessageDropped(Logger, Id, header.MessageId, code);
        }
    }

    private void TryWriteCallError(uint callId, TetherErrorCode code, string message)
    {
        try
        {
            Output.WriteError(FrameType.Error, callId, code, message);
        }
        catch (TetherException)
        {
        }
    }

    private async ValueTask WaitForInFlightBelowLimitThenDispatchAsync(FrameHeader header, byte[] payload)
    {
        await _slots.WaitForRoomAsync(_sessionStop.Token).ConfigureAwait(false);

        if (_settings.Handlers.TryGetRoute(header, out HandlerRoute route) == TetherErrorCode.None)
        {
            Dispatch(header, new ReadOnlySequence<byte>(payload), expectsReply: false, stream: false, route);
        }
    }

    private void Dispatch(in FrameHeader header, in ReadOnlySequence<byte> payload, bool expectsReply, bool stream, HandlerRoute route, CallLane? lane = null)
    {
        // The receive loop keeps one call object for itself: a handler that completes synchronously hands it back at
        // once, so the common path takes no lock. A call that goes asynchronous keeps its object until it completes.
        // Call streams have loops of their own, which share the pool instead.
        bool onReceiveLoop = lane is null;
        IncomingCall? call = onReceiveLoop ? _receiveLoopCall : null;
        if (onReceiveLoop)
        {
            _receiveLoopCall = null;
        }

        if (call is null)
        {
            lock (_callsLock)
            {
                call = _idleCalls.Count > 0 ? _idleCalls.Pop() : new IncomingCall();
            }
        }

        _slots.Enter();
        Counters.CallStarted();
        call.Start(this, header.CallId, route.MethodId, expectsReply, stream, lane);
        ValueTask completion;
        try
        {
            if (!_bindings[route.BindingIndex].TryDispatch(route.MethodId, payload, call, out completion))
            {
                throw new TetherException(TetherErrorCode.UnknownMethod, $"No handler has a method with id {route.MethodId}.");
            }
        }
        catch (Exception e)
        {
            Complete(call, e, onReceiveLoop);
            return;
        }

        if (completion.IsCompleted)
        {
            Complete(call, Observe(completion), onReceiveLoop);
            return;
        }

        if (expectsReply && header.CallId != 0)
        {
            lock (_callsLock)
            {
                _active[header.CallId] = call; // so a cancel frame can find it
            }
        }

        call.OnCompletion(completion);
    }

    /// <summary>The handler of an asynchronous call finished (on whatever thread completed it).</summary>
    internal void OnCallCompleted(IncomingCall call, Exception? error)
    {
        if (call.ExpectsReply)
        {
            lock (_callsLock)
            {
                _active.Remove(call.CallId);
            }
        }

        Complete(call, error, onReceiveLoop: false);
    }

    internal static Exception? Observe(ValueTask completed)
    {
        try
        {
            completed.GetAwaiter().GetResult();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>Answers the call if its handler did not (empty reply, end of stream, or a typed error) and returns it to the pool.</summary>
    private void Complete(IncomingCall call, Exception? error, bool onReceiveLoop)
    {
        try
        {
            if (error is null)
            {
                if (call.IsStream)
                {
                    call.CompleteStream();
                }
                else
                {
                    call.CompleteEmpty();
                }
            }
            else
            {
                Counters.CallFailed();
                ReportFailure(call, error);
            }
        }
        catch (TetherException)
        {
            // The connection closed while answering; the caller learns that from the closed connection.
        }

        if (call.Lane is { } lane)
        {
            _lanes.FinishCall(lane);
        }

        call.Reset();
        if (onReceiveLoop)
        {
            _receiveLoopCall = call;
        }
        else
        {
            lock (_callsLock)
            {
                if (_idleCalls.Count < _settings.MaxInFlightCalls)
                {
                    _idleCalls.Push(call);
                }
            }
        }

        _slots.Exit();
    }

    private void ReportFailure(IncomingCall call, Exception error)
    {
        if (call.CanceledByPeer && error is OperationCanceledException)
        {
            return; // the caller already gave up; nothing to say
        }

        (TetherErrorCode code, string message) = error switch
        {
            TetherException t => (t.Code, t.Message),
            OperationCanceledException => (TetherErrorCode.CallCanceled, "The call was cancelled on the server."),
            _ => (TetherErrorCode.HandlerFailed, _settings.IncludeExceptionDetails
                ? $"{error.GetType().Name}: {error.Message}"
                : TetherErrors.Get(TetherErrorCode.HandlerFailed).DefaultMessage),
        };

        if (error is not TetherException)
        {
            ConnectionLog.HandlerFailed(Logger, Id, call.MethodId, error);
        }

        if (call.ExpectsReply)
        {
            call.Fail(code, message);
        }
    }

    // Cancellation happens under the lock so a call cannot finish and be reused for another call in between;
    // the handlers' callbacks run on the thread pool (CancelAsync), never under our lock.
    private void CancelActiveCall(uint callId)
    {
        lock (_callsLock)
        {
            if (_active.TryGetValue(callId, out IncomingCall? call))
            {
                call.Cancel(byPeer: true);
            }
        }
    }

    private void CancelActiveCalls()
    {
        lock (_callsLock)
        {
            foreach (IncomingCall call in _active.Values)
            {
                call.Cancel(byPeer: false);
            }
        }
    }

}
