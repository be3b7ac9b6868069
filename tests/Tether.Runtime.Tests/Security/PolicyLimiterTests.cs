using System.Threading.RateLimiting;
using Tether.Security;

namespace Tether.Runtime.Tests.Security;

/// <summary>A running rate-limit policy: partitions kept apart, and a permit taken without allocating.</summary>
public sealed class PolicyLimiterTests
{
    private sealed class Caller(string session, string principal, string address) : IRateLimitSubject
    {
        public string SessionKey => session;

        public string PrincipalKey => principal;

        public string AddressKey => address;

        public LimiterCache Limiters { get; } = new();
    }

    [Theory]
    [InlineData(Tether.Security.RateLimitPartition.Session)]
    [InlineData(Tether.Security.RateLimitPartition.Principal)]
    [InlineData(Tether.Security.RateLimitPartition.RemoteAddress)]
    [InlineData(Tether.Security.RateLimitPartition.Server)]
    public void Each_partition_has_its_own_permits(Tether.Security.RateLimitPartition by)
    {
        using var limiter = new PolicyLimiter("p", RateLimitPolicy.FixedWindow(by, permits: 2, window: TimeSpan.FromHours(1)));
        var first = new Caller("s1", "p1", "a1");
        var sameSession = new Caller("s1", "p2", "a2"); // shares only the session key with the first
        var other = new Caller("s2", "p2", "a2");

        Assert.True(limiter.Acquire(first, 2).IsAcquired); // the first's partition is used up
        using RateLimitLease second = limiter.Acquire(sameSession, 1);
        using RateLimitLease third = limiter.Acquire(other, 1);

        bool sharesWithFirst = by is Tether.Security.RateLimitPartition.Session or Tether.Security.RateLimitPartition.Server;
        Assert.Equal(!sharesWithFirst, second.IsAcquired);
        Assert.Equal(by != Tether.Security.RateLimitPartition.Server, third.IsAcquired);
        Assert.True(second.IsAcquired || PolicyLimiter.RetryAfter(second) > TimeSpan.FromMinutes(50)); // a fixed window says when it reopens
        Assert.Equal(by == Tether.Security.RateLimitPartition.Server ? 1 : 2, limiter.PartitionCount);
    }

    [Fact]
    public void A_permit_is_taken_without_allocating()
    {
        using var limiter = new PolicyLimiter("p", RateLimitPolicy.TokenBucket(Tether.Security.RateLimitPartition.Principal, 1_000_000_000, 1_000_000_000));
        var caller = new Caller("s", "p", "a");
        limiter.Acquire(caller, 1).Dispose(); // the partition is made once

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            limiter.Acquire(caller, 1).Dispose();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_caller_racing_a_reload_is_admitted_by_the_replaced_generation_instead_of_failing()
    {
        var limiter = new PolicyLimiter("p", RateLimitPolicy.FixedWindow(Tether.Security.RateLimitPartition.Principal, permits: 1, window: TimeSpan.FromHours(1)));
        var caller = new Caller("s", "p", "a");
        Assert.True(limiter.Acquire(caller, 1).IsAcquired);

        limiter.Dispose(); // UpdateSecurity swapped it out while this caller still held it

        Assert.True(limiter.Acquire(caller, 1).IsAcquired);
        Assert.True(limiter.Acquire(new Caller("s2", "p2", "a2"), 1).IsAcquired); // no cached limiter: the lookup path
        Assert.True(limiter.AcquireForAddress("a").IsAcquired);
    }
}
