using Tether.Framing;

namespace Tether.Connections;

/// <summary>
/// One outgoing call's options, resolved when it starts: when it times out (a <see cref="TimeProvider"/> timestamp),
/// the headers it sends, its tokens and where its trailing metadata goes. A call made without options has empty
/// headers and goes out exactly as before call headers existed.
/// </summary>
internal readonly struct CallPlan
{
    /// <summary>How long the call may take from now; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</summary>
    public required TimeSpan Timeout { get; init; }

    public required OutgoingCallHeaders Headers { get; init; }

    public CancellationToken Token { get; init; }

    /// <summary>Propagation: the token of the call being handled that this call is made for.</summary>
    public CancellationToken ParentToken { get; init; }

    public CallMetadata? Trailers { get; init; }

    /// <summary>The call's timing and span while it is observed (the pending call completes it), else default.</summary>
    public Observability.ClientCallScope Scope { get; init; }

    /// <summary>This plan for an observed call: its span's context travels in the headers.</summary>
    /// <param name="scope">The call's timing and span.</param>
    /// <param name="completesWithCall">The pending call completes the scope (false for a stream, whose reader does).</param>
    public CallPlan Observed(in Observability.ClientCallScope scope, bool completesWithCall = true)
    {
        if (!scope.IsActive)
        {
            return this;
        }

        OutgoingCallHeaders headers = scope.Activity is { } span
            ? Headers with { TraceParent = Observability.TetherTracing.EncodeTraceParent(span.Context), TraceState = span.TraceStateString }
            : Headers;
        return this with { Headers = headers, Scope = completesWithCall ? scope : scope.TracingOnly };
    }

    /// <summary>The plan of a call without options: the given timeout (sent only when the settings say so).</summary>
    public static CallPlan Simple(TimeSpan timeout, bool sendDeadline, CancellationToken token) => new()
    {
        Timeout = timeout,
        Token = token,
        Headers = sendDeadline && timeout != System.Threading.Timeout.InfiniteTimeSpan
            ? new OutgoingCallHeaders { DeadlineMicros = ToMicros(timeout), Priority = -1 }
            : OutgoingCallHeaders.None,
    };

    /// <summary>Resolves <paramref name="options"/>: the earliest of their deadline, timeout and parent's deadline; else the default timeout.</summary>
    /// <exception cref="DeadlineExceededException">The deadline had already passed.</exception>
    public static CallPlan From(in CallOptions options, TimeSpan defaultTimeout, bool sendDefaultDeadline, TimeProvider time)
    {
        // An infinite timeout asks for no limit at all (not the default one); a deadline or a parent's still bounds the call.
        bool unlimited = options.Timeout == System.Threading.Timeout.InfiniteTimeSpan;
        TimeSpan? budget = unlimited ? null : options.Timeout;
        DateTimeOffset now = default;
        if (options.Deadline is { } deadline)
        {
            now = time.GetUtcNow();
            budget = Earlier(budget, deadline - now);
        }

        CallContext? parent = options.PropagateFrom;
        if (parent?.Deadline is { } inherited)
        {
            now = now == default ? time.GetUtcNow() : now;
            budget = Earlier(budget, inherited - now);
        }

        if (budget is { } left && left <= TimeSpan.Zero)
        {
            throw new DeadlineExceededException(serverGaveUp: false, "The call's deadline had passed before it was sent.");
        }

        TimeSpan fallback = unlimited ? System.Threading.Timeout.InfiniteTimeSpan : defaultTimeout;
        bool send = budget is not null || (sendDefaultDeadline && fallback != System.Threading.Timeout.InfiniteTimeSpan);
        TimeSpan timeout = budget ?? fallback;
        return new CallPlan
        {
            Timeout = timeout,
            Token = options.CancellationToken,
            ParentToken = parent?.CancellationToken ?? default,
            Trailers = options.ResponseTrailers,
            Headers = new OutgoingCallHeaders
            {
                DeadlineMicros = send ? ToMicros(timeout) : 0,
                Metadata = options.Metadata,
                IdempotencyKey = options.IdempotencyKey is { } key ? EncodeKey(key) : default,
                Priority = options.Priority is { } priority
                    ? priority is >= 0 and <= 255 ? priority : throw new ArgumentOutOfRangeException(nameof(options), priority, "A call's priority is 0 to 255.")
                    : -1,
            },
        };
    }

    /// <summary>An idempotency key as it travels: its UTF-8 bytes, 1 to <see cref="CallHeaderCodec.MaxIdempotencyKeyBytes"/> of them.</summary>
    /// <exception cref="ArgumentException">The key is empty or too long.</exception>
    private static byte[] EncodeKey(string key)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(key);
        return bytes.Length is > 0 and <= CallHeaderCodec.MaxIdempotencyKeyBytes
            ? bytes
            : throw new ArgumentException($"An idempotency key has 1 to {CallHeaderCodec.MaxIdempotencyKeyBytes} bytes of UTF-8; this one has {bytes.Length}.");
    }

    private static TimeSpan? Earlier(TimeSpan? a, TimeSpan b) => a is { } x && x <= b ? x : b;

    private static long ToMicros(TimeSpan span) => Math.Max(1, span.Ticks / TimeSpan.TicksPerMicrosecond);
}
