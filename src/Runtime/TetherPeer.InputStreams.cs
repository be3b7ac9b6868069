using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Tether.Calls;
using Tether.Connections;
using Tether.Observability;

namespace Tether;

/// <summary>
/// Client-streaming and bidirectional calls (decision 0026): opened as a call object whose request stream the caller
/// writes, or fed from an <see cref="IAsyncEnumerable{T}"/> that the peer pumps while the caller awaits the reply or
/// reads the response stream. Client interceptors see them as they see server streams: for the whole call.
/// </summary>
public abstract partial class TetherPeer
{
    /// <summary>Generated clients: opens client-streaming <paramref name="method"/>; write its request stream, then await its reply.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ClientStreamingCall<TRequest, TResponse> OpenClientStream<TRequest, TResponse>(MethodDescriptor method, CallOptions options)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        Named(method);
        var writer = new RequestStreamWriter<TRequest>();
        if (Interceptors.Length == 0)
        {
            return OpenClientStreamCore<TRequest, TResponse>(method, writer, options);
        }

        var call = new ClientStreamOutgoingCall<TRequest, TResponse>(this, method, writer, options, Cancellation(options));
        return new ClientStreamingCall<TRequest, TResponse>(writer, call.RunForReplyAsync(Interceptors), call.Cancel, resources: null);
    }

    /// <summary>Generated clients: opens bidirectional <paramref name="method"/>; write its request stream while reading its responses.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public DuplexStreamingCall<TRequest, TResponse> OpenDuplexStream<TRequest, TResponse>(MethodDescriptor method, CallOptions options)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        Named(method);
        var writer = new RequestStreamWriter<TRequest>();
        if (Interceptors.Length == 0)
        {
            return new DuplexStreamingCall<TRequest, TResponse>(writer, Task.FromResult<OpenedStream<TResponse>?>(OpenDuplexCore<TRequest, TResponse>(method, writer, options)), intercepted: null);
        }

        var call = new DuplexOutgoingCall<TRequest, TResponse>(this, method, writer, options, Cancellation(options));
        call.Start(Interceptors);
        return new DuplexStreamingCall<TRequest, TResponse>(writer, call.Opened, call);
    }

    /// <summary>The network end of a client-streaming call (after the interceptors, if any).</summary>
    internal ClientStreamingCall<TRequest, TResponse> OpenClientStreamCore<TRequest, TResponse>(MethodDescriptor method, RequestStreamWriter<TRequest> writer, CallOptions options)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        TetherConnection connection = Connection;
        ClientCallScope scope = Observe<TRequest>(connection, method);
        CancellationTokenSource? linked = Linked(options, out CancellationToken token);
        try
        {
            ClientStreamReply<TResponse> call = connection.StartClientStream<TRequest, TResponse>(method.Id, writer, options with { CancellationToken = token }, scope);
            scope.Leave();
            var cancel = new PendingCallCancellation(connection, call, linked, token);
            return new ClientStreamingCall<TRequest, TResponse>(writer, call.Task, cancel.Cancel, cancel);
        }
        catch (Exception e)
        {
            scope.Leave();
            scope.Complete(e);
            linked?.Dispose();
            writer.End(e);
            throw;
        }
    }

    /// <summary>The network end of a bidirectional call (after the interceptors, if any): the call, cancelled the moment its token fires.</summary>
    internal OpenedStream<TResponse> OpenDuplexCore<TRequest, TResponse>(MethodDescriptor method, RequestStreamWriter<TRequest> writer, CallOptions options)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        TetherConnection connection = Connection;
        ClientCallScope? scope = ClientCallScope.IsObserved(connection.Metrics) ? ClientCallScope.Start(connection.Metrics, NameOf<TRequest>(method)) : null;
        CancellationTokenSource? linked = Linked(options, out CancellationToken token);
        try
        {
            StreamCall<TResponse> call = connection.StartDuplexStream<TRequest, TResponse>(method.Id, writer, options with { CancellationToken = token }, scope ?? default);
            scope?.Leave();
            var stream = new OpenedStream<TResponse>(connection, call, linked, token) { Scope = scope };
            stream.CancelOnToken();
            return stream;
        }
        catch (Exception e)
        {
            scope?.Leave();
            scope?.Complete(e);
            linked?.Dispose();
            writer.End(e);
            throw;
        }
    }

    /// <summary>The source an intercepted stream call is cancelled with: the caller's token, or the caller disposing the call.</summary>
    private static CancellationTokenSource Cancellation(in CallOptions options) => options.CancellationToken.CanBeCanceled
        ? CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken)
        : new CancellationTokenSource();

    /// <summary>Generated clients: calls client-streaming <paramref name="method"/> with the items of <paramref name="requests"/> and returns its reply.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ValueTask<TResponse> InvokeClientStreamAsync<TRequest, TResponse>(MethodDescriptor method, IAsyncEnumerable<TRequest> requests, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
        => InvokeClientStreamAsync<TRequest, TResponse>(method, requests, new CallOptions { CancellationToken = cancellationToken });

    /// <summary>Generated clients: calls client-streaming <paramref name="method"/> with per-call options.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public async ValueTask<TResponse> InvokeClientStreamAsync<TRequest, TResponse>(MethodDescriptor method, IAsyncEnumerable<TRequest> requests, CallOptions options)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(requests);
        using ClientStreamingCall<TRequest, TResponse> call = OpenClientStream<TRequest, TResponse>(method, options);
        Exception? failed = await PumpAsync(requests, call.RequestStream, options.CancellationToken).ConfigureAwait(false);
        if (failed is not null && !call.ResponseAsync.IsCompleted)
        {
            // The caller's own source failed (or was cancelled): the call is cancelled, and the caller gets the source's error.
            call.Dispose();
            ExceptionDispatchInfo.Throw(failed);
        }

        // Otherwise a write that failed did so because the call ended: its reply or error says how.
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>Generated clients: calls bidirectional <paramref name="method"/> with the items of <paramref name="requests"/> and yields its responses.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public IAsyncEnumerable<TResponse> InvokeDuplexStreamAsync<TRequest, TResponse>(MethodDescriptor method, IAsyncEnumerable<TRequest> requests, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
        => InvokeDuplexStreamAsync<TRequest, TResponse>(method, requests, new CallOptions { CancellationToken = cancellationToken });

    /// <summary>Generated clients: calls bidirectional <paramref name="method"/> with per-call options.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public IAsyncEnumerable<TResponse> InvokeDuplexStreamAsync<TRequest, TResponse>(MethodDescriptor method, IAsyncEnumerable<TRequest> requests, CallOptions options)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(requests);
        return DuplexAsync<TRequest, TResponse>(method, requests, options);
    }

    private async IAsyncEnumerable<TResponse> DuplexAsync<TRequest, TResponse>(MethodDescriptor method, IAsyncEnumerable<TRequest> requests, CallOptions options, [EnumeratorCancellation] CancellationToken enumeratorCancellation = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        if (!options.CancellationToken.CanBeCanceled)
        {
            options = options with { CancellationToken = enumeratorCancellation };
        }

        using DuplexStreamingCall<TRequest, TResponse> call = OpenDuplexStream<TRequest, TResponse>(method, options);
        using var pumping = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken);
        Task<Exception?> pump = PumpAsync(requests, call.RequestStream, pumping.Token).AsTask();

        // The pump failing (its source, or a write for its own reason) cancels the call, so the reads below stop; the
        // caller then gets that failure.
        _ = pump.ContinueWith(static (done, state) =>
        {
            if (done.Result is not null and not OperationCanceledException)
            {
                ((IDisposable)state!).Dispose();
            }
        }, call, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        await using (var responses = call.ReadResponsesAsync(options.CancellationToken).GetAsyncEnumerator(options.CancellationToken))
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await responses.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception) when (PumpFailure(pump) is { } source)
                {
                    ExceptionDispatchInfo.Throw(source); // the call was cancelled because of it
                    throw;
                }

                if (!more)
                {
                    break;
                }

                yield return responses.Current;
            }
        }

        // A pump that failed cancelled the call, which can end the responses early and quietly (a dead link's write may
        // fail before the call learns why): the caller gets the failure, never a clean end.
        if (PumpFailure(pump) is { } failed)
        {
            ExceptionDispatchInfo.Throw(failed);
        }

        // The handler ended its stream: a source still producing is stopped.
        await pumping.CancelAsync().ConfigureAwait(false);
        await pump.ConfigureAwait(false);
    }

    /// <summary>
    /// Writes every item of <paramref name="requests"/>, then completes the stream; returns what stopped it early (the
    /// source failing, the caller's token, a write that failed for its own reason), or null. A write refused because the
    /// call is over returns null: the call's reply or error says how it ended, not the write it stopped.
    /// </summary>
    private static async ValueTask<Exception?> PumpAsync<TRequest>(IAsyncEnumerable<TRequest> requests, RequestStreamWriter<TRequest> writer, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
    {
        try
        {
            await foreach (TRequest item in requests.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
            }

            await writer.CompleteAsync().ConfigureAwait(false);
            return null;
        }
        catch (Exception) when (writer.HasEnded)
        {
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>What a finished pump failed with, other than the caller's own cancellation (which the reads report); null while it runs.</summary>
    private static Exception? PumpFailure(Task<Exception?> pump) =>
        pump.IsCompletedSuccessfully && pump.Result is { } failed and not OperationCanceledException ? failed : null;

    /// <summary>The call's token, linked to the propagated call's when there is one (the source is the caller's to dispose).</summary>
    private static CancellationTokenSource? Linked(in CallOptions options, out CancellationToken token)
    {
        CancellationTokenSource? linked = options.PropagateFrom is { } parent && parent.CancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken, parent.CancellationToken)
            : null;
        token = linked?.Token ?? options.CancellationToken;
        return linked;
    }
}
