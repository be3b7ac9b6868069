using System.Runtime.CompilerServices;
using Tether.Connections;

namespace Tether;

/// <summary>
/// A bidirectional call in progress: write the request stream through <see cref="RequestStream"/> while reading
/// <see cref="ReadResponsesAsync"/>; both flow at once, each under its own credit (decision 0026). The handler ending its
/// stream ends the call, and the next write fails with <see cref="TetherErrorCode.InputStreamClosed"/>. Disposing an
/// unfinished call cancels it (the handler's token fires).
/// </summary>
/// <typeparam name="TRequest">The request stream's message.</typeparam>
/// <typeparam name="TResponse">The response stream's message.</typeparam>
public sealed class DuplexStreamingCall<TRequest, TResponse> : IDisposable
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private readonly TetherConnection _connection;
    private readonly StreamCall<TResponse> _call;
    private readonly CancellationTokenSource? _linked;
    private readonly CancellationToken _token;
    private readonly Observability.ClientCallScope? _scope;
    private readonly CancellationTokenRegistration _cancellation;
    private int _reading;
    private int _disposed;

    internal DuplexStreamingCall(TetherConnection connection, StreamCall<TResponse> call, RequestStreamWriter<TRequest> writer, CancellationTokenSource? linked, Observability.ClientCallScope? scope, CancellationToken token)
    {
        _connection = connection;
        _call = call;
        _linked = linked;
        _token = token;
        _scope = scope;
        RequestStream = writer;
        _cancellation = token.UnsafeRegister(static state => ((DuplexStreamingCall<TRequest, TResponse>)state!).Cancel(), this);
    }

    // The caller's token cancels the call at once (the handler's token fires), not only when a read notices.
    private void Cancel()
    {
        if (!_call.Finished)
        {
            _connection.CancelPendingCall(_call, timedOut: false);
        }
    }

    /// <summary>The request stream: thread-safe writes, then <see cref="RequestStreamWriter{T}.CompleteAsync"/>.</summary>
    public RequestStreamWriter<TRequest> RequestStream { get; }

    /// <summary>The handler's items as they arrive, then its end or its error. Read once.</summary>
    /// <param name="cancellationToken">Stops reading (and with it the call).</param>
    public async IAsyncEnumerable<TResponse> ReadResponsesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _reading, 1) != 0)
        {
            throw new InvalidOperationException("A call's response stream can be read once.");
        }

        using CancellationTokenSource? linked = cancellationToken.CanBeCanceled && _token.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(_token, cancellationToken)
            : null;
        CancellationToken token = linked?.Token ?? (cancellationToken.CanBeCanceled ? cancellationToken : _token);
        System.Threading.Channels.ChannelReader<TResponse> reader = _call.Reader;
        while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
        {
            while (_call.TryRead(out TResponse? item))
            {
                yield return item;
            }
        }
    }

    /// <summary>Cancels the call unless it has finished, and lets go of it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _cancellation.Dispose();
        bool abandoned = !_call.Finished;
        if (abandoned)
        {
            _connection.CancelPendingCall(_call, timedOut: false);
        }

        _call.Abandon();
        if (_scope is { } scope)
        {
            scope.Complete(abandoned
                ? new OperationCanceledException("The caller stopped the call.")
                : _call.Reader.Completion is { IsFaulted: true } failed ? failed.Exception.InnerException : null);
        }

        _linked?.Dispose();
    }
}
