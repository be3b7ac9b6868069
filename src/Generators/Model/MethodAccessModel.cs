using Tether.Generators.Shared;

namespace Tether.Generators.Model;

/// <summary>One <c>[Authorize]</c> as written: policy, roles and authentication schemes (empty when not set).</summary>
internal sealed record AuthorizeModel(string Policy, string Roles, string Schemes);

/// <summary>
/// A handler method's access rules, merged from the service interface, the handler class and the method:
/// <c>[AllowAnonymous]</c>, every <c>[Authorize]</c>, and the nearest <c>[RateLimit]</c>.
/// </summary>
/// <param name="MethodId">The method it belongs to.</param>
/// <param name="RateLimitPolicy">The policy's name, or empty.</param>
internal sealed record MethodAccessModel(int MethodId, bool AllowAnonymous, EquatableArray<AuthorizeModel> Authorize, string RateLimitPolicy, int RateLimitWeight)
{
    public bool IsEmpty => !AllowAnonymous && Authorize.Count == 0 && RateLimitPolicy.Length == 0;
}
