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
    private readonly Action _cancel;
    private readonly IDisposable? _resources;
    private int _disposed;

    internal ClientStreamingCall(RequestStreamWriter<TRequest> writer, Task<TResponse> response, Action cancel, IDisposable? resources)
    {
        RequestStream = writer;
        ResponseAsync = response;
        _cancel = cancel;
        _resources = resources;
    }

    /// <summary>The request stream: thread-safe writes, then <see cref="RequestStreamWriter{T}.CompleteAsync"/>.</summary>
    public RequestStreamWriter<TRequest> RequestStream { get; }

    /// <summary>The handler's reply, or the error the call ended with.</summary>
    public Task<TResponse> ResponseAsync { get; }

    /// <summary>Cancels the call unless it has finished, and lets go of it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (!ResponseAsync.IsCompleted)
        {
            _cancel();
        }

        _resources?.Dispose();
    }
}
