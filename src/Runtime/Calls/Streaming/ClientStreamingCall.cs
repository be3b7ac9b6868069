using Tether.Connections;

namespace Tether;

/// <summary>
/// A client-streaming call in progress: write the request stream through <see cref="RequestStream"/>, complete it, and
/// await <see cref="ResponseAsync"/>. The handler may answer before it has read every item; the next write then fails
/// with <see cref="TetherErrorCode.InputStreamClosed"/>. Disposing an unfinished call cancels it (the handler's token fires).
/// </summary>
/// <typeparam name="TRequest">The request stream's message.</typeparam>
/// <typeparam name="TResponse">The reply.</typeparam>
public sealed class ClientStreamingCall<TRequest, TResponse> : IDisposable
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private readonly TetherConnection _connection;
    private readonly ClientStreamReply<TResponse> _call;
    private readonly CancellationTokenSource? _linked;
    private readonly CancellationTokenRegistration _cancellation;

    internal ClientStreamingCall(TetherConnection connection, ClientStreamReply<TResponse> call, RequestStreamWriter<TRequest> writer, CancellationTokenSource? linked, CancellationToken token)
    {
        _connection = connection;
        _call = call;
        _linked = linked;
        RequestStream = writer;
        _cancellation = token.UnsafeRegister(static state => ((ClientStreamingCall<TRequest, TResponse>)state!).Cancel(), this);
    }

    // The caller's token cancels the call at once: the handler's token fires, and the reply fails as cancelled.
    private void Cancel()
    {
        if (!_call.Task.IsCompleted)
        {
            _connection.CancelPendingCall(_call, timedOut: false);
        }
    }

    /// <summary>The request stream: thread-safe writes, then <see cref="RequestStreamWriter{T}.CompleteAsync"/>.</summary>
    public RequestStreamWriter<TRequest> RequestStream { get; }

    /// <summary>The handler's reply, or the error the call ended with.</summary>
    public Task<TResponse> ResponseAsync => _call.Task;

    /// <summary>Cancels the call unless it has finished, and lets go of it.</summary>
    public void Dispose()
    {
        _cancellation.Dispose();
        Cancel();
        _linked?.Dispose();
    }
}
