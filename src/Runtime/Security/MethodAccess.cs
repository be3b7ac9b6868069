using Microsoft.AspNetCore.Authorization;

namespace Tether.Security;

/// <summary>
/// Who may call a method and what it costs against rate limits, as the generator read it from the handler's
/// <see cref="AuthorizeAttribute"/>, <see cref="AllowAnonymousAttribute"/> and <see cref="RateLimitAttribute"/>
/// (on the service interface's method, the handler class and the method; <see cref="RateLimitAttribute"/> also on the
/// interface); static data in the dispatch table, so no call
/// reflects over attributes.
/// </summary>
public sealed class MethodAccess
{
    /// <summary>Creates the access rules of one method (generated code calls this).</summary>
    /// <param name="allowAnonymous">An <see cref="AllowAnonymousAttribute"/> applies: no authorization at all.</param>
    /// <param name="authorize">Every <see cref="AuthorizeAttribute"/> that applies; all must pass.</param>
    /// <param name="rateLimitPolicy">The named rate-limit policy (<see cref="RateLimitAttribute.Policy"/>), or null.</param>
    /// <param name="rateLimitWeight">Permits one call takes from that policy and from the global limit.</param>
    public MethodAccess(bool allowAnonymous, IReadOnlyList<IAuthorizeData> authorize, string? rateLimitPolicy = null, int rateLimitWeight = 1)
    {
        ArgumentNullException.ThrowIfNull(authorize);
        ArgumentOutOfRangeException.ThrowIfLessThan(rateLimitWeight, 1);
        AllowAnonymous = allowAnonymous;
        Authorize = authorize;
        RateLimitPolicy = rateLimitPolicy;
        RateLimitWeight = rateLimitWeight;
    }

    /// <summary>An <see cref="AllowAnonymousAttribute"/> applies: anyone may call, whatever else is declared.</summary>
    public bool AllowAnonymous { get; }

    /// <summary>The authorization rules that apply (from the service, the handler and the method); every one must pass.</summary>
    public IReadOnlyList<IAuthorizeData> Authorize { get; }

    /// <summary>The named rate-limit policy the method uses, or null (only the global limit, if any).</summary>
    public string? RateLimitPolicy { get; }

    /// <summary>Permits one call takes (from its policy and the global limit).</summary>
    public int RateLimitWeight { get; }
}
