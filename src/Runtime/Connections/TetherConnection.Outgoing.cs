using System.Buffers.Binary;
using Tether.Framing;
using Tether.Observability;

namespace Tether.Connections;

internal sealed partial class TetherConnection
{
    private TaskCompletionSource<TimeSpan>? _ping;

    /// <summary>
    /// Sends a request to method <paramref name="methodId"/> (0: by message type, the receiver routes it) and returns its
    /// pending reply. Allocates nothing when the caller's token cannot be cancelled.
    /// </summary>
    /// <param name="methodId">The method, or 0 to call by message type.</param>
    /// <param name="request">The request.</param>
    /// <param name="timeout">When the caller gives up.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <param name="sendDeadline">The timeout was chosen for this call, so it travels as its deadline (a default timeout travels only when the settings say so).</param>
    /// <param name="observed">The call's timing and span while observed (completed with the call), else default.</param>
    public ValueTask<TResponse> RequestAsync<TRequest, TResponse>(int methodId, in TRequest request, TimeSpan timeout, CancellationToken cancellationToken, bool sendDeadline = false, in ClientCallScope observed = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
        => RequestAsync<TRequest, TResponse>(methodId, in request, CallPlan.Simple(timeout, sendDeadline || _settings.SendDefaultDeadline, cancellationToken).Observed(observed));

    /// <summary>Sends a request with per-call options (deadline, metadata, trailers, propagation).</summary>
    public ValueTask<TResponse> RequestAsync<TRequest, TResponse>(int methodId, in TRequest request, in CallOptions options, in ClientCallScope observed = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
        => TryPlan(options, out CallPlan plan, out Exception? refused)
            ? RequestAsync<TRequest, TResponse>(methodId, in request, plan.Observed(observed))
            : ValueTask.FromException<TResponse>(observed.Completed(refused));

    private ValueTask<TResponse> RequestAsync<TRequest, TResponse>(int methodId, in TRequest request, in CallPlan plan)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ThrowIfCannotCall(plan);
        UnaryCall<TResponse> call = UnaryCall<TResponse>.Rent();
        ValueTask<TResponse> task = call.Task;
        Exception? error = Start(call, methodId, in request, plan);
        plan.Scope.Leave(); // the request is out: the caller's own activity is current again
        return error is null ? task : ValueTask.FromException<TResponse>(plan.Scope.Completed(error));
    }

    /// <summary>Sends a request whose reply carries nothing the caller needs (methods returning no result).</summary>
    public ValueTask RequestEmptyAsync<TRequest>(int methodId, in TRequest request, TimeSpan timeout, CancellationToken cancellationToken, bool sendDeadline = false, in ClientCallScope observed = default)
        where TRequest : IMessage<TRequest>
        => RequestEmptyAsync(methodId, in request, CallPlan.Simple(timeout, sendDeadline || _settings.SendDefaultDeadline, cancellationToken).Observed(observed));

    /// <summary>Sends a request with per-call options whose reply carries nothing the caller needs.</summary>
    public ValueTask RequestEmptyAsync<TRequest>(int methodId, in TRequest request, in CallOptions options, in ClientCallScope observed = default)
        where TRequest : IMessage<TRequest>
        => TryPlan(options, out CallPlan plan, out Exception? refused)
            ? RequestEmptyAsync(methodId, in request, plan.Observed(observed))
            : ValueTask.FromException(observed.Completed(refused));

    private ValueTask RequestEmptyAsync<TRequest>(int methodId, in TRequest request, in CallPlan plan)
        where TRequest : IMessage<TRequest>
    {
        ThrowIfCannotCall(plan);
        EmptyCall call = EmptyCall.Rent();
        ValueTask task = call.Task;
        Exception? error = Start(call, methodId, in request, plan);
        plan.Scope.Leave(); // the request is out: the caller's own activity is current again
        return error is null ? task : ValueTask.FromException(plan.Scope.Completed(error));
    }

    private bool TryPlan(in CallOptions options, out CallPlan plan, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out Exception? refused)
    {
        try
        {
            plan = CallPlan.From(options, _settings.DefaultCallTimeout, _settings.SendDefaultDeadline, _settings.TimeProvider);
            refused = null;
            return true;
        }
        catch (DeadlineExceededException e)
        {
            plan = default;
            refused = e;
            return false;
        }
    }

    /// <summary>Registers the call, then sends its request; returns why it could not start (the call is then recycled).</summary>
    private Exception? Start<TRequest, TCall, TResult>(PooledCall<TCall, TResult> call, int methodId, in TRequest request, in CallPlan plan)
        where TRequest : IMessage<TRequest>
        where TCall : PooledCall<TCall, TResult>, new()
    {
        if (!Register(call, plan))
        {
            call.Recycle();
            return PendingTableFull();
        }

        // Registered before the request leaves: once it has left, the reply may complete and recycle the call.
        call.RegisterCancellation(plan.Token);
        call.RegisterParentCancellation(plan.ParentToken);
        try
        {
            (LanesAllowed ? _lanes.TryOpen(call.CallId) ?? Output : Output).WriteCall(FrameType.Request, FrameFlags.None, call.CallId, methodId, in request, plan.Headers);
            return null;
        }
        catch (Exception e)
        {
            // Whoever removes the call completes it: if a timeout, cancellation or close got there first, the
            // caller's task carries their error instead.
            if (_pending.TryRemove(call.CallId) is null)
            {
                return null;
            }

            call.Recycle();
            return e;
        }
    }

    /// <summary>Starts a server stream; items arrive in the returned call's channel. An observed stream's span context travels; its reader ends the span.</summary>
    public StreamCall<TItem> StartStream<TRequest, TItem>(int methodId, in TRequest request, in CallOptions options, in ClientCallScope observed = default)
        where TRequest : IMessage<TRequest>
        where TItem : IMessage<TItem>
        => StartStream(methodId, in request, StreamItems.Typed<TItem>(), in options, in observed);

    /// <summary>Starts a server stream whose items <paramref name="read"/> turns into <typeparamref name="TItem"/>.</summary>
    public StreamCall<TItem> StartStream<TRequest, TItem>(int methodId, in TRequest request, StreamItemReader<TItem> read, in CallOptions options, in ClientCallScope observed = default)
        where TRequest : IMessage<TRequest>
    {
        CallPlan plan = StreamPlan(options).Observed(observed, completesWithCall: false);
        ThrowIfCannotCall(plan.Token);
        var call = new StreamCall<TItem>(_settings.StreamBufferItems, read, this);
        if (!Register(call, plan))
        {
            throw PendingTableFull();
        }

        try
        {
            call.Output = LanesAllowed ? _lanes.TryOpen(call.CallId) ?? Output : Output;
            call.Output.WriteCall(FrameType.Request, FrameFlags.Stream, call.CallId, methodId, in request, plan.Headers);
        }
        catch
        {
            _pending.TryRemove(call.CallId);
            throw;
        }

        return call;
    }

    /// <summary>Calls unary <paramref name="methodId"/> with an encoded body and returns the reply as bytes (<see cref="EncodedMessage"/>).</summary>
    public ValueTask<EncodedMessage> RequestEncodedAsync(int methodId, ReadOnlyMemory<byte> body, in CallOptions options, in ClientCallScope observed = default)
    {
        if (!TryPlan(options, out CallPlan plan, out Exception? refused))
        {
            return ValueTask.FromException<EncodedMessage>(observed.Completed(refused));
        }

        plan = plan.Observed(observed);
        ThrowIfCannotCall(plan);
        EncodedUnaryCall call = EncodedUnaryCall.Rent();
        ValueTask<EncodedMessage> task = call.Task;
        Exception? error = Start(call, methodId, new Calls.EncodedBody(body), plan);
        plan.Scope.Leave(); // the request is out: the caller's own activity is current again
        return error is null ? task : ValueTask.FromException<EncodedMessage>(plan.Scope.Completed(error));
    }

    /// <summary>Sends a one-way message, waiting while the send queue is full.</summary>
    public ValueTask SendAsync<T>(int methodId, in T message, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        ThrowIfCannotCall(cancellationToken);
        if (_durable is { } durable && Sessions.Durable.DeliveryScope.TryHold(durable, methodId, in message, OutgoingCallHeaders.None, Output.PeerMaxFrameSize))
        {
            return default; // held: released with the handler's completion
        }

        return !Output.IsSchedulerBusy && Output.TryWriteMessageWithRoom(methodId, in message)
            ? default
            : SendInTurnAsync(methodId, message, OutgoingCallHeaders.None, cancellationToken);
    }

    /// <summary>Sends a one-way message with per-call options (metadata, a deadline for its handler), waiting while the send queue is full.</summary>
    public ValueTask SendAsync<T>(int methodId, in T message, in CallOptions options, in ClientCallScope observed = default)
        where T : IMessage<T>
    {
        if (!TryPlan(options, out CallPlan plan, out Exception? refused))
        {
            return ValueTask.FromException(refused);
        }

        plan = plan.Observed(observed, completesWithCall: false);

        // Only a deadline of these options travels: a one-way message waits for no reply, so no default applies.
        OutgoingCallHeaders headers = options.Timeout is null && options.Deadline is null && options.PropagateFrom?.Deadline is null
            ? plan.Headers with { DeadlineMicros = 0 }
            : plan.Headers;
        ThrowIfCannotCall(plan.Token);
        if (options.WaitForAcknowledgement)
        {
            return SendAcknowledgedAsync(methodId, message, headers, plan.Token);
        }

        if (_durable is { } durable && Sessions.Durable.DeliveryScope.TryHold(durable, methodId, in message, headers, Output.PeerMaxFrameSize))
        {
            return default; // held: released with the handler's completion
        }

        return !Output.IsSchedulerBusy && Output.WriteCall(FrameType.Message, FrameFlags.None, 0, methodId, in message, headers, requireRoom: true)
            ? default
            : SendInTurnAsync(methodId, message, headers, plan.Token);
    }

    /// <summary>A one-way send that found no room (or others waiting): it waits its turn by priority (<see cref="SendScheduler"/>), then for room.</summary>
    private async ValueTask SendInTurnAsync<T>(int methodId, T message, OutgoingCallHeaders headers, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        SendScheduler scheduler = Output.Scheduler;
        await scheduler.WaitTurnAsync(headers.Priority, cancellationToken).ConfigureAwait(false);
        try
        {
            // Loop: a wake-up (a flush completing, an acknowledgement, a lost link) does not promise room for this message.
            while (!Output.WriteCall(FrameType.Message, FrameFlags.None, 0, methodId, in message, headers, requireRoom: true))
            {
                await Output.WaitForSpaceAsync(includeReplay: true, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            scheduler.Pass();
        }
    }

    /// <summary>Sends a one-way message unless the send queue is full (a push to a peer that is not reading).</summary>
    public bool TrySend<T>(int methodId, in T message)
        where T : IMessage<T>
    {
        if (Output.IsFull || Output.IsClosed)
        {
            Counters.PushDropped();
            return false;
        }

        if (_durable is { } durable && Sessions.Durable.DeliveryScope.TryHold(durable, methodId, in message, OutgoingCallHeaders.None, Output.PeerMaxFrameSize))
        {
            return true;
        }

        try
        {
            if (Output.TryWriteMessageWithRoom(methodId, in message))
            {
                return true;
            }

            Counters.PushDropped();
            return false;
        }
        catch (TetherException e) when (e.Code == TetherErrorCode.ConnectionClosed)
        {
            Counters.PushDropped();
            return false;
        }
    }

    /// <summary>Copies an already framed message (a broadcast encoded once); false when the send queue is full.</summary>
    public bool TrySendFramed(ReadOnlySpan<byte> frame)
    {
        if (Output.TryWriteFramed(frame))
        {
            return true;
        }

        Counters.PushDropped();
        return false;
    }

    /// <summary>Measures the round trip with a ping frame.</summary>
    public async ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken)
    {
        ThrowIfCannotCall(cancellationToken);
        // One ping in flight at a time: concurrent callers share its answer.
        TaskCompletionSource<TimeSpan>? ping = Volatile.Read(ref _ping);
        bool send = false;
        if (ping is null)
        {
            var created = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
            ping = Interlocked.CompareExchange(ref _ping, created, null) ?? created;
            send = ping == created;
        }

        if (send)
        {
            Span<byte> stamp = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(stamp, _settings.TimeProvider.GetTimestamp());
            Output.WriteControl(FrameType.Ping, 0, 0, stamp);
        }

        using (SessionStopToken.UnsafeRegister(static state => ((TaskCompletionSource<TimeSpan>)state!).TrySetException(
            new TetherException(TetherErrorCode.ConnectionClosed)), ping))
        {
            return await ping.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void OnPong(in System.Buffers.ReadOnlySequence<byte> payload)
    {
        if (payload.Length != 8)
        {
            ProtocolError(TetherErrorCode.ProtocolViolation, "A pong must carry 8 bytes.");
            return;
        }

        long sent = (long)ControlPayload.ReadUInt64(payload);
        TimeSpan rtt = _settings.TimeProvider.GetElapsedTime(sent);
        RoundTripTime = rtt;
        TaskCompletionSource<TimeSpan>? ping = Interlocked.Exchange(ref _ping, null);
        ping?.TrySetResult(rtt);
    }

    /// <summary>Called by a pending call's cancellation registration.</summary>
    public void CancelPendingCall(PendingCall call, bool timedOut) => CancelPendingCall(call, call.CallId, timedOut);

    /// <summary>
    /// Cancels or times out the call <paramref name="call"/> was when the caller looked (<paramref name="callId"/>): a
    /// pooled call object may have finished and started the next call since, which must be left alone.
    /// </summary>
    public void CancelPendingCall(PendingCall call, uint callId, bool timedOut)
    {
        if (callId == 0 || !ReferenceEquals(_pending.TryRemove(callId), call))
        {
            return;
        }

        if (timedOut && call.DeadlineSent)
        {
            // The peer knows the deadline and stops the handler at it (answering "timed out", which finds no call
            // here): a cancel frame would only race it and make the server report a cancel instead.
            call.Fail(TimedOut(call));
            return;
        }

        _lanes.SendCancel(callId);
        if (timedOut)
        {
            call.Fail(TimedOut(call));
            return;
        }

        var reason = new TetherException(TetherErrorCode.CallCanceled);
        call.Fail(new OperationCanceledException("The call was cancelled.", reason, call.CancellationToken));
    }

    /// <summary>Why a call whose time ran out on this side failed.</summary>
    private static TetherException TimedOut(PendingCall call) => call.DeadlineSent
        ? new DeadlineExceededException(serverGaveUp: false, "The call's deadline passed before a reply arrived; the caller gave up (the handler's token fired at the same deadline).")
        : new TetherException(TetherErrorCode.CallTimedOut);

    private bool Register(PendingCall call, in CallPlan plan)
    {
        call.Connection = this;
        call.TrailersSink = plan.Trailers;
        call.Scope = plan.Scope;
        call.DeadlineSent = plan.Headers.DeadlineMicros > 0;
        bool finite = plan.Timeout != Timeout.InfiniteTimeSpan;
        call.Deadline = finite ? _settings.TimeProvider.GetTimestamp() + ToTimestampTicks(plan.Timeout) : long.MaxValue;
        if (!_pending.TryAdd(call))
        {
            return false;
        }

        if (finite && plan.Timeout <= 2 * _settings.TimerInterval)
        {
            // Due before the next sweep: a timer of its own, so the deadline fires on time, not at the sweep.
            call.ArmDeadline(_settings.TimeProvider, plan.Timeout);
        }

        return true;
    }

    public TimeSpan DefaultCallTimeout => _settings.DefaultCallTimeout;

    /// <summary>As <see cref="ThrowIfCannotCall(CancellationToken)"/>; an observed call refused here is still timed and its span ended.</summary>
    private void ThrowIfCannotCall(in CallPlan plan)
    {
        try
        {
            ThrowIfCannotCall(plan.Token);
        }
        catch (Exception e)
        {
            plan.Scope.Completed(e);
            throw;
        }
    }

    private void ThrowIfCannotCall(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SessionState state = State;
        // A resumable session takes calls between links too: they are kept and sent when it resumes.
        if (state != SessionState.Active && state != SessionState.Resuming && !(state == SessionState.Negotiating && _handshake.IsCompletedSuccessfully))
        {
            throw new TetherException(TetherErrorCode.ConnectionClosed, $"The connection is {state}, not active.");
        }

        if (PeerGoingAway)
        {
            throw new TetherException(TetherErrorCode.GoingAway);
        }
    }

    private TetherException PendingTableFull() => new(TetherErrorCode.PendingCallsExceeded,
        $"{_pending.Capacity:N0} calls are already waiting for replies on this connection (the pending-call limit).");
}
