namespace Tether;

/// <summary>
/// Options of one call: its deadline, metadata, cancellation, where its trailing metadata goes, and the call it is made
/// from (deadline and cancellation propagation). Passed to the generated clients' <c>(request, CallOptions)</c>
/// overloads and to <see cref="TetherPeer.RequestAsync{TRequest, TResponse}(TRequest, CallOptions)"/>.
/// </summary>
/// <remarks>
/// The deadline that applies is the earliest of <see cref="Deadline"/>, now + <see cref="Timeout"/> and the deadline of
/// <see cref="PropagateFrom"/>; with none of them, the client's <see cref="TetherConnectionOptions.DefaultCallTimeout"/>.
/// A deadline from these options travels to the peer (its handler's token fires at it); the default timeout travels
/// only with <see cref="TetherConnectionOptions.SendDefaultDeadline"/>.
/// </remarks>
public readonly struct CallOptions
{
    /// <summary>How long the call may take from now.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>When the call must be over.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>Request metadata sent with the call.</summary>
    public CallMetadata? Metadata { get; init; }

    /// <summary>Cancels the call (the peer's handler is told with a cancel frame).</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Receives the trailing metadata the handler sent with its answer (reply, end of stream or error), before the call completes.</summary>
    public CallMetadata? ResponseTrailers { get; init; }

    /// <summary>
    /// A call being handled now that this call is made for: its deadline bounds this call's (the earlier wins) and its
    /// cancellation cancels this call, as gRPC's call-context propagation does.
    /// </summary>
    public CallContext? PropagateFrom { get; init; }

    /// <summary>
    /// For a one-way send: complete only once the peer has acknowledged the message (a server with a durable session
    /// store acknowledges once the message's handler completed and that is on disk), rather than once it is queued.
    /// If the session ends first, the send fails with <see cref="TetherErrorCode.NeverSent"/> (the peer never had it:
    /// safe to send again) or <see cref="TetherErrorCode.NotDelivered"/> (it may have arrived). At most
    /// <see cref="TetherConnectionOptions.MaxUnacknowledgedSends"/> such sends wait at once; more wait for a slot.
    /// Needs a resumable session (their frames are numbered and acknowledged). Cancelling stops the wait, not the send.
    /// </summary>
    public bool WaitForAcknowledgement { get; init; }

    /// <summary>
    /// The call's idempotency key (1–64 bytes of UTF-8): a server that saw a call of the same method with the same key
    /// from the same principal within <see cref="IdempotencyOptions.Retention"/> answers with that call's result instead of
    /// running the handler again. Null (the default) sends none, except on a call that may be retried, which gets a new
    /// random key for all its attempts. Set it to keep the key across processes (an order number, a request id).
    /// Unary calls only: a stream or one-way message ignores it.
    /// </summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>
    /// How this call is retried, overriding <see cref="TetherClientOptions.Retry"/>; null (the default) retries calls of
    /// methods marked <see cref="MethodAttribute.Idempotent"/> under the client's policy and no others. Giving a policy
    /// retries the call whatever its method, the caller vouching that it is safe; <see cref="RetryPolicy.None"/> never retries.
    /// </summary>
    public RetryPolicy? Retry { get; init; }

    /// <summary>
    /// The call's priority, 0 (lowest) to 255 (highest); null is 128. It travels with the call, and orders the sends that
    /// wait for room on a saturated link — this one-way send, or the items of this server stream on the server — by the
    /// rule of decision 0025: four bands served 8:4:2:1, so higher priorities go first and none starves.
    /// </summary>
    public int? Priority { get; init; }

    /// <summary>Options with just a timeout.</summary>
    public static CallOptions WithTimeout(TimeSpan timeout) => new() { Timeout = timeout };
}
