using System.Threading.RateLimiting;

namespace Tether.Security;

/// <summary>The partition keys of one caller, computed once per session (no string is built per call).</summary>
internal interface IRateLimitSubject
{
    string SessionKey { get; }

    string PrincipalKey { get; }

    string AddressKey { get; }
}

/// <summary>One configured <see cref="RateLimitPolicy"/>, running: a partitioned limiter keyed as the policy says.</summary>
internal sealed class PolicyLimiter : IDisposable
{
    private const string ServerKey = "server";
    private readonly PartitionedRateLimiter<string> _limiter;

    public PolicyLimiter(string name, RateLimitPolicy policy)
    {
        Name = name;
        PartitionBy = policy.PartitionBy;
        // One partitioned limiter per policy: it replenishes all its partitions from one timer and drops idle ones.
        _limiter = PartitionedRateLimiter.Create(policy.Partition, StringComparer.Ordinal);
    }

    /// <summary>The policy's name (<c>global</c>, <c>connections</c>, <c>handshakes</c> or the configured one).</summary>
    public string Name { get; }

    public Security.RateLimitPartition PartitionBy { get; }

    /// <summary>Takes <paramref name="permits"/> for <paramref name="subject"/>'s partition now, without waiting.</summary>
    public RateLimitLease Acquire(IRateLimitSubject subject, int permits) => _limiter.AttemptAcquire(KeyOf(subject), permits);

    /// <summary>Waits for <paramref name="permits"/> (used for one-way messages, which slow their sender instead of being refused).</summary>
    public ValueTask<RateLimitLease> AcquireAsync(IRateLimitSubject subject, int permits, CancellationToken cancellationToken) =>
        _limiter.AcquireAsync(KeyOf(subject), permits, cancellationToken);

    /// <summary>Takes one permit for a connection or hello from <paramref name="addressKey"/>.</summary>
    public RateLimitLease AcquireForAddress(string addressKey) =>
        _limiter.AttemptAcquire(PartitionBy == Security.RateLimitPartition.RemoteAddress ? addressKey : ServerKey, 1);

    private string KeyOf(IRateLimitSubject subject) => PartitionBy switch
    {
        Security.RateLimitPartition.Session => subject.SessionKey,
        Security.RateLimitPartition.Principal => subject.PrincipalKey,
        Security.RateLimitPartition.RemoteAddress => subject.AddressKey,
        _ => ServerKey,
    };

    /// <summary>The wait a refused lease asks for, when its limiter knows one.</summary>
    public static TimeSpan? RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan wait) ? wait : null;

    public void Dispose() => _limiter.Dispose();
}
