using System.Threading.RateLimiting;
using Tether.Connections;

namespace Tether.Security;

/// <summary>
/// The rate-limit permits one call holds until it ends (a concurrency limiter's permit is only given back then; a
/// token bucket's lease gives nothing back). Default: none.
/// </summary>
internal readonly struct CallLeases(RateLimitLease? global, RateLimitLease? own)
{
    public void Dispose()
    {
        global?.Dispose();
        own?.Dispose();
    }

    /// <summary>
    /// Takes the call's permits from the global limit and its method's policy, without waiting. False: refused, with the
    /// policy that said no and the wait its limiter asks for (nothing is held then).
    /// </summary>
    public static bool TryAcquire(SecurityPolicy policy, IRateLimitSubject subject, in HandlerRoute route, out CallLeases leases, out string? refusedBy, out TimeSpan? retryAfter)
    {
        int weight = route.Method?.Access?.RateLimitWeight ?? 1;
        leases = default;
        refusedBy = null;
        retryAfter = null;
        RateLimitLease? global = null;
        if (policy.Global is { } limiter)
        {
            global = limiter.Acquire(subject, weight);
            if (!global.IsAcquired)
            {
                return Refuse(global, null, limiter, out refusedBy, out retryAfter);
            }
        }

        RateLimitLease? own = null;
        if (policy.PolicyOf(route) is { } named)
        {
            own = named.Acquire(subject, weight);
            if (!own.IsAcquired)
            {
                return Refuse(own, global, named, out refusedBy, out retryAfter);
            }
        }

        leases = new CallLeases(global, own);
        return true;
    }

    /// <summary>Waits for the call's permits (one-way messages: the sender slows down instead of losing them).</summary>
    public static async ValueTask<CallLeases> AcquireAsync(SecurityPolicy policy, IRateLimitSubject subject, HandlerRoute route, TimeProvider time, CancellationToken cancellationToken)
    {
        int weight = route.Method?.Access?.RateLimitWeight ?? 1;
        RateLimitLease? global = policy.Global is { } limiter ? await WaitAsync(limiter, subject, weight, time, cancellationToken).ConfigureAwait(false) : null;
        try
        {
            RateLimitLease? own = policy.PolicyOf(route) is { } named ? await WaitAsync(named, subject, weight, time, cancellationToken).ConfigureAwait(false) : null;
            return new CallLeases(global, own);
        }
        catch
        {
            global?.Dispose();
            throw;
        }
    }

    // Limiters configured without a queue refuse at once: wait for the time the refusal names (or a short while), then ask again.
    private static async ValueTask<RateLimitLease> WaitAsync(PolicyLimiter limiter, IRateLimitSubject subject, int weight, TimeProvider time, CancellationToken cancellationToken)
    {
        while (true)
        {
            RateLimitLease lease = await limiter.AcquireAsync(subject, weight, cancellationToken).ConfigureAwait(false);
            if (lease.IsAcquired)
            {
                return lease;
            }

            TimeSpan wait = PolicyLimiter.RetryAfter(lease) ?? TimeSpan.FromMilliseconds(10);
            lease.Dispose();
            await Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool Refuse(RateLimitLease refused, RateLimitLease? held, PolicyLimiter limiter, out string? refusedBy, out TimeSpan? retryAfter)
    {
        retryAfter = PolicyLimiter.RetryAfter(refused);
        refused.Dispose();
        held?.Dispose();
        refusedBy = limiter.Name;
        return false;
    }
}
