namespace Tether;

/// <summary>
/// How a server answers repeated calls that carry an idempotency key (<see cref="CallOptions.IdempotencyKey"/>; every
/// retried call has one): it keeps the first call's result per method, principal and key, and answers a repeat with it
/// instead of running the handler again. A repeat that arrives while the first call still runs waits for its result.
/// With <see cref="TetherServerOptions.DurableSessions"/>, results are kept in the durable store too (in its
/// <c>idempotency</c> subdirectory) and outlive a restart. Memory is bounded by <see cref="MaxEntries"/> and
/// <see cref="MaxBytes"/>: past them the oldest results are dropped before their time.
/// </summary>
public sealed class IdempotencyOptions
{
    /// <summary>Keep results and answer repeats. Off, keys are ignored and every call runs its handler.</summary>
    /// <remarks>Defaults to true.</remarks>
    public bool Enabled { get; set; } = true;

    /// <summary>How long a result is kept after its call completed.</summary>
    /// <remarks>Defaults to 10 minutes.</remarks>
    public TimeSpan Retention { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The most results kept at once.</summary>
    /// <remarks>Defaults to 100,000.</remarks>
    public int MaxEntries { get; set; } = 100_000;

    /// <summary>The most bytes of results (bodies, trailers, keys) kept at once.</summary>
    /// <remarks>Defaults to 64 MiB.</remarks>
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// The largest reply kept. A larger reply is sent but not kept; a repeat of its call is then answered with
    /// <see cref="TetherErrorCode.IdempotentResultNotKept"/> (the handler is still not run twice).
    /// </summary>
    /// <remarks>Defaults to 1 MiB.</remarks>
    public int MaxResultBytes { get; set; } = 1024 * 1024;

    internal IEnumerable<string> Problems()
    {
        if (Retention <= TimeSpan.Zero)
        {
            yield return "Idempotency.Retention must be positive.";
        }

        if (MaxEntries < 1 || MaxBytes < 1 || MaxResultBytes < 0)
        {
            yield return "Idempotency.MaxEntries and MaxBytes must be positive, MaxResultBytes at least 0.";
        }
    }
}
