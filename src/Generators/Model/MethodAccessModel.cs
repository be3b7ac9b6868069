using Tether.Generators.Shared;

namespace Tether.Generators.Model;

/// <summary>One <c>[Authorize]</c> as written: policy, roles and authentication schemes (empty when not set).</summary>
internal sealed record AuthorizeModel(string Policy, string Roles, string Schemes);

/// <summary>
/// What a handler method's attributes ask of the server around its calls, merged from the service interface, the
/// handler class and the method: <c>[AllowAnonymous]</c>, every <c>[Authorize]</c>, the nearest <c>[RateLimit]</c>, and
/// every <c>[CallFilter&lt;T&gt;]</c>.
/// </summary>
/// <param name="MethodId">The method it belongs to.</param>
/// <param name="RateLimitPolicy">The policy's name, or empty.</param>
/// <param name="Filters">The filters' fully qualified type names, outermost first, each once.</param>
internal sealed record MethodAccessModel(int MethodId, bool AllowAnonymous, EquatableArray<AuthorizeModel> Authorize, string RateLimitPolicy, int RateLimitWeight, EquatableArray<string> Filters)
{
    /// <summary>No access rule (the descriptor gets no <c>MethodAccess</c>).</summary>
    public bool HasNoAccessRule => !AllowAnonymous && Authorize.Count == 0 && RateLimitPolicy.Length == 0;

    /// <summary>Neither an access rule nor a filter.</summary>
    public bool IsEmpty => HasNoAccessRule && Filters.Count == 0;
}
