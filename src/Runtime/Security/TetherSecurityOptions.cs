using System.Net;
using Microsoft.AspNetCore.Authorization;

namespace Tether.Security;

/// <summary>
/// Who may connect and call (<see cref="TetherServerOptions.Security"/>): the authenticators of the handshake, address
/// lists, rate limits and the authorization service behind <see cref="AuthorizeAttribute"/>. Lists and limits can be
/// replaced on a running server (<see cref="TetherServer.UpdateSecurity"/>; the hosted server does so when its options
/// reload).
/// </summary>
public sealed class TetherSecurityOptions
{
    /// <summary>
    /// Asked in order at every hello and credentials refresh (<see cref="IAuthenticator"/>). Empty: every session is
    /// anonymous, or carries its TLS client certificate's identity when it presented one.
    /// </summary>
    public IList<IAuthenticator> Authenticators { get; } = [];

    /// <summary>
    /// Refuse a hello that no authenticator authenticates with <see cref="TetherErrorCode.Unauthenticated"/>. Off: such a
    /// session is anonymous, and only methods under <see cref="AuthorizeAttribute"/> refuse it.
    /// </summary>
    /// <remarks>Defaults to false.</remarks>
    public bool RequireAuthentication { get; set; }

    /// <summary>Addresses allowed to connect (CIDR, IPv4 and IPv6); empty: every address not denied.</summary>
    public IList<IPNetwork> AllowedNetworks { get; } = [];

    /// <summary>Addresses never allowed to connect; checked before <see cref="AllowedNetworks"/>.</summary>
    public IList<IPNetwork> DeniedNetworks { get; } = [];

    /// <summary>Rate limits on calls, connections and hellos.</summary>
    public TetherRateLimitOptions RateLimits { get; set; } = new();

    /// <summary>
    /// Evaluates <see cref="AuthorizeAttribute"/> rules. Null: a default service over <see cref="AuthorizationPolicies"/>
    /// (the hosted server takes the one from its service provider, with policies registered by <c>AddAuthorizationCore</c>).
    /// </summary>
    public IAuthorizationService? AuthorizationService { get; set; }

    /// <summary>Finds policies by name for <see cref="AuthorizeAttribute.Policy"/>. Null: the default provider over <see cref="AuthorizationPolicies"/>.</summary>
    public IAuthorizationPolicyProvider? AuthorizationPolicyProvider { get; set; }

    /// <summary>Policies and the default and fallback policy, for a server that does not take its authorization from a service provider.</summary>
    public AuthorizationOptions AuthorizationPolicies { get; } = new();
}
