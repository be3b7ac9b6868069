using System.Buffers.Binary;
using Tether.Framing;

namespace Tether.Connections;

internal sealed partial class TetherConnection
{
    private TaskCompletionSource<TimeSpan>? _ping;

    /// <summary>
    /// Sends a request to method <paramref name="methodId"/> (0: by message type, the receiver routes it) and returns its
    /// pending reply. Allocates nothing when the caller's token cannot be cancelled.
    /// </summary>
    public ValueTask<TResponse> RequestAsync<TRequest, TResponse>(int methodId, in TRequest request, TimeSpan timeout, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ThrowIfCannotCall(cancellationToken);
        UnaryCall<TResponse> call = UnaryCall<TResponse>.Rent();
        ValueTask<TResponse> task = call.Task;
        return Start(call, methodId, in request, timeout, cancellationToken) is { } error ? ValueTask.FromException<TResponse>(error) : task;
    }

    /// <summary>Sends a request whose reply carries nothing the caller needs (methods returning no result).</summary>
    public ValueTask RequestEmptyAsync<TRequest>(int methodId, in TRequest request, TimeSpan timeout, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
    {
        ThrowIfCannotCall(cancellationToken);
        EmptyCall call = EmptyCall.Rent();
        ValueTask task = call.Task;
        return Start(call, methodId, in request, timeout, cancellationToken) is { } error ? ValueTask.FromException(error) : task;
    }

    /// <summary>Registers the call, then sends its request; returns why it could not start (the call is then recycled).</summary>
    private Exception? Start<TRequest, TCall, TResult>(PooledCall<TCall, TResult> call, int methodId, in TRequest request, TimeSpan timeout, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
        where TCall : PooledCall<TCall, TResult>, new()
    {
        if (!Register(call, timeout))
        {
            call.Recycle();
            return PendingTableFull();
        }

        // Registered before the request leaves: once it has left, the reply may complete and recycle the call.
        call.RegisterCancellation(cancellationToken);
        try
        {
            (_lanes.TryOpen(call.CallId) ?? Output).WriteMessage(FrameType.Request, FrameFlags.None, call.CallId, methodId, in request);
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

    /// <summary>Starts a server stream; items arrive in the returned call's channel.</summary>
    public StreamCall<TItem> StartStream<TRequest, TItem>(int methodId, in TRequest request, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
        where TItem : IMessage<TItem>
    {
        ThrowIfCannotCall(cancellationToken);
        var call = new StreamCall<TItem>(_settings.StreamBufferItems);
        if (!Register(call, Timeout.InfiniteTimeSpan))
        {
            throw PendingTableFull();
        }

        try
        {
            (_lanes.TryOpen(call.CallId) ?? Output).WriteMessage(FrameType.Request, FrameFlags.Stream, call.CallId, methodId, in request);
        }
        catch
        {
            _pending.TryRemove(call.CallId);
            throw;
        }

        return call;
    }

    /// <summary>Sends a one-way message, waiting while the send queue is full.</summary>
    public ValueTask SendAsync<T>(int methodId, in T message, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        ThrowIfCannotCall(cancellationToken);
        return Output.TryWriteMessageWithRoom(methodId, in message) ? default : SendAfterSpaceAsync(methodId, message, cancellationToken);
    }

    private async ValueTask SendAfterSpaceAsync<T>(int methodId, T message, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        // Loop: a wake-up (a flush completing, an acknowledgement, a lost link) does not promise room for this message.
        do
        {
            await Output.WaitForSpaceAsync(includeReplay: true, cancellationToken).ConfigureAwait(false);
        }
        while (!Output.TryWriteMessageWithRoom(methodId, in message));
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

        using (_sessionStop.Token.UnsafeRegister(static state => ((TaskCompletionSource<TimeSpan>)state!).TrySetException(
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
    public void CancelPendingCall(PendingCall call, bool timedOut)
    {
        uint callId = call.CallId;
        if (callId == 0 || !ReferenceEquals(_pending.TryRemove(callId), call))
        {
            return;
        }

        _lanes.SendCancel(callId);
        var reason = new TetherException(timedOut ? TetherErrorCode.CallTimedOut : TetherErrorCode.CallCanceled);
        call.Fail(timedOut ? reason : new OperationCanceledException("The call was cancelled.", reason, call.CancellationToken));
    }

    private bool Register(PendingCall call, TimeSpan timeout)
    {
        call.Connection = this;
        call.Deadline = timeout == Timeout.InfiniteTimeSpan
            ? long.MaxValue
            : _settings.TimeProvider.GetTimestamp() + ToTimestampTicks(timeout);
        return _pending.TryAdd(call);
    }

    public TimeSpan DefaultCallTimeout => _settings.DefaultCallTimeout;

    private void ThrowIfCannotCall(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SessionState state = State;
        // A resumable session takes calls between links too: they are kept and sent when it resumes.
        if (state != SessionState.Active && state != SessionState.Resuming && !(state == SessionState.Negotiating && _handshake.Task.IsCompletedSuccessfully))
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
