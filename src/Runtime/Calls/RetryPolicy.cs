namespace Tether;

/// <summary>
/// How a client retries a unary call, or a server stream before its first item, that failed with a retryable error: how
/// many attempts, how long it waits between them, which codes it retries, and the budget that stops retries from
/// multiplying load on a failing server. Applies to methods marked <see cref="MethodAttribute.Idempotent"/> (through
/// <see cref="TetherClientOptions.Retry"/>) and to calls given one in <see cref="CallOptions.Retry"/>. Every attempt of a
/// unary call carries the same idempotency key, so a server answers a repeat of a call it already ran from that call's
/// result (<see cref="IdempotencyOptions"/>). A server stream is retried only until its first item (or its end) arrives,
/// as gRPC commits a call: after that a failure reaches the caller, who has the items before it.
/// </summary>
/// <remarks>
/// An attempt is made only while the call's deadline leaves room for the wait before it; the deadline (or timeout) given
/// to the call bounds all its attempts together, as in gRPC. A failure that carries <see cref="TetherException.RetryAfter"/>
/// (a rate limit) waits that long instead of the backoff. While the client reconnects, the next attempt waits for the new
/// session. Interceptors see the call once, around all its attempts; metrics and traces see each attempt.
/// </remarks>
public sealed class RetryPolicy
{
    /// <summary>Retries nothing: one attempt.</summary>
    public static RetryPolicy None { get; } = new() { MaxAttempts = 1 };

    /// <summary>Attempts in all, the first included (1–10).</summary>
    /// <remarks>Defaults to 3.</remarks>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The wait before the second attempt.</summary>
    /// <remarks>Defaults to 50 ms.</remarks>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest wait between two attempts.</summary>
    /// <remarks>Defaults to 2 s.</remarks>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Each wait is the previous one times this (at least 1).</summary>
    /// <remarks>Defaults to 2.</remarks>
    public double BackoffMultiplier { get; set; } = 2.0;

    /// <summary>Fraction of each wait that is random: a wait <c>w</c> becomes a value in <c>[w·(1−Jitter), w]</c>, so callers failed together do not return together (0–1).</summary>
    /// <remarks>Defaults to 0.5.</remarks>
    public double Jitter { get; set; } = 0.5;

    /// <summary>
    /// The codes retried. The default set is every code the error table calls retryable (<see cref="TetherException.IsRetryable"/>)
    /// and, since each attempt carries an idempotency key, the codes of a session that ended while the call was out:
    /// <see cref="TetherErrorCode.NotDelivered"/>, <see cref="TetherErrorCode.SessionExpired"/>,
    /// <see cref="TetherErrorCode.SessionUnknown"/>, <see cref="TetherErrorCode.ResumeRejected"/> and
    /// <see cref="TetherErrorCode.ReplayBufferOverflow"/>.
    /// </summary>
    /// <remarks>Defaults to the set described above (a new set per policy, free to change).</remarks>
    public ISet<TetherErrorCode> RetryableCodes { get; set; } = DefaultRetryableCodes();

    /// <summary>
    /// The retry budget's size, after gRPC's retry throttling: the client holds this many tokens; each failed attempt
    /// takes one, each success gives back <see cref="BudgetTokenRatio"/>, and calls are retried only while more than half
    /// remain. So when most calls fail, retries stop adding load. 0 turns the budget off.
    /// </summary>
    /// <remarks>Defaults to 10.</remarks>
    public int BudgetTokens { get; set; } = 10;

    /// <summary>What a successful call gives back to the budget (0–1].</summary>
    /// <remarks>Defaults to 0.1.</remarks>
    public double BudgetTokenRatio { get; set; } = 0.1;

    /// <summary>The wait before attempt <paramref name="attempt"/> (2 or more) when the failure named none: <see cref="InitialBackoff"/> × <see cref="BackoffMultiplier"/>^(attempt−2), capped at <see cref="MaxBackoff"/>, less up to <see cref="Jitter"/> of it.</summary>
    /// <param name="attempt">The attempt about to be made.</param>
    /// <param name="random">The source of the jitter.</param>
    public TimeSpan BackoffBefore(int attempt, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double wait = InitialBackoff.TotalMilliseconds * Math.Pow(BackoffMultiplier, Math.Max(0, attempt - 2));
        wait = Math.Min(wait, MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(wait * (1.0 - (Jitter * random.NextDouble())));
    }

    /// <summary>Whether a failure with <paramref name="code"/> is retried.</summary>
    public bool IsRetryable(TetherErrorCode code) => RetryableCodes.Contains(code);

    /// <summary>Why the policy is not usable, or null.</summary>
    internal string? Problem() => MaxAttempts is < 1 or > 10 ? "MaxAttempts must be 1 to 10."
        : InitialBackoff < TimeSpan.Zero || MaxBackoff < InitialBackoff ? "InitialBackoff must be at least 0 and MaxBackoff at least InitialBackoff."
        : !(BackoffMultiplier >= 1) ? "BackoffMultiplier must be at least 1."
        : Jitter is < 0 or > 1 || double.IsNaN(Jitter) ? "Jitter must be 0 to 1."
        : BudgetTokens < 0 ? "BudgetTokens must be 0 or more."
        : BudgetTokenRatio is <= 0 or > 1 || double.IsNaN(BudgetTokenRatio) ? "BudgetTokenRatio must be above 0 and at most 1."
        : RetryableCodes is null ? "RetryableCodes must be set." : null;

    private static HashSet<TetherErrorCode> DefaultRetryableCodes()
    {
        HashSet<TetherErrorCode> codes = [.. TetherErrors.All.Where(static d => d.IsRetryable).Select(static d => d.Code)];
        codes.UnionWith([TetherErrorCode.NotDelivered, TetherErrorCode.SessionExpired, TetherErrorCode.SessionUnknown,
            TetherErrorCode.ResumeRejected, TetherErrorCode.ReplayBufferOverflow]);
        return codes;
    }
}
