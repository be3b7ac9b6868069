namespace Tether.Security;

/// <summary>
/// Puts a service's methods (on the interface or handler class) or one method under a named rate-limit policy of the
/// server (<see cref="TetherRateLimitOptions.Policies"/>); the method's own attribute wins over its class's. A call over
/// the limit is refused with <see cref="TetherErrorCode.RateLimited"/> and the time to wait
/// (<see cref="TetherException.RetryAfter"/>).
/// </summary>
/// <param name="policy">The policy's name in <see cref="TetherRateLimitOptions.Policies"/>.</param>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Interface | AttributeTargets.Method, Inherited = false)]
public sealed class RateLimitAttribute(string policy) : Attribute
{
    /// <summary>The policy's name.</summary>
    public string Policy { get; } = policy;

    /// <summary>Permits one call takes (a costly method weighs more); at least 1.</summary>
    public int Weight { get; set; } = 1;
}
