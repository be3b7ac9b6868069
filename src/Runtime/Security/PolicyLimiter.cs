using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace Tether.Security;

/// <summary>The partition keys of one caller, computed once per session (no string is built per call), and the limiters its calls last used.</summary>
internal interface IRateLimitSubject
{
    string SessionKey { get; }

    string PrincipalKey { get; }

    string AddressKey { get; }

    /// <summary>The limiter of each policy this caller last used (cleared when its principal or address changes).</summary>
    LimiterCache Limiters { get; }
}

/// <summary>
/// A session's shortcut to the limiters of its partitions, so a steady call skips the partition lookup. Copy-on-write
/// (calls on QUIC call streams run on several threads); an entry whose limiter was disposed (dropped as idle, or replaced
/// by a reload) is found out by the acquire and replaced.
/// </summary>
internal sealed class LimiterCache
{
    private (PolicyLimiter Policy, RateLimiter Limiter)[] _entries = [];

    public RateLimiter? Find(PolicyLimiter policy)
    {
        foreach ((PolicyLimiter owner, RateLimiter limiter) in Volatile.Read(ref _entries))
        {
            if (ReferenceEquals(owner, policy))
            {
                return limiter;
            }
        }

        return null;
    }

    public void Remember(PolicyLimiter policy, RateLimiter limiter)
    {
        (PolicyLimiter Policy, RateLimiter Limiter)[] entries = Volatile.Read(ref _entries);
        var next = new List<(PolicyLimiter, RateLimiter)>(entries.Length + 1) { (policy, limiter) };
        foreach ((PolicyLimiter Policy, RateLimiter Limiter) entry in entries)
        {
            if (!ReferenceEquals(entry.Policy, policy) && !entry.Policy.IsDisposed && next.Count < 8)
            {
                next.Add(entry);
            }
        }

        Volatile.Write(ref _entries, [.. next]); // a lost race costs one more lookup, never a wrong limiter
    }

    public void Clear() => Volatile.Write(ref _entries, []);
}

/// <summary>
/// One configured <see cref="RateLimitPolicy"/>, running: a limiter per partition key. Partitions are kept in a
/// concurrent dictionary (a lock-free read per call) rather than <c>PartitionedRateLimiter.Create</c>'s, which takes a
/// lock and allocated 32 bytes per acquire here (measured); as there, one heartbeat replenishes every partition (limiters
/// made with <c>AutoReplenishment = false</c>) and drops partitions idle for 10 seconds.
/// </summary>
internal sealed class PolicyLimiter : IDisposable
{
    private const string ServerKey = "server";
    private static readonly TimeSpan s_idleLimit = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, RateLimiter> _partitions = new(StringComparer.Ordinal);
    private readonly Func<string, RateLimiter> _create;
    private bool _disposed;

    public PolicyLimiter(string name, RateLimitPolicy policy)
    {
        Name = name;
        PartitionBy = policy.PartitionBy;
        _create = policy.CreateLimiter;
    }

    /// <summary>The policy's name (<c>global</c>, <c>connections</c>, <c>handshakes</c> or the configured one).</summary>
    public string Name { get; }

    public Security.RateLimitPartition PartitionBy { get; }

    /// <summary>Partitions held now.</summary>
    public int PartitionCount => _partitions.Count;

    /// <summary>Whether a reload replaced this policy (its limiters are disposed).</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed);

    /// <summary>Takes <paramref name="permits"/> for <paramref name="subject"/>'s partition now, without waiting.</summary>
    public RateLimitLease Acquire(IRateLimitSubject subject, int permits)
    {
        LimiterCache cache = subject.Limiters;
        if (cache.Find(this) is { } known)
        {
            try
            {
                return known.AttemptAcquire(permits);
            }
            catch (ObjectDisposedException)
            {
                // Dropped as idle, or this policy was replaced: look the partition up again below.
            }
        }

        string key = KeyOf(subject);
        while (true)
        {
            RateLimiter limiter;
            try
            {
                limiter = Partition(key);
                RateLimitLease lease = limiter.AttemptAcquire(permits);
                cache.Remember(this, limiter);
                return lease;
            }
            catch (ObjectDisposedException)
            {
                if (Volatile.Read(ref _disposed))
                {
                    return ReloadedLease.Instance;
                }

                // Dropped as idle between the lookup and the acquire: look again.
            }
        }
    }

    /// <summary>Waits for <paramref name="permits"/> (one-way messages, which slow their sender instead of being refused).</summary>
    public async ValueTask<RateLimitLease> AcquireAsync(IRateLimitSubject subject, int permits, CancellationToken cancellationToken)
    {
        string key = KeyOf(subject);
        while (true)
        {
            try
            {
                return await Partition(key).AcquireAsync(permits, cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                if (Volatile.Read(ref _disposed))
                {
                    return ReloadedLease.Instance;
                }

                // The partition was dropped as idle between the lookup and the acquire: take its successor.
            }
        }
    }

    /// <summary>Takes one permit for a connection or hello from <paramref name="addressKey"/>.</summary>
    public RateLimitLease AcquireForAddress(string addressKey) =>
        Acquire(PartitionBy == Security.RateLimitPartition.RemoteAddress ? addressKey : ServerKey, 1);

    private RateLimitLease Acquire(string key, int permits)
    {
        while (true)
        {
            try
            {
                return Partition(key).AttemptAcquire(permits);
            }
            catch (ObjectDisposedException)
            {
                if (Volatile.Read(ref _disposed))
                {
                    return ReloadedLease.Instance;
                }

                // Dropped as idle between the lookup and the acquire: look again.
            }
        }
    }

    private RateLimiter Partition(string key)
    {
        if (_partitions.TryGetValue(key, out RateLimiter? limiter))
        {
            return limiter;
        }

        // Made under a lock: a limiter may own resources (a timer, with automatic replenishment), so no racing duplicate.
        lock (_partitions)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _partitions.GetOrAdd(key, _create);
        }
    }

    private string KeyOf(IRateLimitSubject subject) => PartitionBy switch
    {
        Security.RateLimitPartition.Session => subject.SessionKey,
        Security.RateLimitPartition.Principal => subject.PrincipalKey,
        Security.RateLimitPartition.RemoteAddress => subject.AddressKey,
        _ => ServerKey,
    };

    /// <summary>Replenishes every partition that does not replenish itself, and drops those idle for 10 seconds.</summary>
    public void Heartbeat()
    {
        foreach (KeyValuePair<string, RateLimiter> partition in _partitions)
        {
            if (partition.Value.IdleDuration is { } idle && idle > s_idleLimit)
            {
                lock (_partitions)
                {
                    // Checked again under the lock that creation takes: a limiter in use since is not idle any more.
                    if (partition.Value.IdleDuration is { } still && still > s_idleLimit && _partitions.TryRemove(partition))
                    {
                        partition.Value.Dispose();
                    }
                }
            }
            else if (partition.Value is ReplenishingRateLimiter { IsAutoReplenishing: false } replenishing)
            {
                replenishing.TryReplenish();
            }
        }
    }

    /// <summary>
    /// What a caller racing a reload gets from the replaced generation's disposed limiters: admitted (counts restart with
    /// the new generation anyway), rather than an exception out of an accept loop or a receive loop.
    /// </summary>
    private sealed class ReloadedLease : RateLimitLease
    {
        public static readonly ReloadedLease Instance = new();

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }

    /// <summary>The wait a refused lease asks for, when its limiter knows one.</summary>
    public static TimeSpan? RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan wait) ? wait : null;

    public void Dispose()
    {
        lock (_partitions)
        {
            Volatile.Write(ref _disposed, true);
            foreach (RateLimiter limiter in _partitions.Values)
            {
                limiter.Dispose();
            }

            _partitions.Clear();
        }
    }
}
