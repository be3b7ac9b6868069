using System.Runtime.CompilerServices;
using Tether.Calls;

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
    private readonly Task<OpenedStream<TResponse>?> _opened;
    private readonly DuplexOutgoingCall<TRequest, TResponse>? _intercepted;
    private int _reading;
    private int _disposed;

    /// <param name="writer">The request stream.</param>
    /// <param name="opened">The network call once open; null when interceptors ended the call without opening it.</param>
    /// <param name="intercepted">The call as the client's interceptors see it, told when reading ends; null without interceptors.</param>
    internal DuplexStreamingCall(RequestStreamWriter<TRequest> writer, Task<OpenedStream<TResponse>?> opened, DuplexOutgoingCall<TRequest, TResponse>? intercepted)
    {
        RequestStream = writer;
        _opened = opened;
        _intercepted = intercepted;
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

        if (await _opened.WaitAsync(cancellationToken).ConfigureAwait(false) is not { } stream)
        {
            await _intercepted!.Pipeline.ConfigureAwait(false); // answered or refused by an interceptor: its outcome is the caller's
            yield break;
        }

        using CancellationTokenSource? linked = cancellationToken.CanBeCanceled && stream.Token.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(stream.Token, cancellationToken)
            : null;
        CancellationToken token = linked?.Token ?? (cancellationToken.CanBeCanceled ? cancellationToken : stream.Token);
        System.Threading.Channels.ChannelReader<TResponse> reader = stream.Call.Reader;
        Exception? failure = null;
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await reader.WaitToReadAsync(token).ConfigureAwait(false);
                }
                catch (Exception e) when (_intercepted is not null)
                {
                    failure = e; // the interceptors see it first: they may map or swallow it
                    break;
                }

                if (!more)
                {
                    break;
                }

                while (stream.Call.TryRead(out TResponse? item))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            if (_intercepted is not null)
            {
                stream.Close();
                _intercepted.End(failure);
            }
            else if (stream.Call.Finished)
            {
                // The call is over: its duration and span end now, not when the caller disposes it. A reader that stops
                // early leaves the call running for its writer; Dispose ends it.
                stream.Close();
            }
        }

        if (_intercepted is not null)
        {
            await _intercepted.Pipeline.ConfigureAwait(false);
        }
    }

    /// <summary>Cancels the call unless it has finished, and lets go of it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_opened.IsCompletedSuccessfully && _opened.Result is { } stream)
        {
            stream.Close();
            stream.Dispose();
        }

        _intercepted?.Cancel();
    }
}
