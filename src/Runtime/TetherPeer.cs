using System.ComponentModel;
using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Tether.Calls;
using Tether.Connections;

namespace Tether;

/// <summary>
/// The other end of a connection, as this side calls it: requests with typed replies, one-way messages, server
/// streams and pings. A client is a peer of its server; a server's <see cref="TetherSession"/> is a peer of its client.
/// </summary>
public abstract partial class TetherPeer
{
    private protected TetherPeer()
    {
    }

    private protected abstract TetherConnection? CurrentConnection { get; }

    private TetherConnection Connection => CurrentConnection ?? throw new InvalidOperationException("The peer is not connected.");

    /// <summary>The state of the session (see <see cref="SessionStateMachine"/> for the legal transitions).</summary>
    public SessionState State => CurrentConnection?.State ?? SessionState.Connecting;

    /// <summary>What negotiation settled: version, transport, services, whether the session resumes. Null before the handshake.</summary>
    public SessionContract? Contract => CurrentConnection?.Contract;

    /// <summary>Raised on every change of <see cref="State"/> (Connecting → Negotiating → Active → Resuming → … → Closed), on the thread that made it.</summary>
    public event Action<SessionStateChange>? StateChanged;

    private protected void RaiseStateChanged(SessionStateChange change)
    {
        try
        {
            StateChanged?.Invoke(change);
        }
        catch (Exception)
        {
            // An application's handler must not break the session's bookkeeping; the change has happened regardless.
        }
    }

    /// <summary>The peer's address.</summary>
    public EndPoint? RemoteEndPoint => CurrentConnection?.RemoteEndPoint;

    /// <summary>This side's address.</summary>
    public EndPoint? LocalEndPoint => CurrentConnection?.LocalEndPoint;

    /// <summary>The transport's name ("tcp", "inmemory", …).</summary>
    public string? TransportName => CurrentConnection?.TransportName;

    /// <summary>The last round trip measured by a heartbeat or <see cref="PingAsync"/>.</summary>
    public TimeSpan? RoundTripTime => CurrentConnection?.RoundTripTime;

    /// <summary>Sends <paramref name="request"/> and returns the reply, within the default call timeout.</summary>
    /// <remarks>
    /// A call by message type: the peer runs its only unary method taking <typeparamref name="TRequest"/> (or, for an
    /// acknowledged send, its one-way method). When several methods take it, the call fails with
    /// <see cref="TetherErrorCode.AmbiguousMessage"/>: call the method through a generated client, which names it by id.
    /// </remarks>
    /// <exception cref="TetherException">The call failed; <see cref="TetherException.Code"/> says why (timeout, unknown message, handler failure, limits, closed connection).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the handler's token is cancelled too.</exception>
    public ValueTask<TResponse> RequestAsync<TRequest, TResponse>(TRequest request, CancellationToken cancellationToken = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
        => Unary<TRequest, TResponse>(null, request, cancellationToken);

    /// <summary>
    /// Sends <paramref name="request"/> and returns the reply, failing with a <see cref="DeadlineExceededException"/>
    /// after <paramref name="timeout"/>. The timeout travels as the call's deadline: the handler's token fires at it.
    /// </summary>
    public ValueTask<TResponse> RequestAsync<TRequest, TResponse>(TRequest request, TimeSpan timeout, CancellationToken cancellationToken = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
        => Unary<TRequest, TResponse>(null, request, new CallOptions { Timeout = timeout, CancellationToken = cancellationToken });

    /// <summary>Sends <paramref name="request"/> with per-call options (deadline, metadata, trailers, propagation) and returns the reply.</summary>
    /// <exception cref="DeadlineExceededException">The deadline passed (on either side).</exception>
    public ValueTask<TResponse> RequestAsync<TRequest, TResponse>(TRequest request, CallOptions options)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
        => Unary<TRequest, TResponse>(null, request, options);

    /// <summary>Calls a method that returns no result and waits until it has completed.</summary>
    public ValueTask RequestAsync<TRequest>(TRequest request, CancellationToken cancellationToken = default)
        where TRequest : IMessage<TRequest>
        => Empty(null, request, cancellationToken);

    /// <summary>Calls a method that returns no result, with a timeout (sent as the call's deadline).</summary>
    public ValueTask RequestAsync<TRequest>(TRequest request, TimeSpan timeout, CancellationToken cancellationToken = default)
        where TRequest : IMessage<TRequest>
        => Empty(null, request, new CallOptions { Timeout = timeout, CancellationToken = cancellationToken });

    /// <summary>Calls a method that returns no result, with per-call options.</summary>
    public ValueTask RequestAsync<TRequest>(TRequest request, CallOptions options)
        where TRequest : IMessage<TRequest>
        => Empty(null, request, options);

    /// <summary>Sends a one-way message (no reply), waiting while the send queue is full.</summary>
    public ValueTask SendAsync<T>(T message, CancellationToken cancellationToken = default)
        where T : IMessage<T>
        => OneWay(null, message, cancellationToken);

    /// <summary>Sends a one-way message with per-call options (metadata; a deadline for its handler), waiting while the send queue is full.</summary>
    public ValueTask SendAsync<T>(T message, CallOptions options)
        where T : IMessage<T>
        => OneWay(null, message, options);

    /// <summary>Sends a one-way message unless the send queue is full; never waits (and so is not intercepted).</summary>
    /// <returns>False when the peer is not reading fast enough (the message is not sent) or the link is closed.</returns>
    public bool TrySend<T>(in T message)
        where T : IMessage<T>
        => CurrentConnection is { } connection && connection.TrySend(0, in message);

    /// <summary>
    /// Sends one-way messages, in order, as consecutive frames written under one hold of the send queue and flushed by
    /// this call (a send per 32 KiB), waiting while the queue is full. Each reaches its handler as if sent alone.
    /// </summary>
    /// <remarks>With interceptors, or while the caller's trace is sampled, each message is sent (intercepted, traced) on its own.</remarks>
    public ValueTask SendBatchAsync<T>(ReadOnlyMemory<T> messages, CancellationToken cancellationToken = default)
        where T : IMessage<T>
        => Interceptors.Length == 0 && !Observability.ClientCallScope.IsTraced
            ? Connection.SendBatchAsync(0, messages, cancellationToken)
            : SendEachAsync(messages, cancellationToken);

    /// <summary>
    /// Sends the first of <paramref name="messages"/> the send queue has room for, in order, as consecutive frames flushed
    /// once; never waits (and so is not intercepted).
    /// </summary>
    /// <returns>How many were sent (the first ones): fewer than all when the peer is not reading fast enough or the link is closed.</returns>
    public int TrySendBatch<T>(ReadOnlySpan<T> messages)
        where T : IMessage<T>
        => CurrentConnection is { } connection ? connection.TrySendBatch(0, messages) : 0;

    private async ValueTask SendEachAsync<T>(ReadOnlyMemory<T> messages, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        for (int i = 0; i < messages.Length; i++)
        {
            await SendAsync(messages.Span[i], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Calls a server-streaming method and yields its items as they arrive.</summary>
    /// <remarks>Stopping the enumeration early, or cancelling, sends a cancel frame so the handler stops too.</remarks>
    public IAsyncEnumerable<TItem> StreamAsync<TRequest, TItem>(TRequest request, CancellationToken cancellationToken = default)
        where TRequest : IMessage<TRequest>
        where TItem : IMessage<TItem>
        => Stream<TRequest, TItem>(null, request, new CallOptions { CancellationToken = cancellationToken });

    /// <summary>Calls a server-streaming method with per-call options and yields its items as they arrive.</summary>
    public IAsyncEnumerable<TItem> StreamAsync<TRequest, TItem>(TRequest request, CallOptions options)
        where TRequest : IMessage<TRequest>
        where TItem : IMessage<TItem>
        => Stream<TRequest, TItem>(null, request, options);

    /// <summary>Generated clients: calls unary <paramref name="method"/> and returns its reply.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ValueTask<TResponse> InvokeUnaryAsync<TRequest, TResponse>(MethodDescriptor method, TRequest request, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
        => Unary<TRequest, TResponse>(Named(method), request, cancellationToken);

    /// <summary>Generated clients: calls unary <paramref name="method"/>, which returns no result, and waits for it.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ValueTask InvokeEmptyAsync<TRequest>(MethodDescriptor method, TRequest request, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
        => Empty(Named(method), request, cancellationToken);

    /// <summary>Generated clients: calls server-streaming <paramref name="method"/>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public IAsyncEnumerable<TItem> InvokeStreamAsync<TRequest, TItem>(MethodDescriptor method, TRequest request, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>
        where TItem : IMessage<TItem>
        => Stream<TRequest, TItem>(Named(method), request, new CallOptions { CancellationToken = cancellationToken });

    /// <summary>Generated clients: calls unary <paramref name="method"/> with per-call options.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ValueTask<TResponse> InvokeUnaryAsync<TRequest, TResponse>(MethodDescriptor method, TRequest request, CallOptions options)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
        => Unary<TRequest, TResponse>(Named(method), request, options);

    /// <summary>Generated clients: calls unary <paramref name="method"/>, which returns no result, with per-call options.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ValueTask InvokeEmptyAsync<TRequest>(MethodDescriptor method, TRequest request, CallOptions options)
        where TRequest : IMessage<TRequest>
        => Empty(Named(method), request, options);

    /// <summary>Generated clients: calls server-streaming <paramref name="method"/> with per-call options.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public IAsyncEnumerable<TItem> InvokeStreamAsync<TRequest, TItem>(MethodDescriptor method, TRequest request, CallOptions options)
        where TRequest : IMessage<TRequest>
        where TItem : IMessage<TItem>
        => Stream<TRequest, TItem>(Named(method), request, options);

    /// <summary>Generated clients: sends one-way <paramref name="method"/> with per-call options.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ValueTask InvokeOneWayAsync<T>(MethodDescriptor method, T message, CallOptions options)
        where T : IMessage<T>
        => OneWay(Named(method), message, options);

    /// <summary>Generated clients: sends one-way <paramref name="method"/>, waiting while the send queue is full.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ValueTask InvokeOneWayAsync<T>(MethodDescriptor method, T message, CancellationToken cancellationToken)
        where T : IMessage<T>
        => OneWay(Named(method), message, cancellationToken);

    /// <summary>Measures the round trip to the peer.</summary>
    public ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken = default) => Connection.PingAsync(cancellationToken);
}
