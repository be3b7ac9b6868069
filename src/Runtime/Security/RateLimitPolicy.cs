using System.Threading.RateLimiting;

namespace Tether.Security;

/// <summary>What a rate limit counts separately.</summary>
public enum RateLimitPartition
{
    /// <summary>One limit for the whole server.</summary>
    Server,

    /// <summary>A limit per session (survives resumes).</summary>
    Session,

    /// <summary>A limit per authenticated principal (<see cref="AuthenticationResult.Subject"/>), shared by its sessions; anonymous callers share one.</summary>
    Principal,

    /// <summary>A limit per remote IP address.</summary>
    RemoteAddress,
}

/// <summary>
/// One rate limit: how it is partitioned and the <see cref="RateLimiter"/> each partition gets (token bucket, fixed
/// or sliding window, concurrency: anything from <c>System.Threading.RateLimiting</c>). A call waits for no permit:
/// over the limit it is refused with <see cref="TetherErrorCode.RateLimited"/> (and the limiter's retry-after, when it
/// knows one); a one-way message, which has no one to refuse to, waits for its permit and slows its sender instead.
/// </summary>
public sealed class RateLimitPolicy
{
    /// <summary>
    /// Creates a policy; <paramref name="createLimiter"/> is called once per partition, with its key. Make replenishing
    /// limiters with <c>AutoReplenishment = false</c>, as the factory methods do: the server then replenishes them all
    /// from one heartbeat (with automatic replenishment each partition has a timer of its own).
    /// </summary>
    public RateLimitPolicy(RateLimitPartition partitionBy, Func<string, RateLimiter> createLimiter)
    {
        ArgumentNullException.ThrowIfNull(createLimiter);
        PartitionBy = partitionBy;
        CreateLimiter = createLimiter;
    }

    /// <summary>What is counted separately.</summary>
    public RateLimitPartition PartitionBy { get; }

    /// <summary>Makes the limiter of one partition (given its key: a session, a subject, an address, or <c>server</c>).</summary>
    public Func<string, RateLimiter> CreateLimiter { get; }

    /// <summary>
    /// A token bucket per partition: <paramref name="permitsPerSecond"/> refilled every 100 ms in tenths (every second
    /// below 10 per second), up to <paramref name="burst"/> held. No queue: a request over the limit is refused with the
    /// time until enough permits are back.
    /// </summary>
    public static RateLimitPolicy TokenBucket(RateLimitPartition partitionBy, int permitsPerSecond, int burst)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permitsPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        bool fine = permitsPerSecond >= 10;
        TimeSpan period = fine ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1);
        int perPeriod = fine ? permitsPerSecond / 10 : permitsPerSecond;
        var options = new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = period,
            AutoReplenishment = false, // the server's heartbeat replenishes every partition, by elapsed time
            QueueLimit = 0,
        };
        return new RateLimitPolicy(partitionBy, _ => new TokenBucketRateLimiter(options));
    }

    /// <summary>At most <paramref name="permits"/> per <paramref name="window"/> per partition (fixed windows); no queue.</summary>
    public static RateLimitPolicy FixedWindow(RateLimitPartition partitionBy, int permits, TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permits, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        var options = new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = window, AutoReplenishment = false, QueueLimit = 0 };
        return new RateLimitPolicy(partitionBy, _ => new FixedWindowRateLimiter(options));
    }

    /// <summary>At most <paramref name="permits"/> calls running at once per partition (a permit is held until the call ends); no queue.</summary>
    public static RateLimitPolicy Concurrency(RateLimitPartition partitionBy, int permits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permits, 1);
        var options = new ConcurrencyLimiterOptions { PermitLimit = permits, QueueLimit = 0 };
        return new RateLimitPolicy(partitionBy, _ => new ConcurrencyLimiter(options));
    }
}
