using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Tether.Calls;
using Tether.Connections;
using Tether.Observability;

namespace Tether;

/// <summary>
/// How the peer's public calls reach the connection: straight to it (no interceptors, the usual case), or through the
/// client's interceptors (<see cref="ICallInterceptor"/>) whose pipeline ends in the same network calls. The network
/// calls time themselves when someone listens to <c>rpc.client.call.duration</c>.
/// </summary>
public abstract partial class TetherPeer
{
    /// <summary>The client's interceptors, outermost first; empty (the usual case) sends calls straight to the connection.</summary>
    private protected ICallInterceptor[] Interceptors { get; set; } = [];

    // Method id 0 on the connection means "by message type"; a generated client always names a method.
    private static MethodDescriptor Named(MethodDescriptor method) =>
        method is { Id: not 0 } ? method : throw new ArgumentException("A generated client names a method with a non-zero id.", nameof(method));

    private ValueTask<TResponse> Unary<TRequest, TResponse>(MethodDescriptor? method, TRequest request, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        if (Interceptors.Length != 0 || RetriesWithoutOptions(method))
        {
            return Unary<TRequest, TResponse>(method, request, new CallOptions { CancellationToken = cancellationToken });
        }

        TetherConnection connection = Connection;
        return connection.RequestAsync<TRequest, TResponse>(method?.Id ?? 0, in request, connection.DefaultCallTimeout, cancellationToken, observed: Observe<TRequest>(connection, method));
    }

    private ValueTask<TResponse> Unary<TRequest, TResponse>(MethodDescriptor? method, TRequest request, in CallOptions options)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
        => Interceptors.Length == 0
            ? SendUnaryAsync<TRequest, TResponse>(method, request, options)
            : InterceptUnaryAsync(new UnaryOutgoingCall<TRequest, TResponse>(this, method, request, options));

    private async ValueTask<TResponse> InterceptUnaryAsync<TRequest, TResponse>(UnaryOutgoingCall<TRequest, TResponse> call)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        await call.RunAsync(Interceptors).ConfigureAwait(false);
        return call.Reply;
    }

    private ValueTask Empty<TRequest>(MethodDescriptor? method, TRequest request, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
    {
        if (Interceptors.Length != 0 || RetriesWithoutOptions(method))
        {
            return Empty(method, request, new CallOptions { CancellationToken = cancellationToken });
        }

        TetherConnection connection = Connection;
        return connection.RequestEmptyAsync(method?.Id ?? 0, in request, connection.DefaultCallTimeout, cancellationToken, observed: Observe<TRequest>(connection, method));
    }

    private ValueTask Empty<TRequest>(MethodDescriptor? method, TRequest request, in CallOptions options)
        where TRequest : IMessage<TRequest>
        => Interceptors.Length == 0
            ? SendEmptyAsync(method, request, options)
            : new EmptyOutgoingCall<TRequest>(this, method, MethodKind.Unary, request, options).RunAsync(Interceptors);

    private ValueTask OneWay<T>(MethodDescriptor? method, T message, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        if (Interceptors.Length != 0)
        {
            return OneWay(method, message, new CallOptions { CancellationToken = cancellationToken });
        }

        // A one-way send is traced (while sampled) but not timed: it has no answer to time (decision 0013).
        TetherConnection connection = Connection;
        return ClientCallScope.IsTraced
            ? SendOneWayAsync(method, message, new CallOptions { CancellationToken = cancellationToken })
            : connection.SendAsync(method?.Id ?? 0, in message, cancellationToken);
    }

    private ValueTask OneWay<T>(MethodDescriptor? method, T message, in CallOptions options)
        where T : IMessage<T>
        => Interceptors.Length == 0
            ? SendOneWayAsync(method, message, options)
            : new EmptyOutgoingCall<T>(this, method, MethodKind.OneWay, message, options).RunAsync(Interceptors);

    private IAsyncEnumerable<TItem> Stream<TRequest, TItem>(MethodDescriptor? method, TRequest request, CallOptions options)
        where TRequest : IMessage<TRequest>
        where TItem : IMessage<TItem>
        => Interceptors.Length == 0
            ? StreamCore<TRequest, TItem>(method, request, options)
            : InterceptStream<TRequest, TItem>(method, request, options);

    // The network end of every call made with options, of every observed call, and of every interceptor pipeline.
    internal ValueTask<TResponse> SendUnaryAsync<TRequest, TResponse>(MethodDescriptor? method, TRequest request, in CallOptions options)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        if (RetryFor(method, options) is { } policy)
        {
            return RetryUnaryAsync<TRequest, TResponse>(method, request, options, policy);
        }

        TetherConnection connection = Connection;
        return connection.RequestAsync<TRequest, TResponse>(method?.Id ?? 0, in request, in options, Observe<TRequest>(connection, method));
    }

    internal ValueTask SendEmptyAsync<TRequest>(MethodDescriptor? method, TRequest request, in CallOptions options)
        where TRequest : IMessage<TRequest>
    {
        if (RetryFor(method, options) is { } policy)
        {
            return RetryEmptyAsync(method, request, options, policy);
        }

        TetherConnection connection = Connection;
        return connection.RequestEmptyAsync(method?.Id ?? 0, in request, in options, Observe<TRequest>(connection, method));
    }

    internal ValueTask SendOneWayAsync<T>(MethodDescriptor? method, T message, in CallOptions options)
        where T : IMessage<T>
    {
        TetherConnection connection = Connection;
        if (!ClientCallScope.IsTraced)
        {
            return connection.SendAsync(method?.Id ?? 0, in message, in options);
        }

        ClientCallScope scope = ClientCallScope.Start(connection.Metrics, NameOf<T>(method), timed: false);
        ValueTask send;
        try
        {
            send = connection.SendAsync(method?.Id ?? 0, in message, in options, in scope);
        }
        catch (Exception e)
        {
            scope.Completed(e);
            throw;
        }

        scope.Leave();
        if (send.IsCompletedSuccessfully)
        {
            scope.Complete(null);
            return send;
        }

        return EndSpanWhenSentAsync(send, scope);
    }

    // A send that waited for room, or failed (traced): its span ends with the outcome.
    private static async ValueTask EndSpanWhenSentAsync(ValueTask send, ClientCallScope scope)
    {
        try
        {
            await send.ConfigureAwait(false);
            scope.Complete(null);
        }
        catch (Exception e)
        {
            scope.Complete(e);
            throw;
        }
    }

    /// <summary>Starts a server stream: the caller's token, linked to the propagated call's when there is one.</summary>
    internal OpenedStream<TItem> OpenStream<TRequest, TItem>(MethodDescriptor? method, TRequest request, CallOptions options)
        where TRequest : IMessage<TRequest>
        where TItem : IMessage<TItem>
        => OpenStream(method, request, StreamItems.Typed<TItem>(), options);

    /// <summary>Starts a server stream whose items <paramref name="read"/> makes.</summary>
    private OpenedStream<TItem> OpenStream<TRequest, TItem>(MethodDescriptor? method, TRequest request, StreamItemReader<TItem> read, CallOptions options)
        where TRequest : IMessage<TRequest>
    {
        TetherConnection connection = Connection;
        ClientCallScope? scope = ClientCallScope.IsObserved(connection.Metrics) ? ClientCallScope.Start(connection.Metrics, NameOf<TRequest>(method)) : null;
        CancellationToken cancellationToken = options.CancellationToken;
        CancellationTokenSource? linked = options.PropagateFrom is { } parent && parent.CancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, parent.CancellationToken)
            : null;
        try
        {
            cancellationToken = linked?.Token ?? cancellationToken;
            CallOptions sent = options with { CancellationToken = cancellationToken };
            StreamCall<TItem> call = connection.StartStream(method?.Id ?? 0, in request, read, in sent, scope ?? default);
            scope?.Leave();
            return new OpenedStream<TItem>(connection, call, linked, cancellationToken) { Scope = scope };
        }
        catch (Exception e)
        {
            scope?.Leave();
            scope?.Complete(e);
            linked?.Dispose();
            throw;
        }
    }

    private IAsyncEnumerable<TItem> StreamCore<TRequest, TItem>(MethodDescriptor? method, TRequest request, CallOptions options)
        where TRequest : IMessage<TRequest>
        where TItem : IMessage<TItem>
        => ReadStream(method, request, StreamItems.Typed<TItem>(), options, mayRetry: true);

    /// <summary>
    /// Calls a server-streaming method and yields what <paramref name="read"/> makes of its items; retried until its first
    /// item when <paramref name="mayRetry"/> and the method or options ask for retries.
    /// </summary>
    private async IAsyncEnumerable<TItem> ReadStream<TRequest, TItem>(MethodDescriptor? method, TRequest request, StreamItemReader<TItem> read, CallOptions options, bool mayRetry, [EnumeratorCancellation] CancellationToken enumeratorCancellation = default)
        where TRequest : IMessage<TRequest>
    {
        if (!options.CancellationToken.CanBeCanceled)
        {
            options = options with { CancellationToken = enumeratorCancellation };
        }

        using OpenedStream<TItem> stream = mayRetry && RetryFor(method, options) is { } policy
            ? await OpenRetriedStreamAsync(method, request, read, options, policy).ConfigureAwait(false)
            : OpenStream(method, request, read, options);
        try
        {
            ChannelReader<TItem> reader = stream.Call.Reader;
            while (await reader.WaitToReadAsync(stream.Token).ConfigureAwait(false))
            {
                while (stream.Call.TryRead(out TItem? item))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            stream.Close();
        }
    }

    private async IAsyncEnumerable<TItem> InterceptStream<TRequest, TItem>(MethodDescriptor? method, TRequest request, CallOptions options, [EnumeratorCancellation] CancellationToken enumeratorCancellation = default)
        where TRequest : IMessage<TRequest>
        where TItem : IMessage<TItem>
    {
        if (!options.CancellationToken.CanBeCanceled)
        {
            options = options with { CancellationToken = enumeratorCancellation };
        }

        var call = new StreamOutgoingCall<TRequest, TItem>(this, method, request, options);
        Task pipeline = call.RunPipelineAsync(Interceptors);
        if (await call.Opened.ConfigureAwait(false) is not { } stream)
        {
            await pipeline.ConfigureAwait(false); // refused or answered by an interceptor: its outcome is the caller's
            yield break;
        }

        Exception? failure = null;
        try
        {
            ChannelReader<TItem> reader = stream.Call.Reader;
            while (true)
            {
                bool more;
                try
                {
                    more = await reader.WaitToReadAsync(stream.Token).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    failure = e; // the interceptors see it first: they may map or swallow it
                    break;
                }

                if (!more)
                {
                    break;
                }

                while (stream.Call.TryRead(out TItem? item))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            stream.Close();
            call.End(failure);
            await pipeline.ConfigureAwait(false);
        }
    }

    /// <summary>The scope of a call about to go out: timing and span while someone observes calls, else default (nothing to do).</summary>
    private static ClientCallScope Observe<TRequest>(TetherConnection connection, MethodDescriptor? method) =>
        ClientCallScope.IsObserved(connection.Metrics) ? ClientCallScope.Start(connection.Metrics, NameOf<TRequest>(method)) : default;

    /// <summary><c>rpc.method</c>: the method's <c>Service/Method</c>, or the request type's name for a call by message type.</summary>
    private static string NameOf<TRequest>(MethodDescriptor? method) => method?.FullName ?? MessageName<TRequest>.Value;

    private static class MessageName<T>
    {
        public static readonly string Value = typeof(T).Name;
    }
}
