namespace Tether;

/// <summary>
/// Middleware around a client's outgoing calls (unary, one-way and server-streaming), in the order interceptors were
/// added: the first added runs outermost. An interceptor sees the call through an <see cref="OutgoingCall"/>: the
/// method's descriptor, the request, the options (deadline, metadata, cancellation); it may change the metadata or the
/// options, observe the call's duration and exceptions, answer the call itself, or refuse it.
/// </summary>
/// <remarks>
/// <para>
/// To refuse a call, throw (a <see cref="TetherException"/> reaches the caller as if the server had answered it). To
/// answer a unary call without sending it, set <see cref="OutgoingCall.Response"/> and return without calling the
/// continuation. The continuation may be called once. For a stream, the continuation completes when the stream has
/// ended (its last item read, failed, or abandoned by the caller), so the time around it is the stream's duration.
/// </para>
/// <para>
/// With no interceptor added, a call runs exactly as without this feature: no object, no indirection.
/// <see cref="TetherPeer.TrySend{T}(in T)"/>, which never waits, is not intercepted.
/// </para>
/// </remarks>
public interface ICallInterceptor
{
    /// <summary>Runs around the rest of the pipeline (<paramref name="continuation"/>: later interceptors, then the network).</summary>
    /// <param name="outgoing">The call.</param>
    /// <param name="continuation">The rest of the pipeline; completes when the call has completed.</param>
    ValueTask InvokeAsync(OutgoingCall outgoing, OutgoingCallNext continuation);
}

/// <summary>The rest of an outgoing call's interceptor pipeline: later interceptors, then the network.</summary>
/// <param name="outgoing">The call (the same object the interceptor received).</param>
public delegate ValueTask OutgoingCallNext(OutgoingCall outgoing);
