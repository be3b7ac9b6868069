using System.Buffers;
using Microsoft.Extensions.Logging;
using Tether.Framing;
using Tether.Observability;

namespace Tether.Connections;

/// <summary>
/// A session's incoming calls: checks each request or one-way message against the limits and the handler table,
/// dispatches it to the generated code, answers it when its handler did not, and counts what runs (the in-flight
/// limit, drain). Owns the slots (<see cref="IncomingCallSlots"/>) and the call objects (<see cref="IncomingCallTable"/>);
/// the session owns the link it writes to.
/// </summary>
internal sealed partial class IncomingCalls
{
    private readonly TetherConnection _connection;
    private readonly ConnectionSettings _settings;
    private readonly CallLanes _lanes;
    private readonly IncomingCallSlots _slots;
    private readonly IncomingCallTable _calls;
    private HandlerBinding[] _bindings = [];

    public IncomingCalls(TetherConnection connection, ConnectionSettings settings, CallLanes lanes)
    {
        _connection = connection;
        _settings = settings;
        _lanes = lanes;
        _slots = new IncomingCallSlots(settings.MaxInFlightCalls);
        _calls = new IncomingCallTable(settings.MaxInFlightCalls);
    }

    /// <summary>Calls being handled now.</summary>
    public int InFlight => _slots.Count;

    private ILogger Logger => _settings.Logger;

    private long Id => _connection.Id;

    private CallLogScope.Cache LogScopes => field ??= new CallLogScope.Cache(_connection.Id); // lazily: the connection numbers itself after creating this

    private FrameOutput Output => _connection.Output;

    private ConnectionCounters Counters => _connection.Counters;

    /// <summary>Binds the handler instances calls are dispatched to (once the session's peer is known).</summary>
    public void Bind(TetherPeer peer) => _bindings = _settings.Handlers.Bind(peer);

    /// <summary>Stops taking new calls (each is refused with <see cref="TetherErrorCode.GoingAway"/>); completes once the calls already running have finished.</summary>
    public Task DrainAsync() => _slots.DrainAsync();

    /// <summary>The session ended: running handlers are cancelled, and one-way messages waiting for a slot give up.</summary>
    public void Close()
    {
        _calls.CancelAll();
        _slots.WakeWaiters();
    }

    /// <summary>The caller cancelled call <paramref name="callId"/>.</summary>
    public void Cancel(uint callId) => _calls.Cancel(callId);

    /// <summary>A <see cref="FrameType.Credit"/> frame: the caller of stream call <paramref name="callId"/> can take more items (a call already over ignores it).</summary>
    public void OnCredit(uint callId, int items) => _calls.Grant(callId, items);

    /// <summary>An item of a call's input stream (dropped when the call is already over).</summary>
    public void OnInputItem(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        if (!_calls.DeliverInput(header, payload, _settings.DecodeOptions))
        {
            _connection.ProtocolError(TetherErrorCode.StreamWindowExceeded, $"Call {header.CallId}'s caller sent more input items than it was granted.");
        }
    }

    /// <summary>The caller ended call <paramref name="callId"/>'s input stream.</summary>
    public void OnInputEnd(uint callId) => _calls.EndInput(callId);

    /// <summary>Why a call's shape (a stream asked or not, an input stream or not) does not fit its method's kind.</summary>
    private static string DescribeShapeMismatch(in HandlerRoute route, bool stream, bool input) => route.Kind switch
    {
        MethodKind.ServerStreaming => $"Method {route.MethodId} is a server stream; call it as one.",
        MethodKind.ClientStreaming => $"Method {route.MethodId} takes a client stream; call it with one.",
        MethodKind.BidirectionalStreaming => $"Method {route.MethodId} is bidirectional; call it with an input stream and read its stream.",
        _ => stream || input ? $"Method {route.MethodId} is a {route.Kind} method, not a stream." : $"Method {route.MethodId} cannot be called this way.",
    };

    /// <summary>
    /// Dispatches a request or one-way message to the generated handler table. The payload is decoded before
    /// dispatch returns, so the pipe can advance past it at once. A handler that completes synchronously is
    /// answered here, in the same batch; otherwise its completion answers it later.
    /// </summary>
    /// <param name="header">The frame.</param>
    /// <param name="payload">Its payload.</param>
    /// <param name="expectsReply">A request, not a one-way message.</param>
    /// <param name="lane">The call's own stream, or null when it came on the link's.</param>
    public ValueTask OnIncomingCall(in FrameHeader header, in ReadOnlySequence<byte> payload, bool expectsReply, CallLane? lane = null)
    {
        bool stream = (header.Flags & FrameFlags.Stream) != 0;
        bool input = (header.Flags & FrameFlags.InputStream) != 0;
        if (expectsReply && header.CallId == 0)
        {
            _connection.ProtocolError(TetherErrorCode.ProtocolViolation, "A request must carry a call id.");
            return default;
        }

        // The frame's length is intact, so a bad headers block costs only this call, not the link.
        IncomingCallHeaders? headers = null;
        ReadOnlySequence<byte> body = payload;
        if ((header.Flags & FrameFlags.Headers) != 0
            && CallHeaderCodec.TryRead(payload, _settings.CallHeaderLimits, out headers, out body, out string? problem) is not TetherErrorCode.None and var invalid)
        {
            RefuseCall(header, expectsReply, invalid, problem!, lane);
            return default;
        }

        if (_slots.IsDraining)
        {
            RefuseCall(header, expectsReply, TetherErrorCode.GoingAway, "The server is shutting down and takes no new calls.", lane);
            return default;
        }

        if (_settings.Handlers.TryGetRoute(header, out HandlerRoute route) is not TetherErrorCode.None and var unroutable)
        {
            RefuseCall(header, expectsReply, unroutable, _settings.Handlers.Describe(unroutable, header), lane);
            return default;
        }

        // A stream call needs a stream method, and only it does; a request may call a one-way method (it is answered empty
        // once the handler ran: an acknowledged send) and a one-way message a unary one (its reply is dropped). An input
        // stream comes only with a request to a method that takes one.
        if (stream != (route.Kind is MethodKind.ServerStreaming or MethodKind.BidirectionalStreaming)
            || input != (route.Kind is MethodKind.ClientStreaming or MethodKind.BidirectionalStreaming)
            || (input && !expectsReply))
        {
            RefuseCall(header, expectsReply, TetherErrorCode.UnexpectedReply, DescribeShapeMismatch(route, stream, input), lane);
            return default;
        }

        if (input && body.Length != 0)
        {
            _connection.ProtocolError(TetherErrorCode.ProtocolViolation, "A request that opens an input stream carries no message; its items follow.");
            return default;
        }

        if (_settings.Security is { } security)
        {
            return Admit(security, header, body, expectsReply, stream, route, headers, lane);
        }

        return Continue(header, body, expectsReply, stream, route, headers, lane, default);
    }

    /// <summary>An admitted call: dispatched now, or (a one-way message while the session runs its maximum of calls) once a call finishes.</summary>
    private ValueTask Continue(in FrameHeader header, in ReadOnlySequence<byte> body, bool expectsReply, bool stream, HandlerRoute route, IncomingCallHeaders? headers, CallLane? lane, Security.CallLeases leases)
    {
        if (_slots.IsFull)
        {
            if (expectsReply)
            {
                leases.Dispose();
                RefuseCall(header, expectsReply, TetherErrorCode.InFlightCallsExceeded,
                    $"The session already runs {_settings.MaxInFlightCalls} calls.", lane);
                return default;
            }

            // One-way messages have no one to refuse to: stop reading until a call finishes (nothing is lost).
            return WaitForInFlightBelowLimitThenDispatchAsync(header, body.ToArray(), headers, route, leases);
        }

        Dispatch(header, body, expectsReply, stream, route, headers, lane, leases);
        return default;
    }

    private void RefuseCall(in FrameHeader header, bool expectsReply, TetherErrorCode code, string message, CallLane? lane = null, CallMetadata? trailers = null)
    {
        if (lane is not null)
        {
            try
            {
                lane.Output.WriteError(FrameType.Error, header.CallId, code, message, trailers);
            }
            catch (TetherException)
            {
            }

            _lanes.EndOutput(lane);
        }
        else if (expectsReply)
        {
            TryWriteCallError(header.CallId, code, message, trailers);
        }
        else
        {
            ConnectionLog.MessageDropped(Logger, Id, header.MessageId, code);
        }
    }

    private void TryWriteCallError(uint callId, TetherErrorCode code, string message, CallMetadata? trailers = null)
    {
        try
        {
            Output.WriteError(FrameType.Error, callId, code, message, trailers);
        }
        catch (TetherException)
        {
        }
    }

    private async ValueTask WaitForInFlightBelowLimitThenDispatchAsync(FrameHeader header, byte[] payload, IncomingCallHeaders? headers, HandlerRoute route, Security.CallLeases leases)
    {
        try
        {
            await _slots.WaitForRoomAsync(_connection.SessionStopToken).ConfigureAwait(false);
        }
        catch
        {
            leases.Dispose();
            throw;
        }

        Dispatch(header, new ReadOnlySequence<byte>(payload), expectsReply: false, stream: false, route, headers, lane: null, leases);
    }

    private void Dispatch(in FrameHeader header, in ReadOnlySequence<byte> payload, bool expectsReply, bool stream, HandlerRoute route, IncomingCallHeaders? headers, CallLane? lane, Security.CallLeases leases)
    {
        // Call streams have loops of their own: only the link's loop has a call object of its own (IncomingCallTable).
        bool onReceiveLoop = lane is null;
        IncomingCall call = _calls.Rent(onReceiveLoop);
        call.Leases = leases;

        _slots.Enter();
        Counters.CallStarted();
        bool input = (header.Flags & FrameFlags.InputStream) != 0;
        call.Start(_connection, header.CallId, route, expectsReply, stream, headers, lane, input);
        Sessions.Durable.DeliveryScope? previousScope = null;
        bool scoped = false;
        if (_connection.Durable is { } durable && lane is null)
        {
            // A durable session: the frame is tracked until handled, and what the handler sends its own session is
            // held and released with its completion (or answer). A call with a request stream is logged as a stream
            // (its start, not its items, which nobody keeps): a restart ends it with NotDelivered, as it ends a server
            // stream, instead of leaving its caller waiting for an answer the restarted server knows nothing of.
            call.DurableSequence = _connection.LastReceivedSequence;
            previousScope = Sessions.Durable.DeliveryScope.Current;
            Sessions.Durable.DeliveryScope.Current = durable.Adopt(call.DurableSequence, header.CallId, stream || input);
            scoped = true;
        }
        if (expectsReply && _connection.Metrics.TimesServerCalls) // a one-way message is traced, not timed (decision 0013)
        {
            call.StartedAt = _connection.Metrics.ServerCallStarted();
        }

        // The handler runs (its synchronous part, here) under the call's span and log scope; the receive loop gets its
        // own back after (the handler's continuations keep theirs).
        using IDisposable? logScope = LogScopes.Begin(Logger, _connection.Contract?.SessionId ?? Guid.Empty, call.Method?.FullName ?? "unknown");
        System.Diagnostics.Activity? loopActivity = null;
        if (TetherTracing.Server.HasListeners())
        {
            loopActivity = System.Diagnostics.Activity.Current;
            call.Trace = StartSpan(call, headers);
        }

        ValueTask completion;
        try
        {
            // A request stream is not one request a key could stand for (its items are not journaled): keys apply to unary calls.
            completion = headers?.IdempotencyKey is { } key && expectsReply && !stream && !call.HasInput && _settings.Idempotency is { } kept
                ? InvokeWithKey(kept, call, route, payload, key)
                : Invoke(call, route, payload);
        }
        catch (Exception e)
        {
            RestoreActivity(call, loopActivity);
            if (scoped)
            {
                Sessions.Durable.DeliveryScope.Current = previousScope;
            }

            Complete(call, e, onReceiveLoop);
            return;
        }

        RestoreActivity(call, loopActivity);
        if (scoped)
        {
            Sessions.Durable.DeliveryScope.Current = previousScope; // the handler's own context keeps its scope
        }
        if (completion.IsCompleted)
        {
            Complete(call, Observe(completion), onReceiveLoop);
            return;
        }

        if (expectsReply && header.CallId != 0)
        {
            _calls.Track(header.CallId, call); // so a cancel frame can find it
        }

        call.OnCompletion(completion);
    }

    /// <summary>Runs the call's filters and handler (the handler decodes its request before this returns).</summary>
    private ValueTask Invoke(IncomingCall call, HandlerRoute route, in ReadOnlySequence<byte> payload)
    {
        ICallFilter[]? filters = route.Filters;
        if (filters is { Length: > 0 })
        {
            return call.Filtered.Run(filters, _bindings[route.BindingIndex], route.MethodId, payload);
        }

        return _bindings[route.BindingIndex].TryDispatch(route.MethodId, payload, call, out ValueTask completion)
            ? completion
            : throw new TetherException(TetherErrorCode.UnknownMethod, $"No handler has a method with id {route.MethodId}.");
    }

    /// <summary>The handler of an asynchronous call finished (on whatever thread completed it).</summary>
    public void OnCallCompleted(IncomingCall call, Exception? error)
    {
        if (call.ExpectsReply)
        {
            _calls.Untrack(call.CallId);
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
        if (error is null)
        {
            try
            {
                call.WriteHeldAnswer(); // filters ran: the handler's answer waited for them
            }
            catch (TetherException e)
            {
                error = e; // e.g. a reply larger than the peer takes: answered as an error, as without filters
            }
        }

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

        if (call.DurableSequence != 0 && !call.ExpectsReply)
        {
            try
            {
                _connection.Durable!.CompleteMessage(call.DurableSequence); // with what the handler sent its session
            }
            catch (TetherException)
            {
                // The session is closing; the message stays unacknowledged and its client learns that.
            }
        }

        if (call.StartedAt != 0 || call.Trace is not null)
        {
            Observe(call, error);
        }

        if (call.Lane is { } lane)
        {
            _lanes.FinishCall(lane);
        }

        call.Reset();
        _calls.Return(call, onReceiveLoop);

        _slots.Exit();
    }

    private void ReportFailure(IncomingCall call, Exception error)
    {
        if (call.CanceledByPeer && error is OperationCanceledException)
        {
            return; // the caller already gave up; nothing to say
        }

        (TetherErrorCode code, string message) = Describe(call, error);

        if (error is not TetherException)
        {
            ConnectionLog.HandlerFailed(Logger, Id, call.MethodId, error);
        }

        if (call.ExpectsReply)
        {
            call.Fail(code, message);
        }
    }

    /// <summary>The code and text a failed call is answered with.</summary>
    private (TetherErrorCode Code, string Message) Describe(IncomingCall call, Exception error) => (Classify(call, error), error switch
    {
        TetherException t => t.Message,
        OperationCanceledException when call.DeadlinePassed => "The server stopped the handler at the caller's deadline.",
        OperationCanceledException => "The call was cancelled on the server.",
        _ => _settings.IncludeExceptionDetails
            ? $"{error.GetType().Name}: {error.Message}"
            : TetherErrors.Get(TetherErrorCode.HandlerFailed).DefaultMessage,
    });

    /// <summary>The code a failed call is answered (and measured) with.</summary>
    private static TetherErrorCode Classify(IncomingCall call, Exception error) => error switch
    {
        TetherException t => t.Code,
        OperationCanceledException when call.DeadlinePassed => TetherErrorCode.CallTimedOut,
        OperationCanceledException => TetherErrorCode.CallCanceled,
        _ => TetherErrorCode.HandlerFailed,
    };
}
