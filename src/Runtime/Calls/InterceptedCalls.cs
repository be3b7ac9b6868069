using Tether.Connections;
using Tether.Observability;

namespace Tether.Calls;

/// <summary>A unary call run through interceptors: its reply is what the network returned, or what an interceptor set.</summary>
internal sealed class UnaryOutgoingCall<TRequest, TResponse>(TetherPeer peer, MethodDescriptor? method, TRequest request, CallOptions options)
    : OutgoingCall(peer, method, MethodKind.Unary, options)
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private TResponse? _reply;
    private bool _answered;

    public override Type RequestType => typeof(TRequest);

    public override object Request => request;

    public override object? Response
    {
        get => _answered ? _reply : null;
        set
        {
            _reply = (TResponse)value!;
            _answered = true;
        }
    }

    /// <summary>The reply, once the pipeline has completed.</summary>
    public TResponse Reply => _answered
        ? _reply!
        : throw new InvalidOperationException($"An interceptor completed the call to {MethodName} without calling its continuation or setting a response.");

    private protected override async ValueTask SendAsync()
    {
        _reply = await Peer.SendUnaryAsync<TRequest, TResponse>(Method, request, Options).ConfigureAwait(false);
        _answered = true;
    }
}

/// <summary>A call without a reply run through interceptors: a unary method returning none, or a one-way message.</summary>
internal sealed class EmptyOutgoingCall<TRequest>(TetherPeer peer, MethodDescriptor? method, MethodKind kind, TRequest request, CallOptions options)
    : OutgoingCall(peer, method, kind, options)
    where TRequest : IMessage<TRequest>
{
    public override Type RequestType => typeof(TRequest);

    public override object Request => request;

    private protected override ValueTask SendAsync() => Kind == MethodKind.OneWay
        ? Peer.SendOneWayAsync(Method, request, Options)
        : Peer.SendEmptyAsync(Method, request, Options);
}

/// <summary>
/// A server-stream call run through interceptors. The innermost continuation opens the stream, hands it to the
/// enumerating caller (<see cref="Opened"/>), and completes when the caller reports the stream's end (<see cref="End"/>),
/// so the interceptors observe the whole stream.
/// </summary>
internal sealed class StreamOutgoingCall<TRequest, TItem>(TetherPeer peer, MethodDescriptor? method, TRequest request, CallOptions options)
    : OutgoingCall(peer, method, MethodKind.ServerStreaming, options)
    where TRequest : IMessage<TRequest>
    where TItem : IMessage<TItem>
{
    private readonly TaskCompletionSource<OpenedStream<TItem>?> _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override Type RequestType => typeof(TRequest);

    public override object Request => request;

    /// <summary>The open stream; null when the pipeline ended without opening it (its outcome is the pipeline's).</summary>
    public Task<OpenedStream<TItem>?> Opened => _opened.Task;

    /// <summary>Runs the pipeline; whatever happens, <see cref="Opened"/> completes.</summary>
    public async Task RunPipelineAsync(ICallInterceptor[] interceptors)
    {
        try
        {
            await RunAsync(interceptors).ConfigureAwait(false);
        }
        finally
        {
            _opened.TrySetResult(null);
        }
    }

    /// <summary>The caller stopped reading: the stream ended (<paramref name="failure"/> null: completed or abandoned) or failed.</summary>
    public void End(Exception? failure)
    {
        if (failure is null)
        {
            _ended.TrySetResult();
        }
        else
        {
            _ended.TrySetException(failure);
        }
    }

    private protected override async ValueTask SendAsync()
    {
        using OpenedStream<TItem> stream = Peer.OpenStream<TRequest, TItem>(Method, request, Options);
        _opened.TrySetResult(stream);
        await _ended.Task.ConfigureAwait(false);
    }
}

/// <summary>A server stream as its caller reads it: the pending call, its connection and the token reads wait with.</summary>
internal sealed class OpenedStream<TItem>(TetherConnection connection, StreamCall<TItem> call, CancellationTokenSource? linked, CancellationToken token) : IDisposable
{
    private CancellationTokenRegistration _cancellation;
    private int _closed;

    public StreamCall<TItem> Call => call;

    public CancellationToken Token => token;

    /// <summary>The stream's timing and span while it is observed, or null.</summary>
    public ClientCallScope? Scope { get; init; }

    /// <summary>
    /// Stops the call if it has not finished (the handler is told with a cancel frame) and lets go of it; a timed
    /// stream records its duration: ended, failed, or abandoned by the caller (recorded as cancelled).
    /// </summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        bool abandoned = !call.Finished;
        if (abandoned)
        {
            connection.CancelPendingCall(call, timedOut: false);
        }

        call.Abandon();
        if (Scope is { } scope)
        {
            Exception? outcome = abandoned
                ? new OperationCanceledException("The caller stopped reading the stream.")
                : call.Reader.Completion is { IsFaulted: true } failed ? failed.Exception.InnerException : null;
            scope.Complete(outcome);
        }
    }

    /// <summary>
    /// The token cancels the call the moment it fires (a call with a request stream: its writer may be waiting, and the
    /// handler's token should fire at once), not only when a read notices.
    /// </summary>
    public void CancelOnToken() => _cancellation = token.UnsafeRegister(static state =>
    {
        var stream = (OpenedStream<TItem>)state!;
        if (!stream.Call.Finished)
        {
            stream.CancelCall();
        }
    }, this);

    private void CancelCall() => connection.CancelPendingCall(call, timedOut: false);

    public void Dispose()
    {
        _cancellation.Dispose();
        linked?.Dispose();
    }
}
