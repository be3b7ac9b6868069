using System.ComponentModel;

namespace Tether;

/// <summary>
/// One call in progress, as seen by a handler and by generated dispatch code. Whatever carries the
/// call supplies the implementation (the network runtime will; tests and the quickstart have their
/// own). Handlers may take it as a parameter to read the call's cancellation and decode options.
/// </summary>
public abstract class CallContext
{
    /// <summary>Cancelled when the caller cancels, the deadline passes or the connection ends.</summary>
    public abstract CancellationToken CancellationToken { get; }

    /// <summary>
    /// The peer that made the call: on a server the caller's <see cref="TetherSession"/>, on a client the
    /// <see cref="TetherClient"/> receiving a push. A handler answers more than the reply through it, for example
    /// <c>context.Peer.SendAsync(notice)</c> pushes to the caller while the call runs.
    /// </summary>
    /// <exception cref="InvalidOperationException">The call was not dispatched by the network runtime (a context of a test's own).</exception>
    public virtual TetherPeer Peer => throw new InvalidOperationException("This call was not dispatched by the network runtime, so it has no peer.");

    /// <summary>Limits used to decode this call's messages.</summary>
    public virtual DecodeOptions DecodeOptions => DecodeOptions.Default;

    /// <summary>
    /// The metadata the caller sent with the call (<see cref="CallMetadata.Empty"/> when none); read-only as received. A
    /// call filter (<see cref="ICallFilter"/>) may replace it before the handler runs, e.g. with a writable copy
    /// (<see cref="CallMetadata.Copy"/>) it changed.
    /// </summary>
    public virtual CallMetadata RequestMetadata
    {
        get => _requestMetadata ?? CallMetadata.Empty;
        set => _requestMetadata = value ?? throw new ArgumentNullException(nameof(value));
    }

    private CallMetadata? _requestMetadata;

    /// <summary>
    /// Metadata sent back with the call's answer (reply, end of stream or error) as trailing metadata. Add to it before
    /// the handler returns, or before <see cref="Reply"/> for a reply written early.
    /// </summary>
    public virtual CallMetadata ResponseTrailers => _responseTrailers ??= new CallMetadata();

    /// <summary>
    /// When the caller stops waiting (its deadline as this side's clock sees it: the budget it sent, counted from the
    /// call's arrival), or null when it sent none. <see cref="CancellationToken"/> fires at it.
    /// </summary>
    public virtual DateTimeOffset? Deadline => null;

    /// <summary>
    /// On a durable session (<see cref="TetherServerOptions.DurableSessions"/>), which frame of which session this call
    /// handles: the same when a server restarted by a crash runs the handler again, so a handler whose effects live
    /// outside Tether commits this id with them and skips a message it finds already applied (docs/durability.md).
    /// Null on other sessions.
    /// </summary>
    public virtual DeliveryId? Delivery => null;

    /// <summary>The method called, from the generated tables; null for a context of a test's own.</summary>
    public virtual MethodDescriptor? Method => null;

    /// <summary>
    /// The call's idempotency key (<see cref="CallOptions.IdempotencyKey"/>; every retried call has one), or null. The
    /// server already answers a repeat of a unary call from the first one's result (<see cref="IdempotencyOptions"/>); a
    /// handler may also use the key itself, for example to make its own writes idempotent downstream.
    /// </summary>
    public virtual string? IdempotencyKey => null;

    /// <summary>
    /// Who made the call: the identity its session was authenticated with (today the TLS client certificate's subject,
    /// when the caller presented one), or an unauthenticated principal.
    /// </summary>
    public virtual System.Security.Claims.ClaimsPrincipal User => Anonymous;

    private static readonly System.Security.Claims.ClaimsPrincipal Anonymous = new(new System.Security.Claims.ClaimsIdentity());

    private CallMetadata? _responseTrailers;

    /// <summary>
    /// Opens the reply frame: returns false when the call takes no reply (a one-way message), else a span to encode the
    /// body into: its first <paramref name="bodyLength"/> bytes are the body; any bytes past them are scratch the encoder
    /// may write and are not sent (an implementation may return exactly <paramref name="bodyLength"/> bytes).
    /// </summary>
    /// <exception cref="TetherException">The reply cannot be sent (for example it exceeds the peer's frame size).</exception>
    protected abstract bool TryBeginReply(int messageId, int bodyLength, out Span<byte> body);

    /// <summary>Commits the reply frame opened by <see cref="TryBeginReply"/>.</summary>
    protected abstract void EndReply();

    /// <summary>Drops the reply frame opened by <see cref="TryBeginReply"/> (encoding failed).</summary>
    protected abstract void AbortReply();

    /// <summary>Called by generated code when a unary method with no result completes.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public abstract void CompleteEmpty();

    /// <summary>Opens the next stream item frame; same contract as <see cref="TryBeginReply"/>.</summary>
    protected abstract bool TryBeginStreamItem(int messageId, int bodyLength, out Span<byte> body);

    /// <summary>Commits the stream item frame; completes when the transport can take more (backpressure).</summary>
    protected abstract ValueTask EndStreamItemAsync();

    /// <summary>Drops the stream item frame (encoding failed).</summary>
    protected abstract void AbortStreamItem();

    /// <summary>Called by generated code when a server stream ends normally.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public abstract void CompleteStream();

    /// <summary>
    /// Called by generated code for a client-streaming or bidirectional method: the call's input items, in the order the
    /// caller wrote them, ending when the caller ends its input. Reading grants the caller more credit (decision 0026);
    /// the enumeration ends with the call's <see cref="CancellationToken"/> when the call is cancelled. Read once.
    /// </summary>
    /// <typeparam name="T">The input's message type.</typeparam>
    /// <exception cref="InvalidOperationException">The call has no input stream (this context does not carry one), or it was already taken.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public virtual IAsyncEnumerable<T> ReadInputStream<T>()
        where T : IMessage<T>
        => throw new InvalidOperationException("This call has no input stream.");

    /// <summary>Encodes <paramref name="value"/> as this call's reply.</summary>
    public void Reply<T>(in T value)
        where T : IMessage<T>
    {
        // Sized first, so the frame is written once, in place, with its final length.
        int length = TetherCodec.GetEncodedSize(in value);
        if (!TryBeginReply(T.MessageId, length, out Span<byte> body))
        {
            return;
        }

        try
        {
            TetherCodec.EncodeSized(body, length, in value);
        }
        catch
        {
            AbortReply();
            throw;
        }

        EndReply();
    }

    /// <summary>Encodes <paramref name="value"/> as the next item of this call's stream.</summary>
    public ValueTask WriteStreamItemAsync<T>(in T value)
        where T : IMessage<T>
    {
        int length = TetherCodec.GetEncodedSize(in value);
        if (!TryBeginStreamItem(T.MessageId, length, out Span<byte> body))
        {
            return default;
        }

        try
        {
            TetherCodec.EncodeSized(body, length, in value);
        }
        catch
        {
            AbortStreamItem();
            throw;
        }

        return EndStreamItemAsync();
    }
}
