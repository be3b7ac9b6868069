using Tether.Connections;

namespace Tether.Calls;

/// <summary>
/// A client-streaming call run through interceptors. <see cref="OutgoingCall.Request"/> is the call's
/// <see cref="RequestStreamWriter{T}"/>; writes wait until the innermost continuation opens the call on the network. The
/// reply is what the network returned, or what an interceptor set instead of calling its continuation.
/// </summary>
internal sealed class ClientStreamOutgoingCall<TRequest, TResponse> : OutgoingCall
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private readonly RequestStreamWriter<TRequest> _writer;
    private readonly CancellationTokenSource _cancellation;
    private TResponse? _reply;
    private bool _answered;

    public ClientStreamOutgoingCall(TetherPeer peer, MethodDescriptor method, RequestStreamWriter<TRequest> writer, CallOptions options, CancellationTokenSource cancellation)
        : base(peer, method, MethodKind.ClientStreaming, options with { CancellationToken = cancellation.Token })
    {
        _writer = writer;
        _cancellation = cancellation;
    }

    public override Type RequestType => typeof(TRequest);

    public override object Request => _writer;

    public override object? Response
    {
        get => _answered ? _reply : null;
        set
        {
            _reply = (TResponse)value!;
            _answered = true;
        }
    }

    /// <summary>Runs the pipeline; the reply, or why there is none.</summary>
    public async Task<TResponse> RunForReplyAsync(ICallInterceptor[] interceptors)
    {
        try
        {
            await RunAsync(interceptors).ConfigureAwait(false);
        }
        finally
        {
            // A call an interceptor answered or refused never opened: its writer must not wait for ever.
            _writer.End(new TetherException(TetherErrorCode.InputStreamClosed, $"The call to {MethodName} ended before its request stream was sent."));
            _cancellation.Dispose();
        }

        return _answered
            ? _reply!
            : throw new InvalidOperationException($"An interceptor completed the call to {MethodName} without calling its continuation or setting a response.");
    }

    /// <summary>The caller disposed the call: cancels it, whether it is still in the interceptors or on the network.</summary>
    public void Cancel() => CancelQuietly(_cancellation);

    private protected override async ValueTask SendAsync()
    {
        using ClientStreamingCall<TRequest, TResponse> call = Peer.OpenClientStreamCore<TRequest, TResponse>(Method!, _writer, Options);
        _reply = await call.ResponseAsync.ConfigureAwait(false);
        _answered = true;
    }

    internal static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The pipeline is over: nothing left to cancel.
        }
    }
}

/// <summary>
/// A bidirectional call run through interceptors. The innermost continuation opens the call, hands it to the reader
/// (<see cref="Opened"/>), and completes when the reader reports the response stream's end (<see cref="End"/>), so the
/// interceptors observe the whole call. <see cref="OutgoingCall.Request"/> is the call's <see cref="RequestStreamWriter{T}"/>.
/// </summary>
internal sealed class DuplexOutgoingCall<TRequest, TResponse> : OutgoingCall
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private readonly RequestStreamWriter<TRequest> _writer;
    private readonly CancellationTokenSource _cancellation;
    private readonly TaskCompletionSource<OpenedStream<TResponse>?> _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DuplexOutgoingCall(TetherPeer peer, MethodDescriptor method, RequestStreamWriter<TRequest> writer, CallOptions options, CancellationTokenSource cancellation)
        : base(peer, method, MethodKind.BidirectionalStreaming, options with { CancellationToken = cancellation.Token })
    {
        _writer = writer;
        _cancellation = cancellation;
    }

    public override Type RequestType => typeof(TRequest);

    public override object Request => _writer;

    /// <summary>The open call; null when the pipeline ended without opening it (its outcome is <see cref="Pipeline"/>'s).</summary>
    public Task<OpenedStream<TResponse>?> Opened => _opened.Task;

    /// <summary>The interceptors' pipeline, started by <see cref="Start"/>.</summary>
    public Task Pipeline { get; private set; } = Task.CompletedTask;

    public void Start(ICallInterceptor[] interceptors) => Pipeline = RunPipelineAsync(interceptors);

    private async Task RunPipelineAsync(ICallInterceptor[] interceptors)
    {
        try
        {
            await RunAsync(interceptors).ConfigureAwait(false);
        }
        finally
        {
            _opened.TrySetResult(null);
            _writer.End(new TetherException(TetherErrorCode.InputStreamClosed, $"The call to {MethodName} ended before its request stream was sent."));
            _cancellation.Dispose();
        }
    }

    /// <summary>The reader stopped: the response stream ended (<paramref name="failure"/> null: completed or abandoned) or failed.</summary>
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

    /// <summary>The caller disposed the call: cancels it, whether it is still in the interceptors or on the network.</summary>
    public void Cancel()
    {
        End(null);
        ClientStreamOutgoingCall<TRequest, TResponse>.CancelQuietly(_cancellation);
    }

    private protected override async ValueTask SendAsync()
    {
        using OpenedStream<TResponse> stream = Peer.OpenDuplexCore<TRequest, TResponse>(Method!, _writer, Options);
        _opened.TrySetResult(stream);
        await _ended.Task.ConfigureAwait(false);
    }
}
