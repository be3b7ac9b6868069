namespace Tether;

/// <summary>
/// Middleware around incoming calls' handlers (server calls, and client push handlers): added with <c>AddFilter</c>
/// around every call, in the order added (the first added runs outermost), or named by methods with
/// <see cref="CallFilterAttribute{TFilter}"/> around theirs only, inside the added ones. A filter sees the call through its <see cref="CallContext"/>: the
/// method's descriptor (<see cref="CallContext.Method"/>), the caller (<see cref="CallContext.User"/>), its metadata and
/// deadline; it may add trailing metadata, observe the handler's duration and exceptions, or stop the call.
/// </summary>
/// <remarks>
/// To stop a call, throw a <see cref="TetherException"/> (the caller gets its code and message) instead of calling
/// the continuation. A filter that returns without calling it and without throwing completes the call with no
/// reply. The continuation may be called once. With no filter added, a call runs exactly as without this feature: no copy,
/// no indirection. With filters, the request's bytes are copied once (to a pooled buffer) so a filter may await
/// before calling the continuation.
/// </remarks>
public interface ICallFilter
{
    /// <summary>Runs around the rest of the pipeline (<paramref name="continuation"/>: later filters, then the handler).</summary>
    /// <param name="context">The call.</param>
    /// <param name="continuation">The rest of the pipeline; completes when the handler has completed.</param>
    ValueTask InvokeAsync(CallContext context, CallFilterNext continuation);
}

/// <summary>The rest of a call's filter pipeline: later filters, then the handler.</summary>
/// <param name="context">The call (the same context the filter received).</param>
public delegate ValueTask CallFilterNext(CallContext context);
